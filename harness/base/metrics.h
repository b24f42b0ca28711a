// SPDX-License-Identifier: MIT
#pragma once
// The metric catalogue: every name a scenario, a report or `leakguard census` may use.
// Names are a public contract (docs/metrics.md is checked against this table by a test).
#include <string>
#include <string_view>
#include <vector>

namespace lg {

enum class Scope { Target, System };

enum BackendMask : unsigned {
  kBackendBpf = 1u << 0,
  kBackendProcfs = 1u << 1,
  kBackendBoth = kBackendBpf | kBackendProcfs,
};

struct MetricInfo {
  std::string name;  // "fd.netns"
  const char* unit;  // "fds", "bytes", "maps", ...
  Scope scope;
  unsigned backends;        // BackendMask: which census backends can measure it
  const char* description;  // one line
  const char* procfs_gap;   // why procfs cannot measure it (when it cannot), else ""
};

// The static catalogue, in a stable order: target metrics first, then system ones.
// `sys.slab.<cache>` metrics are dynamic and not in this list; see slab_metric().
const std::vector<MetricInfo>& metric_catalogue();

// Looks a name up. Understands "sys.slab.<cache>" for any cache name.
// Returns nullptr for unknown names.
const MetricInfo* find_metric(std::string_view name);
bool is_slab_metric(std::string_view name);
std::string slab_metric_name(std::string_view cache);  // "sys.slab.filp"

// The slab caches sampled when a scenario does not list its own.
const std::vector<std::string>& default_slab_caches();
// The slab caches of the running kernel (/sys/kernel/slab, merged aliases included), sorted;
// empty when the kernel does not say.
std::vector<std::string> live_slab_caches();
// "" when `cache` is a slab cache of the running kernel (or the kernel does not list its
// caches); else "no slab cache 'x' on this kernel; did you mean 'y'?".
std::string slab_cache_problem(const std::string& cache);

// Closest catalogue name to `name` (edit distance), or "" when nothing is close.
std::string suggest_metric(std::string_view name);

// Levenshtein distance, shared by every "did you mean" in the harness.
size_t edit_distance(std::string_view a, std::string_view b);
// Closest of `choices` to `word` within a distance that makes sense for its length, or "".
std::string closest_match(std::string_view word, const std::vector<std::string>& choices);

}  // namespace lg
