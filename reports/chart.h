// SPDX-License-Identifier: MIT
#pragma once
// The drawing pieces of svg.cc: a chart is a headline and one or more panels, each with axes,
// phase bands, markers, data series, straight or bent lines, dots and interval bars. The
// chart of a run's check and the charts of `leakguard compare` are both built from these.
#include <string>
#include <vector>

namespace lg::chart {

// A data series: a path with gaps at NaN y. A label puts it in the legend.
struct Series {
  std::vector<double> x, y;  // already downsampled (plot.h downsample)
  const char* color = "#1f5fa8";
  std::string label;
};
struct Line {
  std::vector<double> x, y;
  const char* color;
  const char* dash;  // stroke-dasharray or ""
  std::string label;
  // A sloped limit line can run far from the data; it may stretch the y axis only so much
  // (half the data's range) and is cut where it leaves the chart.
  bool bounded = false;
};
struct Band {
  double x0, x1;
  std::string name;
};
struct Marker {
  double x;
  std::string label;
};
struct Dot {
  double x, y;
  std::string label;
  const char* color = "#6a3d9a";
};
// A figure with its interval at one x: a dot and a vertical bar. An infinite bound runs to the
// panel's edge.
struct Bar {
  double x, y, low, high;
  const char* color;
};

struct Panel {
  std::string title, xlabel, ylabel;
  std::vector<Series> series;
  std::vector<Band> bands;
  std::vector<Marker> markers;
  std::vector<Line> lines;
  std::vector<Dot> dots;
  std::vector<Bar> bars;
  // When set, the x axis is categorical: tick k at x = k, labelled categories[k].
  std::vector<std::string> categories;
};

// A whole <svg> element (no XML prolog): a headline, `word` in `color` then `headline`, a
// line of text under it, and the panels stacked.
std::string svg(const char* word, const char* color, const std::string& headline, const std::string& subline,
                const std::vector<Panel>& panels);

}  // namespace lg::chart
