// SPDX-License-Identifier: MIT
// The table of check types: one entry per CheckType in enum order, keys and words, limits read
// as a scenario writes them.
#include <gtest/gtest.h>

#include "harness/verdict/check_type.h"

namespace lg {
namespace {

TEST(CheckTypes, OneEntryPerTypeInEnumOrder) {
  ASSERT_EQ(check_types().size(), 4u);
  for (size_t i = 0; i < check_types().size(); i++) {
    const CheckTypeInfo* t = check_types()[i];
    EXPECT_EQ(static_cast<size_t>(t->type), i) << t->key;
    EXPECT_EQ(find_check_type(t->key), t);
    EXPECT_NE(t->judge, nullptr) << t->key;
    EXPECT_NE(t->limit_words, nullptr) << t->key;
  }
  EXPECT_EQ(check_type_keys(), (std::vector<std::string>{"max_slope", "max_growth", "max", "max_residue"}));
  EXPECT_EQ(find_check_type("max_slop"), nullptr);
}

TEST(Check, InWords) {
  Check c;
  c.metric = "fd.netns";
  c.limit = 0.001;
  c.per_event = "netns";
  c.per_event_scale = 1000;
  EXPECT_EQ(describe_check(c), "fd.netns max_slope <= 1 per 1000 netns");
  c.per_event.clear();
  c.limit = 0.5;
  c.per_time_unit = "s";
  EXPECT_EQ(describe_check(c), "fd.netns max_slope <= 0.5/s");
  c.per_time_unit = "min";
  c.limit = 2.0 / 60;
  EXPECT_EQ(describe_check(c), "fd.netns max_slope <= 2/min");
  c.type = CheckType::MaxGrowth;
  c.limit = 20;
  EXPECT_EQ(describe_check(c), "fd.netns max_growth <= 20");
  c.type = CheckType::MaxResidue;
  c.limit = 0;
  EXPECT_EQ(describe_check(c), "fd.netns max_residue <= 0");
}

TEST(Check, WordsPreferTheLoadersText) {
  Check c;
  c.metric = "fd.total";
  c.type = CheckType::Max;
  EXPECT_EQ(check_words(c), "fd.total max <= 0");
  c.text = "as written";
  EXPECT_EQ(check_words(c), "as written");
}

TEST(CheckTypes, SlopeLimitsAsWritten) {
  const CheckTypeInfo& t = check_type(CheckType::MaxSlope);
  Check c;
  EXPECT_TRUE(t.parse("1 per 1000 netns", c).empty());
  EXPECT_EQ(c.per_event, "netns");
  EXPECT_DOUBLE_EQ(c.limit, 0.001);
  EXPECT_EQ(c.per_event_scale, 1000);
  Check d;
  EXPECT_TRUE(t.parse("2/min", d).empty());
  EXPECT_EQ(d.per_time_unit, "min");
  EXPECT_DOUBLE_EQ(d.limit, 2.0 / 60);
  Check e;
  auto p = t.parse("5", e);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("has no unit"), std::string::npos) << p[0];
  Check f;
  p = t.parse("per 0 netns", f);
  ASSERT_EQ(p.size(), 2u);  // no limit before 'per', and a zero count
  EXPECT_EQ(f.per_event, "netns");
  // Amounts are read by the loader (numbers and sizes).
  EXPECT_EQ(check_type(CheckType::MaxGrowth).parse, nullptr);
  EXPECT_FALSE(check_type(CheckType::MaxResidue).needs_samples);
  EXPECT_TRUE(check_type(CheckType::MaxSlope).takes_min_growth);
}

}  // namespace
}  // namespace lg
