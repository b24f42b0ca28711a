// SPDX-License-Identifier: MIT
// The robust end level of max_growth and max_residue, and what the sentences say (issue 17).
#include <gtest/gtest.h>

#include <cmath>

#include "harness/base/units.h"
#include "harness/verdict/churn_seen.h"
#include "harness/verdict/judge.h"
#include "tests/synth/synth.h"

using namespace lg;

namespace {

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A sawtooth of period 100 samples from 10 to 10 + amp, `n` samples long, ending at `phase`.
std::vector<double> sawtooth(double amp, size_t n) {
  std::vector<double> y;
  for (size_t i = 0; i < n; i++) y.push_back(10 + std::floor((i % 100) * amp / 100));
  return y;
}

Check growth(const std::string& metric, double limit) {
  Check c;
  c.metric = metric;
  c.type = CheckType::MaxGrowth;
  c.limit = limit;
  return c;
}

}  // namespace

TEST(EndLevel, TailMedianWithoutFallBack) {
  std::vector<double> y;
  for (int i = 0; i < 400; i++) y.push_back(i * 0.5);  // a leak: no fall-back
  EndLevel e = robust_end_level(y, 5);
  EXPECT_FALSE(e.fell_back);
  EXPECT_EQ(e.level, e.tail);
  EXPECT_NEAR(e.level, 195, 5);  // the median of the last 20 samples
}

TEST(EndLevel, SawtoothIsJudgedOnItsTroughWhereverItEnds) {
  for (size_t n = 600; n < 700; n += 7) {  // every end phase of the last cycle
    EndLevel e = robust_end_level(sawtooth(60, n), 20);
    EXPECT_LE(e.level, 12) << "n " << n;  // the trough (10), smoothed
    EXPECT_GE(e.level, 10) << "n " << n;
  }
  // Frozen at its peak after the churn (an idle collector): still the trough.
  std::vector<double> y = sawtooth(60, 690);
  y.insert(y.end(), 200, y.back());
  EndLevel e = robust_end_level(y, 20);
  EXPECT_TRUE(e.fell_back);
  EXPECT_GT(e.tail, 60);
  EXPECT_LE(e.level, 12);
}

TEST(EndLevel, RisingTroughsAreALeak) {
  std::vector<double> y = sawtooth(60, 700);
  for (size_t i = 0; i < y.size(); i++) y[i] += std::floor(i / 10.0);  // troughs +10 per cycle
  EndLevel e = robust_end_level(y, 20);
  EXPECT_GE(e.level, 10 + 60);  // the last trough, not the first
}

TEST(EndLevel, AnEarlySmallFallDoesNotHideALaterLeak) {
  // In-flight objects come and go (falls of 1-2) for a while, then a leak adds 200.
  std::vector<double> y;
  for (int i = 0; i < 100; i++) y.push_back(8 + (i % 3));
  for (int i = 0; i < 200; i++) y.push_back(10 + i);
  y.insert(y.end(), 50, 209);
  EndLevel e = robust_end_level(y, 0);
  EXPECT_FALSE(e.fell_back);
  EXPECT_EQ(e.level, 209);
}

TEST(EndLevel, SpikesAreNeitherPeaksNorFallBacks) {
  std::vector<double> y(300, 40);
  y[100] = 400, y[250] = 0;
  EndLevel e = robust_end_level(y, 0);
  EXPECT_EQ(e.level, 40);
}

// The same sawtooth shape ends at 10 different phases: max_growth gives one verdict (issue 17:
// a Go agent whose maps are reclaimed by finalizers passed once and failed twice).
TEST(JudgeGrowth, SawtoothGetsOneVerdictWhereverItEnds) {
  for (uint64_t seed = 1; seed <= 20; seed++) {
    int fails = 0;
    for (int k = 0; k < 10; k++) {
      synth::Params p;
      p.saw_end_phase = (k + 0.5) / 10;
      Series s = synth::make_series(synth::Behaviour::Sawtooth, seed, p);
      Verdict v = judge_check(growth("fd.total", 10), s);
      ASSERT_NE(v.outcome, Outcome::Error) << v.sentence;
      fails += v.outcome == Outcome::Fail;
    }
    EXPECT_EQ(fails, 0) << "seed " << seed;
  }
  synth::Params p;
  p.saw_end_phase = 0.95;
  p.trough_rise = 40;  // the collector reclaims only part: a leak under the sawtooth
  for (uint64_t seed = 1; seed <= 20; seed++) {
    Verdict v = judge_check(growth("fd.total", 10), synth::make_series(synth::Behaviour::Sawtooth, seed, p));
    EXPECT_EQ(v.outcome, Outcome::Fail) << "seed " << seed << ": " << v.sentence;
  }
}

