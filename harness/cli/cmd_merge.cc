// SPDX-License-Identifier: MIT
// leakguard merge OUT.xml IN.xml...: one JUnit file from the shards of a sharded run.
#include <cstdio>
#include <memory>

#include "harness/base/exit_codes.h"
#include "harness/base/safe_file.h"
#include "harness/cli/command.h"
#include "reports/report.h"

namespace lg {

void add_merge_command(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("merge", "Merge JUnit files of sharded runs (--shard I/N) into one");
  auto out = std::make_shared<std::string>();
  auto inputs = std::make_shared<std::vector<std::string>>();
  sub->add_option("OUT", *out, "merged JUnit file to write")->required();
  sub->add_option("IN", *inputs, "JUnit files to merge (each <testsuites> or <testsuite>)")->required();
  sub->footer(
      "Every <testsuite> of every input goes into one <testsuites>; counts and time are recomputed.\n"
      "Exit 0: written. 2: an input is unreadable or not JUnit, or OUT cannot be written there (the message\n"
      "names it). 3: writing OUT failed (a full disk).");
  sub->callback([&action, out, inputs] {
    action = [out, inputs] {
      std::string err;
      // The output is checked before any input is read; a write that fails later is exit 3.
      if (!check_output_file(*out, err)) {
        fprintf(stderr, "leakguard: error: merge: %s\n", err.c_str());
        return (int)kExitUsage;
      }
      bool write_failed = false;
      if (!merge_junit(*out, *inputs, err, &write_failed)) {
        fprintf(stderr, "leakguard: error: merge: %s\n", err.c_str());
        return (int)(write_failed ? kExitEnvironment : kExitUsage);
      }
      printf("merged %zu file%s into %s\n", inputs->size(), inputs->size() == 1 ? "" : "s", out->c_str());
      return (int)kExitOk;
    };
  });
}

}  // namespace lg
