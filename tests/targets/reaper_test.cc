// SPDX-License-Identifier: MIT
// reaper starts a worker process and a helper thread per SIGHUP; leaky mode never reaps
// the workers (zombies) and never wakes the helpers (threads).
#include <gtest/gtest.h>

#include "tests/targets/target_proc.h"

namespace {

constexpr int kWorkers = 10;

class ReaperTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ReaperTest, WorkersAreReapedAndHelpersJoinedUnlessLeaky) {
  if (geteuid() != 0) GTEST_SKIP() << "the target tests run as root only";
  std::string mode = GetParam();
  bool leaky = mode == "leaky";
  // The zombies leaky mode leaves are handed to us when it exits, so we can reap them.
  ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  tt::TempDir tmp;
  {
    tt::Target t;
    ASSERT_EQ(t.start("reaper", {"--mode", mode}, tmp.path), "");
    std::string ready = t.ready_line();
    ASSERT_EQ(ready.rfind("reaper ready", 0), 0u) << ready << "\n" << t.stderr_text();
    for (int i = 1; i <= kWorkers; i++) {
      ASSERT_TRUE(t.signal(SIGHUP));
      // One SIGHUP at a time: signals of one kind do not queue.
      ASSERT_TRUE(tt::wait_until([&] { return tt::counter(t.counters(), "workers started ") >= i; }))
          << t.stderr_text();
    }
    if (leaky) {
      EXPECT_TRUE(tt::wait_until([&] { return tt::zombie_children(t.pid()) == kWorkers; }))
          << "zombies: " << tt::zombie_children(t.pid());
      EXPECT_EQ(tt::threads(t.pid()), 1 + kWorkers + tt::kRuntimeThreads) << "one blocked helper thread per worker";
    } else {
      ASSERT_TRUE(tt::wait_until([&] { return tt::counter(t.counters(), "ok ") >= kWorkers; })) << t.counters();
      EXPECT_EQ(tt::zombie_children(t.pid()), 0);
      EXPECT_EQ(tt::threads(t.pid()), 1 + tt::kRuntimeThreads);
    }
    EXPECT_EQ(t.stop(), 0);
  }
  int reaped = 0;
  tt::wait_until([&] {
    for (;;) {
      pid_t r = waitpid(-1, nullptr, WNOHANG);
      if (r > 0) {
        reaped++;
        continue;
      }
      return r < 0 && errno == ECHILD;  // 0: children not yet handed over
    }
  });
  prctl(PR_SET_CHILD_SUBREAPER, 0);
  EXPECT_EQ(reaped, leaky ? kWorkers : 0);
}

INSTANTIATE_TEST_SUITE_P(Modes, ReaperTest, ::testing::Values("leaky", "fixed"));

}  // namespace