TEST(JudgeGrowth, SentenceSaysWhenTheLevelFellBack) {
  synth::Params p;
  p.saw_end_phase = 0.95;
  for (uint64_t seed = 1; seed <= 20; seed++) {
    Series s = synth::make_series(synth::Behaviour::Sawtooth, seed, p);
    Verdict v = judge_check(growth("fd.total", 5), s);
    if (!has(v.sentence, "fell back")) continue;
    EXPECT_TRUE(has(v.sentence, "the level it last fell back to; the last samples stand at ")) << v.sentence;
    return;
  }
  FAIL() << "no seed fell back";
}

// A leak that fills its map stops growing: it fails on bpf.maps_full, and a slope check that
// passes still says how much the level rose and which map is full (issue 17, bpftrace case).
TEST(JudgeMaps, FullMapFailsAndIsNamed) {
  for (uint64_t seed = 1; seed <= 10; seed++) {
    Series s = synth::make_series(synth::Behaviour::CappedGrowth, seed);
    Check full;
    full.metric = "bpf.maps_full";
    full.type = CheckType::Max;
    full.limit = 0;
    Verdict v = judge_check(full, s);
    EXPECT_EQ(v.outcome, Outcome::Fail) << v.sentence;
    EXPECT_TRUE(has(v.sentence, "map pid_events (hash) full at 4,096 of 4,096 since ")) << v.sentence;
    Check slope;
    slope.metric = "bpf.map_entries";
    slope.per_event = "netns";
    slope.per_event_scale = 1000;
    slope.limit = 1.0;  // 1 per event: the fill rate is below it
    Verdict sv = judge_check(slope, s);
    EXPECT_EQ(sv.outcome, Outcome::Pass) << sv.sentence;
    EXPECT_TRUE(has(sv.sentence, "the level changed +")) << sv.sentence;
    EXPECT_TRUE(has(sv.sentence, "to 4,096)")) << sv.sentence;
    EXPECT_TRUE(has(sv.sentence, "map pid_events (hash) full at 4,096 of 4,096")) << sv.sentence;
  }
}

TEST(Sentences, BytesAreHumanised) {
  Series s = synth::make_series(synth::Behaviour::Flat, 1);
  int rss = s.metric_index("proc.rss_bytes");
  ASSERT_GE(rss, 0);
  for (size_t i = 0; i < s.t.size(); i++) s.values[rss][i] += s.events[0][i] * 11292;  // process-exporter
  Check c;
  c.metric = "proc.rss_bytes";
  c.per_event = "netns";
  c.per_event_scale = 1000;
  c.limit = 1048576.0 / 1000;
  c.min_growth = 4 * 1048576.0;
  Verdict v = judge_check(c, s);
  EXPECT_EQ(v.outcome, Outcome::Fail) << v.sentence;
  EXPECT_TRUE(has(v.sentence, "proc.rss_bytes grew 11.0 KiB per netns (95% CI ")) << v.sentence;
  EXPECT_TRUE(has(v.sentence, "limit 1.02 KiB; +53.")) << v.sentence;
  EXPECT_TRUE(has(v.sentence, " MiB over 5,000 netns")) << v.sentence;
  EXPECT_EQ(format_bytes(67432990), "64.3 MiB");
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(-2048), "-2.00 KiB");
  EXPECT_EQ(format_size(1048576), "1MiB");
  EXPECT_EQ(format_size(1536), "1536");
}

TEST(ChurnSeen, WarnsWhenTheTargetUsedNoCpuDuringChurn) {
  Series s = synth::make_series(synth::Behaviour::Flat, 2);
  EXPECT_TRUE(churn_warnings(s).empty());  // synth targets work for each event
  int cpu = s.metric_index("proc.cpu_seconds");
  for (auto& v : s.values[cpu]) v = 0.25;  // never ran
  auto w = churn_warnings(s);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_TRUE(has(w[0], "the target used no CPU during phase 'churn' (")) << w[0];
  EXPECT_TRUE(has(w[0], ", 5,000 netns): did it see the churn?")) << w[0];
  EXPECT_TRUE(has(w[0], "bind_mount: true")) << w[0];
  // 2 ms over the churn: it did something.
  for (size_t i = 0; i < s.t.size(); i++) s.values[cpu][i] = 0.25 + 0.0001 * s.t[i];
  EXPECT_TRUE(churn_warnings(s).empty());
  // Unmeasured: nothing to say.
  s.unavailable[cpu] = "not measured";
  EXPECT_TRUE(churn_warnings(s).empty());
}
