// SPDX-License-Identifier: MIT
#pragma once
// Judging checks against a recorded series (docs/verdicts.md explains the method).
#include <cmath>
#include <string>
#include <vector>

#include "harness/base/check.h"
#include "harness/base/series.h"

namespace lg {

// Robust slope of y against x with a confidence interval (Theil-Sen with Sen's interval,
// widened for correlated residuals and clipped to the residual band: theil_sen.cc says why).
struct SlopeEstimate {
  double slope = 0, low = 0, high = 0;  // low/high are +-inf when too few points
  size_t n = 0;                         // points paired, after reduce_points
};
// x and y finite, same length, any order. At most kMaxSlopePoints points are paired:
// longer inputs go through reduce_points first.
SlopeEstimate theil_sen(const std::vector<double>& x, const std::vector<double>& y, double confidence = 0.95);

// Sorts the points by x, collapses equal x to the median y, then, when more than max_points
// remain, replaces them by max_points equal-count bins (median x, median y of each bin).
constexpr size_t kMaxSlopePoints = 400;
void reduce_points(std::vector<double>& x, std::vector<double>& y, size_t max_points);

// The end level of a window's samples (in time order) for max_growth and max_residue: the
// median of the last samples (5%, at least 5, at most 100), unless the series fell back by more
// than `drop` (the check's limit) during the window, as a sawtooth does: then the lowest sample
// of its last cycle, when that is lower. So a bounded sawtooth gets one verdict
// wherever it ends, and a leak (no fall-back, or troughs that keep rising) is still judged on
// its end. end_level.cc says why.
struct EndLevel {
  double level = std::nan("");  // what the check judges
  double tail = std::nan("");   // the median of the last samples
  bool fell_back = false;       // level is the trough of the last cycle, below the tail
};
EndLevel robust_end_level(const std::vector<double>& y, double drop);
// What a max_slope check measures before it decides (docs/verdicts.md, max_slope steps 1-5):
// its window, the fit over the window and over each half of it. `leakguard judge` and
// `leakguard compare` both decide from this.
struct SlopeFit {
  std::string error;                        // "" when measured; else why not (the verdict's sentence)
  SlopeEstimate all, early, late;           // the window (95%), its earlier half (95%), its later half (80%)
  std::vector<double> late_x, late_y;       // the later half's points, to fit it at another confidence
  double span = 0;                          // events of the check's kind, or seconds, in the window
  double window_start = 0, window_end = 0;  // seconds since launch
  size_t samples = 0;
  double baseline = 0, end_level = 0, peak = 0;  // medians of the first and last samples, highest
  // Still growing at the end of the window (not levelled off): the later half's upper bound is
  // at least the larger of `floor` and a quarter of the earlier half's slope.
  bool persists(double floor) const;
};
// The metric must be measured (judge_check says SKIP/ERROR otherwise); mi is its index in s.
SlopeFit fit_slope(const Check& c, const Series& s, int mi);

// The check's min_growth, or the default (5 units) when it sets none (max_slope).
double min_growth_of(const Check& c);

// Judges one check. Never throws; a check that cannot be judged is Error or Skipped
// with the reason in the sentence.
Verdict judge_check(const Check& c, const Series& s);
std::vector<Verdict> judge_checks(const std::vector<Check>& checks, const Series& s);
// The same for a long run whose Series holds a reduced copy: every sample of each judged metric
// (and of its event kind) is read back from `full`, one check at a time, so memory holds three
// columns at most. False with err when `full` cannot be read (nothing is judged then).
bool judge_checks_full(const std::vector<Check>& checks, const Series& s, const ColumnSource& full,
                       std::vector<Verdict>& out, std::string& err);

// The checks applied when a scenario lists none, given the workload kinds its phases run and
// whether it has a target (docs/verdicts.md, "Default checks").
std::vector<Check> default_checks(const std::vector<std::string>& event_kinds, bool has_target);

}  // namespace lg
