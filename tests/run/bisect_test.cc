// SPDX-License-Identifier: MIT
// `run --bisect`: which runs count as "a leak was found" and the exit code of every case.
#include <gtest/gtest.h>

#include "harness/base/exit_codes.h"
#include "harness/run/run.h"

using namespace lg;

namespace {

RunResult run_with(Outcome outcome) {
  RunResult r;
  r.lifecycle = {{"started", true, false, "pid 1", "", 0},
                 {"became ready", true, false, "ready", "", 0},
                 {"stopped cleanly", true, false, "exited 0", "", 0}};
  Verdict v;
  v.outcome = outcome;
  r.verdicts = {v};
  return r;
}

}  // namespace

TEST(Bisect, LeakFoundOnlyInARunThatCanBeTrusted) {
  EXPECT_TRUE(leak_found(run_with(Outcome::Fail)));
  EXPECT_FALSE(leak_found(run_with(Outcome::Pass)));
  EXPECT_FALSE(leak_found(run_with(Outcome::Error)));
  RunResult r = run_with(Outcome::Fail);
  r.interrupted = true;
  EXPECT_FALSE(leak_found(r));
  r = run_with(Outcome::Fail);
  r.environment_error = "no BPF";
  EXPECT_FALSE(leak_found(r));
  r = run_with(Outcome::Fail);
  r.lifecycle[1].ok = false;  // never became ready: what was measured is not the tool
  EXPECT_FALSE(leak_found(r));
  r = run_with(Outcome::Fail);
  r.lifecycle[2].ok = false;  // did not stop cleanly: the leak was measured while it ran
  EXPECT_TRUE(leak_found(r));
  r = run_with(Outcome::Fail);
  r.workloads = {WorkloadReport{{100, 50, 0, 0, 1, 24, "unshare: EPERM", {}}, "churn", "netns", ""}};
  EXPECT_TRUE(leak_found(r));
  // A system-only scenario has no target: its skipped steps do not matter.
  r = run_with(Outcome::Fail);
  for (auto& s : r.lifecycle) s.ok = true, s.skipped = true;
  EXPECT_TRUE(leak_found(r));
}

TEST(Bisect, ExitCodes) {
  EXPECT_EQ(bisect_exit_code(kExitOk, false, false), 0);
  EXPECT_EQ(bisect_exit_code(kExitCheckFailed, true, false), 1);
  EXPECT_EQ(bisect_exit_code(kExitEnvironment, true, false), 1);     // another scenario found the leak
  EXPECT_EQ(bisect_exit_code(kExitCheckFailed, false, false), 125);  // failed, but no leak: broken
  EXPECT_EQ(bisect_exit_code(kExitUsage, false, false), 125);
  EXPECT_EQ(bisect_exit_code(kExitEnvironment, false, false), 125);
  EXPECT_EQ(bisect_exit_code(kExitCheckFailed, true, true), 125);  // interrupted: nothing concluded
  EXPECT_EQ(bisect_exit_code(kExitOk, false, true), 125);
}
