// SPDX-License-Identifier: MIT
#include "harness/census/columns.h"

#include "harness/base/metrics.h"
#include "harness/census/slabs.h"

namespace lg {

int column(const std::vector<std::string>& names, std::string_view name) {
  for (size_t i = 0; i < names.size(); i++)
    if (names[i] == name) return (int)i;
  return -1;
}

void build_columns(Backend backend, const CensusScope& scope, const CensusOptions& opts,
                   std::vector<std::string>& names, std::vector<std::string>& unavailable,
                   std::vector<std::string>& slabs) {
  names.clear();
  unavailable.clear();
  slabs.clear();
  for (const auto& m : metric_catalogue()) {
    names.push_back(m.name);
    std::string why;
    if (m.backends == kTracker)
      why = m.procfs_gap;  // the run's tracker fills these columns (harness/attrib)
    else if (!(m.backends & backend_bit(backend)))
      why = backend == Backend::Procfs ? m.procfs_gap : "the BPF census cannot measure it";
    else if (m.scope == Scope::Target && scope.kind == CensusScope::System)
      why = "system scope: there is no target";
    else if (m.scope == Scope::System && !opts.system)
      why = "system metrics were not requested";
    unavailable.push_back(why);
  }
  const auto& want = opts.slab_caches.empty() ? default_slab_caches() : opts.slab_caches;
  for (const auto& c : want) {
    bool dup = false;
    for (const auto& s : slabs) dup |= s == c;
    if (dup) continue;
    slabs.push_back(c);
    names.push_back(slab_metric_name(c));
    unavailable.push_back(opts.system ? slab_cache_gap(c) : "system metrics were not requested");
  }
}

}  // namespace lg
