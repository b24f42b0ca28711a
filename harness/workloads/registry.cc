// SPDX-License-Identifier: MIT
// The one table of workload kinds. Add a kind: write harness/workloads/<kind>.cc that defines
// `const WorkloadKind <kind>_workload` (fields, make, check, needs), declare it here and list it
// in kinds(); then its section in docs/workloads.md and its test in tests/workloads.
#include "harness/workloads/workload.h"

namespace lg {

extern const WorkloadKind netns_workload;
extern const WorkloadKind procexit_workload;
extern const WorkloadKind maps_workload;
extern const WorkloadKind signal_workload;

const std::vector<const WorkloadKind*>& workload_kinds() {
  static const std::vector<const WorkloadKind*> kinds = {&netns_workload, &procexit_workload, &maps_workload,
                                                         &signal_workload};
  return kinds;
}

const WorkloadKind* find_workload_kind(const std::string& name) {
  for (const auto* k : workload_kinds())
    if (name == k->name) return k;
  return nullptr;
}

std::unique_ptr<Workload> make_workload(const WorkloadKind& kind, const Params& given) {
  if (!kind.make) return nullptr;
  Params p = given;
  fill_defaults(kind.fields, p);
  return kind.make(p);
}

}  // namespace lg
