// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <algorithm>

#include "harness/base/metrics.h"
#include "harness/verdict/check_type.h"
#include "harness/verdict/judge.h"

using namespace lg;

namespace {
int count(const std::vector<Check>& cs, const std::string& metric, CheckType type) {
  return (int)std::count_if(cs.begin(), cs.end(), [&](const Check& c) { return c.metric == metric && c.type == type; });
}
}  // namespace

TEST(DefaultChecks, WithTargetOneSlopePerEventKind) {
  auto cs = default_checks({"netns", "bpf_map"}, true);
  EXPECT_EQ(count(cs, "fd.total", CheckType::MaxSlope), 2);
  EXPECT_EQ(count(cs, "proc.zombies", CheckType::MaxSlope), 2);
  EXPECT_EQ(count(cs, "sys.netns", CheckType::MaxResidue), 1);
  for (const auto& c : cs) {
    EXPECT_TRUE(find_metric(c.metric)) << c.metric;  // only catalogue names
    EXPECT_EQ(c.text, describe_check(c));
    EXPECT_FALSE(c.required) << c.text;  // unavailable metrics are skipped, not errors
    EXPECT_EQ(c.line, 0);
    if (c.type == CheckType::MaxSlope) {
      EXPECT_FALSE(c.per_event.empty());
      EXPECT_GT(c.limit, 0);
      EXPECT_GE(c.min_growth, 0);
    }
  }
  EXPECT_EQ(cs.front().text, "fd.total max_slope <= 0.5 per 1000 netns");
}

TEST(DefaultChecks, WithoutWorkloadsSlopesArePerTime) {
  auto cs = default_checks({}, true);
  ASSERT_GT(count(cs, "fd.total", CheckType::MaxSlope), 0);
  for (const auto& c : cs) {
    if (c.type != CheckType::MaxSlope) continue;
    EXPECT_EQ(c.text, c.metric + " max_slope <= 1/min");
  }
}

TEST(DefaultChecks, WithoutTargetOnlySystemResidue) {
  auto cs = default_checks({"netns"}, false);
  ASSERT_FALSE(cs.empty());
  for (const auto& c : cs) {
    EXPECT_EQ(c.type, CheckType::MaxResidue) << c.text;
    EXPECT_EQ(c.metric.rfind("sys.", 0), 0u) << c.text;
  }
}
