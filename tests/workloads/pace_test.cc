// SPDX-License-Identifier: MIT
// The churn fields a kind declares through churn_fields, and Pacer::next; no privileges needed.
#include <gtest/gtest.h>

#include <atomic>

#include "harness/workloads/pace.h"

namespace lg::test {
namespace {

const FieldSpec* field(const std::vector<FieldSpec>& v, const std::string& name) {
  for (const auto& f : v)
    if (name == f.name) return &f;
  return nullptr;
}

TEST(ChurnFields, WritesTheKindsWordsAndDefaultsBetweenItsOwnFields) {
  auto v = churn_fields({{"address", FieldType::String, nullptr, "where"}},
                        {.things = "namespaces",
                         .verb = "create",
                         .per_second = "creations",
                         .alive = "alive",
                         .count = "1000",
                         .concurrency = "64"},
                        {{"hold", FieldType::Duration, "0ms", "how long"}});
  ASSERT_EQ(v.size(), 5u);
  EXPECT_STREQ(v[0].name, "address");
  EXPECT_STREQ(v[1].name, "count");
  EXPECT_STREQ(v[2].name, "rate");
  EXPECT_STREQ(v[3].name, "concurrency");
  EXPECT_STREQ(v[4].name, "hold");
  EXPECT_EQ(v[1].type, FieldType::Count);
  EXPECT_STREQ(v[1].def, "1000");
  EXPECT_EQ(v[1].doc, "namespaces to create (0: until the phase ends)");
  EXPECT_EQ(v[1].min, 0);
  EXPECT_EQ(v[2].type, FieldType::Rate);
  EXPECT_STREQ(v[2].def, "");
  EXPECT_EQ(v[2].doc, "creations per second (absent: as fast as possible)");
  EXPECT_STREQ(v[3].def, "64");
  EXPECT_EQ(v[3].doc, "namespaces alive at once, at most");
  EXPECT_EQ(v[3].min, 1);
}

TEST(ChurnFields, CountWithoutZeroRateWithDefaultAndNoConcurrency) {
  auto v = churn_fields(
      {}, {.things = "signals", .verb = "send", .per_second = "signals", .count = "100", .rate = "10/s"}, {});
  EXPECT_EQ(field(v, "concurrency"), nullptr);
  ASSERT_NE(field(v, "rate"), nullptr);
  EXPECT_STREQ(field(v, "rate")->def, "10/s");
  EXPECT_EQ(field(v, "rate")->doc, "signals per second");  // a default: never "as fast as possible"

  auto w = churn_fields({},
                        {.things = "groups",
                         .verb = "create",
                         .per_second = "creations",
                         .alive = "alive",
                         .count = "1000",
                         .concurrency = "16",
                         .count_zero = false},
                        {});
  ASSERT_NE(field(w, "count"), nullptr);
  EXPECT_EQ(field(w, "count")->doc, "groups to create");
  EXPECT_EQ(field(w, "count")->min, 1);
}

TEST(ChurnFields, ChurnOfReadsThemBack) {
  auto v = churn_fields({},
                        {.things = "maps",
                         .verb = "create",
                         .per_second = "maps",
                         .alive = "alive",
                         .count = "7",
                         .concurrency = "3",
                         .rate = "50/s"},
                        {});
  Params p;
  fill_defaults(v, p);
  Churn c = churn_of(p);
  EXPECT_EQ(c.count, 7u);
  EXPECT_DOUBLE_EQ(c.rate, 50);
  EXPECT_EQ(c.concurrency, 3u);
}

TEST(Pacer, NextGivesExactlyTheCount) {
  std::atomic<bool> stop{false};
  Pacer p(5, 1000, &stop);
  int n = 0;
  while (p.next()) n++;
  EXPECT_EQ(n, 5);
  EXPECT_FALSE(p.next());
}

TEST(Pacer, NextIsFalseOnceStopped) {
  std::atomic<bool> stop{false};
  Pacer p(0, 0, &stop);
  EXPECT_TRUE(p.next());
  stop = true;
  EXPECT_FALSE(p.next());
}

}  // namespace
}  // namespace lg::test
