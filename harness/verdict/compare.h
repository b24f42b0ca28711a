// SPDX-License-Identifier: MIT
#pragma once
// Comparing recorded runs of one scenario (`leakguard compare`): for every check the runs
// share, each run's figure with its interval, and whether the candidate (the last run) grows
// significantly more or less than the baseline (the run before it). The rule is in
// docs/release.md; its false-alarm rate in docs/verdicts.md.
#include <string>
#include <vector>

#include "harness/base/check.h"
#include "harness/base/series.h"

namespace lg {

enum class Change { Same, Worse, Better, Incomparable };

// Everything said about an answer, in one table (compare.cc), as base/check.h does for outcomes.
struct ChangeInfo {
  Change change;
  const char* word;   // "same", "worse", "better", "n/a": the console, HTML badges, charts
  const char* color;  // HTML badges and chart titles
};
const std::vector<ChangeInfo>& changes();  // in enum order
const ChangeInfo& change_info(Change c);
const char* change_name(Change c);  // change_info(c).word

// How two slopes are told apart. Compare uses Difference; the accuracy table measures both
// (docs/verdicts.md says why Difference).
enum class CompareRule {
  Difference,  // the difference of the slopes has its own 99% interval (MOVER), wholly above 0
  Separated,   // the candidate's 95% interval lies wholly above the baseline's
};

// What a run is compared on for a slope check: its growth rate, per event or per second as the
// check, with a 95% interval. The slope of the check's window, or of the later half of it when
// the run's growth levelled off there (as the run's own verdict judges it): what the run keeps
// doing. For a metric that counts objects the interval is widened by the randomness of the
// count (Poisson: a leak that hits at random differs from run to run of one version).
struct GrowthRate {
  double slope = 0, low = 0, high = 0;  // NaN when the run could not measure it
  double span = 0;                      // events or seconds in the check's window
  bool levelled = false;                // the figure is the later half's
};
GrowthRate growth_rate(const Check& c, const Series& s);

struct CheckComparison {
  Check check;                    // as the candidate recorded it: its text names the row
  std::vector<Verdict> runs;      // every run judged with its own copy of the check, in run order
  std::vector<bool> recorded;     // whether that run recorded the check (else its verdict is SKIP)
  std::vector<GrowthRate> rates;  // slope checks: what each run is compared on (NaN when it has none)
  // The candidate against the baseline.
  Change change = Change::Incomparable;
  // Slope checks: candidate minus baseline slope and its 99% interval, per event or per second
  // as the check (NaN for the other types and when incomparable).
  double diff = 0, diff_low = 0, diff_high = 0;
  // Slope checks: the extra growth, diff x the window of the run that grew faster (events or
  // seconds). Other types: the candidate's figure minus the baseline's.
  double excess = 0;
  std::string sentence;  // one line: the answer and why
};

struct Comparison {
  std::vector<CheckComparison> checks;  // the candidate's checks that the baseline recorded too, in its order
  std::vector<std::string> only_base;   // checks (in words) only the baseline recorded: not compared
  std::vector<std::string> only_cand;   // checks only the candidate recorded: not compared
  int count(Change c) const;
  bool any_worse() const { return count(Change::Worse) > 0; }
};

// runs[i] with the checks it recorded, checks[i], in release order; at least two. The last run
// is the candidate, the one before it the baseline; earlier runs are judged for the trend.
Comparison compare_runs(const std::vector<const Series*>& runs, const std::vector<std::vector<Check>>& checks,
                        CompareRule rule = CompareRule::Difference);

// The answer for one check between two runs. `runs`/`recorded` are left for compare_runs.
CheckComparison compare_check(const Check& base_check, const Series& base, const Check& cand_check, const Series& cand,
                              CompareRule rule = CompareRule::Difference);

// What identifies a check across runs whatever its limit: metric, type, per-event kind or per
// time, phases. Two runs share a check when their keys match.
std::string check_key(const Check& c);

// Slopes are shown in the unit of the check's limit: " per 1000 netns" (scale 1000), "/s" (1),
// "/min" (60). The scale turns a slope per event or per second into that unit.
std::string limit_unit(const Check& c);
double limit_scale(const Check& c);

// The figure a check is compared on when it has no slope: growth for max_growth and
// max_residue, the peak for max (NaN when the verdict has none).
double level_figure(const Verdict& v);

}  // namespace lg
