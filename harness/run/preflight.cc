// SPDX-License-Identifier: MIT
#include "harness/run/preflight.h"

#include "harness/workloads/workload.h"

namespace lg {

namespace {
std::string missing(const ProbeReport& p, const std::string& key) {
  const ProbeItem* i = p.find(key);
  return i ? i->label + ": " + i->detail : key + " was not probed";
}
}  // namespace

std::string preflight(const Scenario& s, const ProbeReport& p, Backend backend) {
  if (backend == Backend::Bpf && !p.bpf_backend)
    return "sampling.backend bpf was asked for but the BPF census cannot run here (" + p.summary +
           "); use --backend procfs or auto";
  if (!p.bpf_backend && !p.procfs_backend) return "no census backend can run here: " + p.summary;
  for (const auto& ph : s.phases)
    for (const auto& w : ph.workloads) {
      const WorkloadKind* kind = find_workload_kind(w.kind);
      if (!kind || !kind->needs) continue;
      for (const auto& need : kind->needs(w.params))
        if (!p.ok(need.feature))
          return "phase " + ph.name + ", workload " + w.kind + need.why + ": " + missing(p, need.feature);
    }
  return "";
}

}  // namespace lg
