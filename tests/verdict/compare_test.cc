// SPDX-License-Identifier: MIT
// The comparison rule of `leakguard compare` (harness/verdict/compare.h): same behaviour is
// "same", a new or faster leak is "worse", the reverse "better", and the edges of the rule
// (min_growth, levelling off, counting noise, checks that cannot be compared, matching checks
// across runs, trends).
#include <gtest/gtest.h>

#include <cmath>

#include "harness/verdict/check_type.h"
#include "harness/verdict/compare.h"
#include "harness/verdict/judge.h"
#include "verdict/hand_run.h"
#include "tests/synth/synth.h"

using namespace lg;
using namespace lg::test;

namespace {

// The answer of a whole comparison, as the exit code of `leakguard compare` sees it.
Change overall(const Comparison& c) {
  if (c.count(Change::Worse)) return Change::Worse;
  if (c.count(Change::Better)) return Change::Better;
  return Change::Same;
}

const auto kFlat = [](double, double) { return 20.0; };
const auto kLeak = [](double e, double) { return 20 + std::floor(e / 10); };  // 1 per 10 events

}  // namespace

// Two runs of one version (same shape, their own noise) of every behaviour: "same" with the
// default checks and with a scenario's slope check.
TEST(CompareRule, SameVersionIsSameForEveryBehaviour) {
  auto defaults = default_checks({"netns"}, true);
  std::vector<Check> typical = {slope("fd.total", 1)};
  for (auto b : synth::all_behaviours()) {
    for (uint64_t seed = 1; seed <= 12; seed++) {
      synth::Params bp, cp;
      bp.noise_seed = 2 * seed + 1;
      cp.noise_seed = 2 * seed + 2;
      Series base = synth::make_series(b, seed, bp), cand = synth::make_series(b, seed, cp);
      for (const auto* checks : {&defaults, &typical}) {
        Comparison c = compare_runs({&base, &cand}, {*checks, *checks});
        EXPECT_EQ(overall(c), Change::Same) << synth::behaviour_name(b) << " seed " << seed;
        for (const auto& k : c.checks)
          EXPECT_TRUE(k.change == Change::Same || k.change == Change::Incomparable)
              << synth::behaviour_name(b) << " seed " << seed << ": " << k.check.text << ": " << k.sentence;
      }
    }
  }
}

TEST(CompareRule, NewLeakIsWorseAndItsFixBetter) {
  auto defaults = default_checks({"netns"}, true);
  synth::Params flat, leak;
  leak.leak_per_event = 0.004;
  for (uint64_t seed = 1; seed <= 8; seed++) {
    Series fixed = synth::make_series(synth::Behaviour::Flat, seed, flat);
    Series leaky = synth::make_series(synth::Behaviour::SteadyLeak, seed + 100, leak);
    Comparison worse = compare_runs({&fixed, &leaky}, {defaults, defaults});
    EXPECT_EQ(overall(worse), Change::Worse) << "seed " << seed;
    ASSERT_FALSE(worse.checks.empty());
    EXPECT_EQ(worse.checks[0].check.metric, "fd.total");  // the metric that leaks
    EXPECT_EQ(worse.checks[0].change, Change::Worse) << worse.checks[0].sentence;
    EXPECT_TRUE(has(worse.checks[0].sentence, "grows faster")) << worse.checks[0].sentence;
    Comparison better = compare_runs({&leaky, &fixed}, {defaults, defaults});
    EXPECT_EQ(overall(better), Change::Better) << "seed " << seed;
    EXPECT_EQ(better.checks[0].change, Change::Better) << better.checks[0].sentence;
  }
}

