// SPDX-License-Identifier: MIT
#pragma once
// The census backends: what a scenario (sampling.backend), `run --backend` and
// `census --backend` choose, what a census reports it is, and what a metric says can measure it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lg {

// Auto: BPF iterators when they work, else procfs (the reason goes to the report).
enum class Backend { Auto, Bpf, Procfs };

const char* backend_name(Backend b);                          // "auto", "bpf", "procfs"
std::optional<Backend> parse_backend(std::string_view name);  // nullopt for anything else
const std::vector<std::string>& backend_names();              // every name, for choices and messages
// A bit per backend, for the masks of the metric catalogue.
constexpr unsigned backend_bit(Backend b) { return 1u << static_cast<unsigned>(b); }

}  // namespace lg
