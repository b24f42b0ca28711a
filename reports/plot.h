// SPDX-License-Identifier: MIT
#pragma once
// Charts of judged metrics (svg.cc), shared by write_plots, the HTML report and the JUnit
// attachments.
#include <string>
#include <vector>

#include "harness/base/run_result.h"

namespace lg {

// Where the chart of each verdict goes: OUT/<scenario>/plots/<metric>.svg (a second check on
// the same metric gets <metric>.<n>.svg). "" for a verdict with nothing to draw (metric not
// recorded or never measured) or when the run has no out_dir.
std::vector<std::string> plot_paths(const RunResult& r);

// The chart of one verdict as an <svg> element (no XML prolog): the series against time with
// phase bands, baseline, fitted slope and limit; below it the series against events for a
// per-event check. "" when there is nothing to draw.
std::string verdict_chart_svg(const RunResult& r, const Verdict& v);

// The fitted slope of a judged max_slope verdict over its window: up to 400 points, each with
// its time, its x (cumulative events for a per-event check, else the time) and the fitted y.
// Empty when there is nothing to draw.
struct FittedLine {
  std::vector<double> t, x, y;
};
FittedLine fitted_line(const Series& s, const Verdict& v);

// At most max_points points of (x, y) keeping each bucket's min and max, in order; NaN y values
// separate segments and survive as gaps.
void downsample(const std::vector<double>& x, const std::vector<double>& y, size_t max_points, std::vector<double>& ox,
                std::vector<double>& oy);

}  // namespace lg