// Exact counters: the difference and its interval are the difference of the slopes.
TEST(CompareRule, DifferenceAndItsInterval) {
  Series a = run_with(kFlat), b = run_with(kLeak);
  CheckComparison k = compare_check(slope("m", 1), a, slope("m", 1), b);
  EXPECT_EQ(k.change, Change::Worse) << k.sentence;
  EXPECT_NEAR(k.diff, 0.1, 0.002);
  EXPECT_GT(k.diff_low, 0.05);
  EXPECT_LT(k.diff_low, k.diff);
  EXPECT_GT(k.diff_high, k.diff);
  EXPECT_NEAR(k.excess, 100, 3);  // 0.1 per event over 1,000 events
  ASSERT_EQ(k.rates.size(), 2u);
  EXPECT_EQ(k.rates[0].slope, 0);
  EXPECT_NEAR(k.rates[1].slope, 0.1, 0.002);
  EXPECT_TRUE(has(k.sentence, "per 1000 netns against 0 (0-0);")) << k.sentence;  // in the unit of the limit
  EXPECT_TRUE(has(k.sentence, "more over")) << k.sentence;
  // The same two runs the other way round.
  CheckComparison r = compare_check(slope("m", 1), b, slope("m", 1), a);
  EXPECT_EQ(r.change, Change::Better) << r.sentence;
  EXPECT_NEAR(r.diff, -k.diff, 1e-12);
  EXPECT_NEAR(r.diff_high, -k.diff_low, 1e-12);
}

// A difference that is real but adds less than min_growth over the window is "same".
TEST(CompareRule, SmallDifferenceUnderMinGrowthIsSame) {
  Series a = run_with(kFlat), b = run_with(kLeak);  // +100 over 1,000 events
  CheckComparison k = compare_check(slope("m", 1, 200), a, slope("m", 1, 200), b);
  EXPECT_EQ(k.change, Change::Same) << k.sentence;
  EXPECT_TRUE(has(k.sentence, "but only 100 more over 1,000 netns")) << k.sentence;
  EXPECT_TRUE(has(k.sentence, "min_growth 200")) << k.sentence;
  EXPECT_EQ(compare_check(slope("m", 1, 50), a, slope("m", 1, 50), b).change, Change::Worse);
  // Counts are noisy by nature: +4 objects over the window is no evidence at all.
  Series four = run_with([](double e, double) { return 20 + std::floor(e / 250); });
  CheckComparison n = compare_check(slope("m", 1, 0), a, slope("m", 1, 0), four);
  EXPECT_EQ(n.change, Change::Same) << n.sentence;
  EXPECT_TRUE(has(n.sentence, "no significant difference")) << n.sentence;
}

// A bigger cache that levels off is not a leak; a leak after a cache is one.
TEST(CompareRule, LevelledOffRunsCountByTheirLaterHalf) {
  auto cache = [](double cap, double per) {
    return [cap, per](double e, double) { return 20 + std::min(cap, std::floor(e / per)); };
  };
  Series small = run_with(cache(200, 2)), big = run_with(cache(400, 1));  // both full at 400 events
  CheckComparison k = compare_check(slope("m", 1), small, slope("m", 1), big);
  EXPECT_EQ(k.change, Change::Same) << k.sentence;
  ASSERT_EQ(k.rates.size(), 2u);
  EXPECT_TRUE(k.rates[0].levelled);
  EXPECT_TRUE(k.rates[1].levelled);
  EXPECT_EQ(k.rates[1].slope, 0);
  Series leak_after =
      run_with([](double e, double) { return 20 + std::min(200.0, std::floor(e / 2)) + std::floor(e / 20); });
  CheckComparison w = compare_check(slope("m", 1), small, slope("m", 1), leak_after);
  EXPECT_EQ(w.change, Change::Worse) << w.sentence;
  // Its growth slowed down from 0.55 to 0.05 per event: compared on what it keeps doing.
  EXPECT_TRUE(w.rates[1].levelled);
  EXPECT_NEAR(w.rates[1].slope, 0.05, 0.002);
  EXPECT_TRUE(has(w.sentence, "against 0 (0-0) in its later half")) << w.sentence;
  // A cache that filled in the first fifth of the window, under noise: its whole window's
  // interval is too wide (the noise is correlated) to say it grew by its slope, its level says
  // so. Compared on its later half, flat, a leak after the same cache is worse.
  auto early_cache = [](double e, double t) {
    return 20 + std::min(180.0, std::floor(e * 0.9)) + (int)std::lround(t * 10) * 7 % 5 - 2;
  };
  Series early = run_with(early_cache);
  EXPECT_TRUE(growth_rate(slope("m", 1), early).levelled);
  Series early_leak = run_with([&](double e, double t) { return early_cache(e, t) + std::floor(e / 50); });
  CheckComparison ew = compare_check(slope("m", 1), early, slope("m", 1), early_leak);
  EXPECT_EQ(ew.change, Change::Worse) << ew.sentence;
  // A flat run did not level off: it never grew.
  EXPECT_FALSE(growth_rate(slope("m", 1), run_with(kFlat)).levelled);
}

