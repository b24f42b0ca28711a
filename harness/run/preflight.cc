// SPDX-License-Identifier: MIT
#include "harness/run/preflight.h"

namespace lg {

namespace {
std::string missing(const ProbeReport& p, const std::string& key) {
  const ProbeItem* i = p.find(key);
  return i ? i->label + ": " + i->detail : key + " was not probed";
}
}  // namespace

std::string preflight(const Scenario& s, const ProbeReport& p, BackendChoice backend) {
  if (backend == BackendChoice::Bpf && !p.bpf_backend)
    return "sampling.backend bpf was asked for but the BPF census cannot run here (" + p.summary +
           "); use --backend procfs or auto";
  if (!p.bpf_backend && !p.procfs_backend) return "no census backend can run here: " + p.summary;
  for (const auto& ph : s.phases)
    for (const auto& w : ph.workloads) {
      std::string where = "phase " + ph.name + ", workload " + w.kind;
      if (w.kind == "netns" && !p.ok("netns.create"))
        return where + " needs network namespaces: " + missing(p, "netns.create");
      if (w.kind == "procexit" && w.params.flag("in_netns") && !p.ok("netns.create"))
        return where + " (in_netns) needs network namespaces: " + missing(p, "netns.create");
      if (w.kind == "connect" && w.params.flag("in_netns") && !p.ok("netns.create"))
        return where + " (in_netns) needs network namespaces: " + missing(p, "netns.create");
      if (w.kind == "cgroup" && !p.ok("cgroup.create"))
        return where + " needs cgroup v2 groups: " + missing(p, "cgroup.create");
      if (w.kind == "maps" && w.params.flag("progs") && !p.ok("prog.tp_btf"))
        return where + " (progs: true) needs BTF tracepoint programs: " + missing(p, "prog.tp_btf");
    }
  return "";
}

}  // namespace lg
