// SPDX-License-Identifier: MIT
#pragma once
// Each subcommand is one file harness/cli/cmd_<name>.cc defining add_<name>_command(), which
// declares its options on `app` and sets `action` to what runs when it is chosen.
// main.cc lists them all in one table.
#include <CLI/CLI.hpp>
#include <functional>

namespace lg {
using Action = std::function<int()>;
using AddCommand = void (*)(CLI::App& app, Action& action);
}  // namespace lg