// A count's interval is widened by its Poisson variance; bytes are not counted one by one.
TEST(CompareRule, CountsAreWidenedByTheirPoissonNoise) {
  Series b = run_with(kLeak);
  GrowthRate fds = growth_rate(slope("m", 1), b), bytes = growth_rate(slope("mem", 1), b);
  ASSERT_TRUE(std::isfinite(fds.slope));
  ASSERT_TRUE(std::isfinite(bytes.slope));
  // 100 fds over 1,000 events: the rate's Poisson sd is sqrt(0.1 / 1000) = 0.01.
  EXPECT_GT(fds.high - fds.slope, 1.9 * 0.01);
  EXPECT_LT((bytes.high - bytes.slope) / 4096, 0.01);
  EXPECT_FALSE(fds.levelled);
  // Nothing grows: nothing is widened.
  GrowthRate flat = growth_rate(slope("m", 1), run_with(kFlat));
  EXPECT_EQ(flat.low, 0);
  EXPECT_EQ(flat.high, 0);
}

// Two runs of one version whose leak hits at random: the runs differ by the randomness of the
// hits, and that is not a difference. Measured in bench/verdict_accuracy at 1,000 pairs.
TEST(CompareRule, RandomLeakOfOneVersionIsSame) {
  int not_same = 0;
  for (uint64_t seed = 1; seed <= 100; seed++) {
    synth::Params bp, cp;
    bp.noise_seed = 2 * seed + 1;
    cp.noise_seed = 2 * seed + 2;
    Series base = synth::make_series(synth::Behaviour::SteadyLeak, seed, bp);
    Series cand = synth::make_series(synth::Behaviour::SteadyLeak, seed, cp);
    not_same += compare_check(slope("fd.total", 1), base, slope("fd.total", 1), cand).change != Change::Same;
  }
  EXPECT_LE(not_same, 2);
}

TEST(CompareRule, LevelChecksCompareTheirVerdicts) {
  Series flat = run_with(kFlat), leak = run_with(kLeak);
  Check growth = of_type("m", CheckType::MaxGrowth, 20);
  CheckComparison w = compare_check(growth, flat, growth, leak);
  EXPECT_EQ(w.change, Change::Worse) << w.sentence;
  EXPECT_TRUE(has(w.sentence, "fails now")) << w.sentence;
  EXPECT_EQ(w.excess, 100);
  EXPECT_TRUE(std::isnan(w.diff));
  EXPECT_EQ(compare_check(growth, leak, growth, flat).change, Change::Better);
  CheckComparison both = compare_check(growth, leak, growth, leak);
  EXPECT_EQ(both.change, Change::Same);
  EXPECT_TRUE(has(both.sentence, "fails in both runs")) << both.sentence;
  Check peak = of_type("m", CheckType::Max, 1000);
  EXPECT_EQ(compare_check(peak, flat, peak, leak).change, Change::Same);
}

TEST(CompareRule, UnjudgedChecksAreNotComparable) {
  Series a = run_with(kFlat), b = run_with(kLeak);
  b.unavailable[0] = "needs BPF";
  CheckComparison k = compare_check(slope("m", 1), a, slope("m", 1), b);
  EXPECT_EQ(k.change, Change::Incomparable);
  EXPECT_TRUE(has(k.sentence, "the candidate could not judge it")) << k.sentence;
  EXPECT_TRUE(has(k.sentence, "needs BPF")) << k.sentence;
  Check unknown_phase = slope("m", 1);
  unknown_phase.phases = {"nope"};
  EXPECT_EQ(compare_check(unknown_phase, a, unknown_phase, a).change, Change::Incomparable);
  EXPECT_STREQ(change_name(Change::Incomparable), "n/a");
}

