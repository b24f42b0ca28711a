// SPDX-License-Identifier: MIT
// leakguard probe: what this machine can do.
#include <cstdio>

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
      fputs((*json ? probe_json(r) : probe_text(r)).c_str(), stdout);
      return r.bpf_backend ? kExitOk : kExitEnvironment;
    };
  });
}

}  // namespace lg
