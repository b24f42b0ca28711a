// SPDX-License-Identifier: MIT
// The progress line: one count per workload kind, never added together (issue 17).
#include <gtest/gtest.h>

#include "harness/run/progress.h"

TEST(Progress, OneCountPerKind) {
  lg::ProgressState s;
  s.scenario = "mixed";
  s.phase = "churn";
  s.counts = {{"netns", 1200, 5000, false, 240}, {"procexit", 310, 0, true, 62}};
  s.fds = 12;
  s.elapsed = 6.1;
  EXPECT_EQ(lg::progress_line(s),
            "mixed | churn | netns 1,200/5,000 @ 240/s, procexit 310 @ 62/s | target fds 12 | 6.1s");
  s.counts.clear();  // an idle phase
  s.fds = -1;
  EXPECT_EQ(lg::progress_line(s), "mixed | churn | 6.1s");
}