// Checks pair by metric, type, event kind and phases whatever their limits; the rest is listed.
TEST(CompareRuns, MatchesChecksAcrossRuns) {
  Series a = run_with(kFlat), b = run_with(kLeak);
  std::vector<Check> base = {slope("m", 1), of_type("m", CheckType::MaxGrowth, 20), of_type("m", CheckType::Max, 50)};
  std::vector<Check> cand = {slope("m", 2), of_type("m", CheckType::MaxGrowth, 20),
                             of_type("m", CheckType::MaxResidue, 0)};
  Comparison c = compare_runs({&a, &b}, {base, cand});
  ASSERT_EQ(c.checks.size(), 2u);
  EXPECT_EQ(c.checks[0].check.text, "m max_slope <= 2 per 1000 netns");  // the candidate's
  EXPECT_EQ(c.checks[1].check.type, CheckType::MaxGrowth);
  EXPECT_EQ(c.only_base, std::vector<std::string>{"m max <= 50"});
  EXPECT_EQ(c.only_cand, std::vector<std::string>{"m max_residue <= 0"});
  EXPECT_TRUE(c.any_worse());
  EXPECT_EQ(c.count(Change::Worse), 2);
  // Per event and per time are different checks.
  Check per_time = slope("m", 1);
  per_time.per_event.clear();
  per_time.per_time_unit = "s";
  EXPECT_NE(check_key(per_time), check_key(slope("m", 1)));
  EXPECT_EQ(check_key(slope("m", 1)), check_key(slope("m", 7, 2)));
}

// A trend: every run's figure, and the last run judged against the one before.
TEST(CompareRuns, TrendJudgesTheLastAgainstTheOneBefore) {
  Series r1 = run_with(kLeak), r2 = run_with(kFlat), r3 = run_with(kFlat);
  std::vector<Check> checks = {slope("m", 1)}, none = {};
  Comparison c = compare_runs({&r1, &r2, &r3}, {checks, checks, checks});
  ASSERT_EQ(c.checks.size(), 1u);
  const CheckComparison& k = c.checks[0];
  EXPECT_EQ(k.change, Change::Same) << k.sentence;  // r3 against r2, not against r1
  ASSERT_EQ(k.runs.size(), 3u);
  ASSERT_EQ(k.rates.size(), 3u);
  EXPECT_EQ(k.runs[0].outcome, Outcome::Fail);
  EXPECT_NEAR(k.rates[0].slope, 0.1, 0.002);
  EXPECT_EQ(k.rates[2].slope, 0);
  Comparison w = compare_runs({&r2, &r3, &r1}, {checks, checks, checks});
  EXPECT_EQ(w.checks[0].change, Change::Worse);
  // A run that did not record the check: shown as such, not judged.
  Comparison gap = compare_runs({&r1, &r2, &r3}, {none, checks, checks});
  ASSERT_EQ(gap.checks.size(), 1u);
  EXPECT_FALSE(gap.checks[0].recorded[0]);
  EXPECT_EQ(gap.checks[0].runs[0].outcome, Outcome::Skipped);
  EXPECT_TRUE(std::isnan(gap.checks[0].rates[0].slope));
  EXPECT_TRUE(compare_runs({&r1}, {checks}).checks.empty());
}

// The rule the accuracy table compares with: clear differences are clear to it too.
TEST(CompareRule, SeparatedIntervalsRule) {
  Series a = run_with(kFlat), b = run_with(kLeak);
  EXPECT_EQ(compare_check(slope("m", 1), a, slope("m", 1), b, CompareRule::Separated).change, Change::Worse);
  EXPECT_EQ(compare_check(slope("m", 1), b, slope("m", 1), a, CompareRule::Separated).change, Change::Better);
  EXPECT_EQ(compare_check(slope("m", 1), b, slope("m", 1), b, CompareRule::Separated).change, Change::Same);
}
