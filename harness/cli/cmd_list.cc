// SPDX-License-Identifier: MIT
// leakguard list metrics|workloads: the catalogues a scenario can name.
#include <cstdio>
#include <memory>

#include "harness/base/exit_codes.h"
#include "harness/cli/command.h"
#include "harness/scenario/listing.h"

namespace lg {

void add_list_command(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("list", "List the metrics checks can name, or the workload kinds and their fields");
  auto what = std::make_shared<std::string>();
  sub->add_option("what", *what, "metrics or workloads")->required()->check(one_of({"metrics", "workloads"}));
  sub->footer("docs/metrics.md and docs/scenarios.md explain them.");
  sub->callback([&action, what] {
    action = [what] {
      std::string text = *what == "metrics" ? list_metrics_text() : list_workloads_text();
      fputs(text.c_str(), stdout);
      return (int)kExitOk;
    };
  });
}

}  // namespace lg
