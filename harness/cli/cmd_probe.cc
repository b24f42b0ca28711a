// SPDX-License-Identifier: MIT
// leakguard probe: what this machine can do.
#include <cstdio>

#include "harness/attrib/tracker.h"
#include "harness/base/exit_codes.h"
#include "harness/cli/command.h"
#include "harness/probe/probe.h"

namespace lg {

void add_probe_command(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("probe", "Try every kernel feature leakguard uses and say what works");
  auto json = std::make_shared<bool>(false);
  sub->add_flag("--json", *json, "print one JSON object instead of lines");
  sub->footer("Exit 0: the BPF census can run. 3: only the procfs census can (or none).");
  sub->callback([&action, json] {
    action = [json] {
      ProbeReport r = run_probe();
      // Attribution: load and attach the creation tracker for real (process-tree mode).
      std::string why;
      TrackerOptions o;
      o.tree = true;
      auto t = Tracker::create(o, why);
      ProbeItem it{"attribution", "attribution (creation tracker with user stacks)", t != nullptr,
                   t ? "loads and attaches (tp_btf/sys_exit, sched_process_fork, bpf_find_vma) in " +
                           std::to_string((int)(t->setup_seconds() * 1000)) + " ms"
                     : why,
                   "failing checks cannot name the code that created the objects; target.* residue falls back "
                   "to objects seen held, or is unavailable"};
      if (it.ok) it.cost.clear();
      r.items.push_back(it);
      fputs((*json ? probe_json(r) : probe_text(r)).c_str(), stdout);
      return r.bpf_backend ? kExitOk : kExitEnvironment;
    };
  });
}

}  // namespace lg
