// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>

#include <algorithm>

#include "harness/base/metrics.h"
#include "harness/verdict/check_type.h"
#include "harness/verdict/judge.h"

using namespace lg;

namespace {
Scope metric_info_scope(const std::string& m) { return find_metric(m)->scope; }
int count(const std::vector<Check>& cs, const std::string& metric, CheckType type) {
  return (int)std::count_if(cs.begin(), cs.end(), [&](const Check& c) { return c.metric == metric && c.type == type; });
}
}  // namespace

TEST(DefaultChecks, WithTargetOneSlopePerEventKind) {
  auto cs = default_checks({"netns", "bpf_map"}, true);
  EXPECT_EQ(count(cs, "fd.total", CheckType::MaxSlope), 2);
  EXPECT_EQ(count(cs, "proc.zombies", CheckType::MaxSlope), 2);
  EXPECT_EQ(count(cs, "proc.rss_bytes", CheckType::MaxSlope), 2);
  EXPECT_EQ(count(cs, "bpf.maps_full", CheckType::Max), 1);
  // With a target the residue checks are target-owned: another tenant cannot move them.
  EXPECT_EQ(count(cs, "target.netns", CheckType::MaxResidue), 1);
  EXPECT_EQ(count(cs, "target.bpf_maps", CheckType::MaxResidue), 1);
  EXPECT_EQ(count(cs, "target.bpf_progs", CheckType::MaxResidue), 1);
  EXPECT_EQ(count(cs, "target.bpf_links", CheckType::MaxResidue), 1);
  EXPECT_EQ(count(cs, "sys.netns", CheckType::MaxResidue), 0);
  EXPECT_EQ(count(cs, "fd.limit_used", CheckType::Max), 1);
  for (const auto& c : cs) {
    // Safe on a shared machine: nothing another tenant moves (issue 17).
    EXPECT_NE(metric_info_scope(c.metric), Scope::System) << c.text;
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
  auto rss = std::find_if(cs.begin(), cs.end(), [](const Check& c) { return c.metric == "proc.rss_bytes"; });
  ASSERT_NE(rss, cs.end());
  EXPECT_EQ(rss->text, "proc.rss_bytes max_slope <= 1MiB per 1000 netns");
  EXPECT_EQ(rss->min_growth, 4 * 1024 * 1024);
}

TEST(DefaultChecks, WithoutWorkloadsSlopesArePerTime) {
  auto cs = default_checks({}, true);
  ASSERT_GT(count(cs, "fd.total", CheckType::MaxSlope), 0);
  for (const auto& c : cs) {
    if (c.type != CheckType::MaxSlope) continue;
    EXPECT_EQ(c.text, c.metric + (c.metric == "proc.rss_bytes" ? " max_slope <= 1MiB/min" : " max_slope <= 1/min"));
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

TEST(DefaultChecks, FdLimitHeadroom) {
  for (const auto& kinds : {std::vector<std::string>{}, std::vector<std::string>{"netns", "signal"}}) {
    auto cs = default_checks(kinds, true);
    auto it = std::find_if(cs.begin(), cs.end(), [](const Check& c) { return c.metric == "fd.limit_used"; });
    ASSERT_NE(it, cs.end());
    EXPECT_EQ(it->type, CheckType::Max);
    EXPECT_EQ(it->limit, 0.8);
    EXPECT_EQ(it->text, "fd.limit_used max <= 0.8");
    EXPECT_EQ(count(cs, "fd.limit_used", CheckType::Max), 1) << "one check, not one per event kind";
  }
}
