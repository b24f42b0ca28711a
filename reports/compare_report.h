// SPDX-License-Identifier: MIT
#pragma once
// The outputs of `leakguard compare`: a console table (compare_text.cc), JUnit
// (compare_junit.cc) and an HTML page with the runs' series overlaid (compare_html.cc).
#include <string>
#include <vector>

#include "harness/base/run_result.h"
#include "harness/verdict/compare.h"

namespace lg {

struct CompareReport {
  std::vector<std::string> labels;     // each run as the user named it (its directory), release order
  std::vector<const RunResult*> runs;  // same order: the last is the candidate, the one before the baseline
  Comparison comparison;
  std::string out_dir;  // absolute; "" when no --out: no HTML and no charts
};

// A run's figure for a compared check, in the unit of the check's limit: "989 (983-992)" for a
// slope with its 95% interval, "+1,987 FAIL" for the other types; "n/a (SKIP)" when that run
// could not judge it.
std::string compare_figure(const CheckComparison& k, size_t run);
// The change from the baseline: "~" when the same, else the difference ("+989 (980-995)" for
// a slope, with its interval); "n/a" when not comparable.
std::string compare_change(const CheckComparison& k);
// How the runs are headed: "baseline", "candidate" for two; "run 1" ... "run N" for a trend.
std::string compare_run_name(const CompareReport& c, size_t run);
// What makes a run's figures less than a full run's: interrupted, could not start, a target
// lifecycle step or a workload that failed. One phrase each ("was interrupted: ...").
std::vector<std::string> compare_run_notes(const RunResult& r);

// The table: one row per compared check with each run's figure and interval, the change and
// the answer; then why, for every answer other than "same"; notes; a last line with the counts.
std::string compare_console(const CompareReport& c);

// One <testsuite>, one testcase per compared check: a <failure> when worse (both figures in
// it), <skipped> when not comparable.
bool write_compare_junit(const CompareReport& c, const std::string& path, std::string& err);

// The chart of one compared check (an <svg> element): the baseline's and the candidate's
// series on the same axes against time, and against events for a per-event check; then the
// figure of every run with its interval. "" when neither run has a sample of the metric.
std::string compare_chart_svg(const CompareReport& c, size_t check);
std::string compare_html(const CompareReport& c);
// out_dir/compare.html and out_dir/plots/<metric>.svg (the JUnit failures attach those).
bool write_compare_html(const CompareReport& c, std::string& err);
// Where the chart of each compared check goes ("" when none), as write_compare_html writes them.
std::vector<std::string> compare_plot_paths(const CompareReport& c);

}  // namespace lg
