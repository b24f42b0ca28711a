// SPDX-License-Identifier: MIT
// The sample store: every sample on disk, a bounded copy in memory, and verdicts on a long run
// that are those of the full series.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>

#include "harness/base/safe_file.h"
#include "harness/run/sample_store.h"
#include "harness/verdict/judge.h"
#include "tmp_dir.h"

namespace lg {
namespace {

using lg_test::TmpDir;

Series empty_series() {
  Series s;
  s.metrics = {"fd.total", "sys.netns"};
  s.units = {"fds", "namespaces"};
  s.unavailable = {"", ""};
  s.event_kinds = {"netns"};
  s.phases = {{"churn", 1, 90, true}};
  return s;
}

// A leak of one fd per 100 events, with a spike and a gap.
void fill(SampleStore& st, size_t n) {
  for (size_t i = 0; i < n; i++) {
    double t = i * 0.01;
    double ev = t < 1 ? 0 : (t - 1) * 100;
    double fds = 20 + std::floor(ev / 100) + (i == n / 2 ? 50 : 0);
    st.append(t, {i == n / 3 ? kUnavailable : fds, 3}, {ev});
  }
}

TEST(SampleStore, MemoryStaysBoundedWhileTheDiskKeepsEverySample) {
  TmpDir d("store");
  Dir dir;
  std::string err;
  ASSERT_TRUE(Dir::open(d.path, false, dir, err)) << err;
  Series s = empty_series();
  SampleStore st(s, 64);
  ASSERT_TRUE(st.open(dir, err)) << err;
  EXPECT_TRUE(dir.list().empty()) << "the column files have no name";
  fill(st, 10000);
  st.finish();
  EXPECT_TRUE(st.reduced());
  EXPECT_LE(s.t.size(), 65u);
  EXPECT_GE(s.t.size(), 32u);
  EXPECT_EQ(s.t.back(), 9999 * 0.01) << "the last sample ends the in-memory series";
  ASSERT_EQ(st.rows(), 10000u);
  std::vector<double> t(10000), fds(10000);
  ASSERT_TRUE(st.read(ColumnSource::kTime, 0, 10000, t.data(), err)) << err;
  ASSERT_TRUE(st.read(0, 0, 10000, fds.data(), err)) << err;
  EXPECT_EQ(t[1234], 1234 * 0.01);
  EXPECT_TRUE(std::isnan(fds[10000 / 3]));
  EXPECT_EQ(fds[5000], 20 + std::floor((50 - 1) * 100 / 100.0) + 50);
  EXPECT_EQ(st.latest(1), 3);
}

TEST(SampleStore, ALongRunIsJudgedAsIfEverySampleWereInMemory) {
  TmpDir d("store");
  Dir dir;
  std::string err;
  ASSERT_TRUE(Dir::open(d.path, false, dir, err)) << err;
  Series reduced = empty_series(), whole = empty_series();
  SampleStore st(reduced, 64), all(whole, 1 << 30);
  ASSERT_TRUE(st.open(dir, err)) << err;
  fill(st, 9000);
  fill(all, 9000);
  st.finish();
  std::vector<Check> checks(3);
  checks[0].metric = "fd.total", checks[0].type = CheckType::MaxSlope, checks[0].limit = 0.001,
  checks[0].per_event = "netns", checks[0].per_event_scale = 1000;
  checks[1].metric = "fd.total", checks[1].type = CheckType::Max, checks[1].limit = 100;
  checks[2].metric = "sys.netns", checks[2].type = CheckType::MaxGrowth, checks[2].limit = 0;
  std::vector<Verdict> got;
  ASSERT_TRUE(judge_checks_full(checks, reduced, st, got, err)) << err;
  std::vector<Verdict> want = judge_checks(checks, whole);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); i++) {
    EXPECT_EQ(got[i].outcome, want[i].outcome) << i;
    EXPECT_EQ(got[i].sentence, want[i].sentence) << i;
    EXPECT_EQ(got[i].samples, want[i].samples) << i;
  }
  // The in-memory copy alone misses the one-sample spike the max check fails on.
  EXPECT_NE(judge_checks({checks[1]}, reduced)[0].sentence, want[1].sentence);
}

TEST(SampleStore, StableMeansUnchangedForTheWholeWindowAfterSince) {
  Series s = empty_series();
  SampleStore st(s);
  for (int i = 0; i <= 30; i++) st.append(i * 0.1, {i < 10 ? (double)i : 9.0, kUnavailable}, {0});
  // Column 0 holds 9 from t=0.9 to 3.0; column 1 was never measured (stable as "unmeasured").
  EXPECT_TRUE(st.stable({0, 1}, 0, 1.0));
  EXPECT_TRUE(st.stable({0}, 0, 2.0));
  EXPECT_FALSE(st.stable({0}, 0, 2.2));
  EXPECT_FALSE(st.stable({0}, 2.5, 1.0)) << "fewer than 1 s of samples after since";
  st.append(3.1, {10, kUnavailable}, {0});
  EXPECT_FALSE(st.stable({0}, 0, 1.0));
  EXPECT_TRUE(st.stable({1}, 0, 1.0));
}

}  // namespace
}  // namespace lg
