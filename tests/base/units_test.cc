// SPDX-License-Identifier: MIT
#include "harness/base/strings.h"
#include "harness/base/units.h"

#include <gtest/gtest.h>

#include "harness/base/fs.h"
#include "harness/base/metrics.h"

using namespace lg;

TEST(Units, Durations) {
  EXPECT_DOUBLE_EQ(*parse_duration("250ms"), 0.25);
  EXPECT_DOUBLE_EQ(*parse_duration("2s"), 2);
  EXPECT_DOUBLE_EQ(*parse_duration("1m"), 60);
  EXPECT_DOUBLE_EQ(*parse_duration("1h"), 3600);
  EXPECT_DOUBLE_EQ(*parse_duration("1.5s"), 1.5);
  EXPECT_FALSE(parse_duration("5 parsecs"));
  EXPECT_FALSE(parse_duration("5"));
  EXPECT_FALSE(parse_duration("ms"));
  EXPECT_FALSE(parse_duration(""));
}

TEST(Units, Rates) {
  EXPECT_DOUBLE_EQ(*parse_rate("1000/s"), 1000);
  EXPECT_DOUBLE_EQ(*parse_rate("60/min"), 1);
  EXPECT_DOUBLE_EQ(*parse_rate("0.5/s"), 0.5);
  EXPECT_FALSE(parse_rate("1000"));
  EXPECT_FALSE(parse_rate("fast/s"));
  EXPECT_FALSE(parse_rate("10/day"));
}

TEST(Units, SizesAndCounts) {
  EXPECT_EQ(*parse_size("4KiB"), 4096u);
  EXPECT_EQ(*parse_size("1MiB"), 1048576u);
  EXPECT_EQ(*parse_size("512"), 512u);
  EXPECT_FALSE(parse_size("4 parsecs"));
  EXPECT_EQ(*parse_count("10_000"), 10000);
  EXPECT_FALSE(parse_count("lots"));
  EXPECT_FALSE(parse_count("1.5"));
}

TEST(Units, Formatting) {
  EXPECT_EQ(format_number(4893), "4,893");
  EXPECT_EQ(format_number(0.98), "0.98");
  EXPECT_EQ(format_number(-1200), "-1,200");
  EXPECT_EQ(format_number(1948.6), "1,949");
  EXPECT_EQ(format_number(123.45), "123.5");
  EXPECT_EQ(format_fixed(1.23456, 3), "1.235");
  EXPECT_EQ(format_duration(0.25), "250ms");
  EXPECT_EQ(format_duration(90), "1m30s");
}

TEST(Metrics, CatalogueLookups) {
  ASSERT_NE(find_metric("fd.netns"), nullptr);
  EXPECT_EQ(find_metric("fd.netns")->scope, Scope::Target);
  ASSERT_NE(find_metric("sys.slab.filp"), nullptr);
  EXPECT_EQ(find_metric("sys.slab.filp")->scope, Scope::System);
  EXPECT_EQ(find_metric("fd.nope"), nullptr);
  EXPECT_EQ(suggest_metric("fd.netsn"), "fd.netns");
  EXPECT_EQ(suggest_metric("completely.unrelated.words"), "");
  EXPECT_EQ(closest_match("concurency", {"count", "concurrency", "hold"}), "concurrency");
}

TEST(Fs, Helpers) {
  EXPECT_EQ(trim("  a b \n"), "a b");
  EXPECT_EQ(split("a,b,,c", ',').size(), 4u);
  EXPECT_EQ(unescape_mount_path("/run/net\\040ns"), "/run/net ns");
}

#include "harness/base/check.h"

TEST(Outcome, OneTableOfWords) {
  ASSERT_EQ(outcomes().size(), 4u);
  for (size_t i = 0; i < outcomes().size(); i++) EXPECT_EQ(static_cast<size_t>(outcomes()[i].outcome), i);
  EXPECT_STREQ(outcome_name(Outcome::Skipped), "SKIP");
  EXPECT_STREQ(outcome_info(Outcome::Fail).key, "fail");
  ASSERT_NE(find_outcome_key("skipped"), nullptr);
  EXPECT_EQ(find_outcome_key("skipped")->outcome, Outcome::Skipped);
  EXPECT_EQ(find_outcome_key("SKIP"), nullptr);
}
