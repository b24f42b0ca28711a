// SPDX-License-Identifier: MIT
#pragma once
// Each subcommand is one file harness/cli/cmd_<name>.cc defining add_<name>_command(), which
// declares its options on `app` and sets `action` to what runs when it is chosen.
// main.cc lists them all in one table.
#include <CLI/CLI.hpp>
#include <functional>

#include <string>
#include <vector>

namespace lg {
using Action = std::function<int()>;
using AddCommand = void (*)(CLI::App& app, Action& action);
// An option that takes one of `values`; a wrong one is refused with the values and the closest:
// "'bfp' is not one of auto, bpf, procfs; did you mean 'bpf'?".
CLI::Validator one_of(std::vector<std::string> values);
}  // namespace lg
