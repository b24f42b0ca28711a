// SPDX-License-Identifier: MIT
// SVG charts of judged metrics: plain hand-written SVG, no library, no script.
#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <set>

#include "harness/base/fs.h"
#include "harness/base/stats.h"
#include "harness/base/units.h"
#include "reports/chart.h"
#include "reports/plot.h"
#include "harness/verdict/check_type.h"
#include "reports/report.h"
#include "reports/text.h"

namespace lg {

namespace {

constexpr double kWidth = 880;
constexpr double kPanelHeight = 300;
constexpr double kTitleHeight = 52;
constexpr double kLeft = 78, kRight = 16, kTop = 26, kBottom = 40;  // plot area margins in a panel
constexpr size_t kMaxPoints = 2000;

void add(std::string& out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void add(std::string& out, const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof buf) {
    out.append(buf, n);
    return;
  }
  std::string big(n + 1, '\0');
  va_start(ap, fmt);
  vsnprintf(big.data(), big.size(), fmt, ap);
  va_end(ap);
  out.append(big.data(), n);
}

using chart::Band;
using chart::Bar;
using chart::Dot;
using chart::Line;
using chart::Marker;
using chart::Panel;

// A "nice" tick step (1, 2, 5 times a power of ten) for about `n` ticks over `range`.
double nice_step(double range, int n) {
  if (!(range > 0)) return 1;
  double raw = range / n;
  double p = std::pow(10, std::floor(std::log10(raw)));
  double m = raw / p;
  return (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p;
}

void extend(double v, double& lo, double& hi) {
  if (!std::isfinite(v)) return;
  lo = std::min(lo, v);
  hi = std::max(hi, v);
}

std::string tick_label(double v, double step) {
  if (std::fabs(v) < step * 1e-6) v = 0;
  if (step >= 1 || v == 0) return format_number(std::round(v * 1e6) / 1e6);
  int decimals = std::min(9, (int)std::ceil(-std::log10(step)));
  return format_fixed(v, decimals);
}

constexpr const char* kSeriesColor = "#1f5fa8";  // the .series class's colour

// At most `chars` characters, the middle elided: labels of categorical ticks.
std::string shortened(const std::string& s, double chars) {
  size_t n = chars < 8 ? 8 : (size_t)chars;
  if (s.size() <= n) return s;
  size_t head = (n - 1) / 2, tail = n - 1 - head;
  return s.substr(0, head) + "\u2026" + s.substr(s.size() - tail);
}

// Draws one panel with its top-left corner at (0, oy).
void draw_panel(std::string& out, const Panel& p, double oy) {
  double x0 = kLeft, x1 = kWidth - kRight, y0 = oy + kTop, y1 = oy + kPanelHeight - kBottom;
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (const auto& ser : p.series)
    for (size_t i = 0; i < ser.x.size() && i < ser.y.size(); i++)
      if (std::isfinite(ser.y[i])) {
        extend(ser.x[i], xlo, xhi);
        extend(ser.y[i], ylo, yhi);
      }
  for (const auto& b : p.bars) {
    extend(b.x, xlo, xhi);
    extend(b.y, ylo, yhi);
    extend(b.low, ylo, yhi);
    extend(b.high, ylo, yhi);
  }
  if (!p.categories.empty()) xlo = -0.5, xhi = p.categories.size() - 0.5;
  for (const auto& b : p.bands) extend(b.x0, xlo, xhi), extend(b.x1, xlo, xhi);
  for (const auto& m : p.markers) extend(m.x, xlo, xhi);
  for (const auto& l : p.lines)
    if (!l.bounded)
      for (size_t i = 0; i < l.x.size(); i++) extend(l.y[i], ylo, yhi);
  for (const auto& d : p.dots) extend(d.x, xlo, xhi), extend(d.y, ylo, yhi);
  if (!std::isfinite(xlo)) xlo = 0, xhi = 1;
  if (!std::isfinite(ylo)) ylo = 0, yhi = 1;
  double room = std::max(yhi - ylo, std::max(1.0, std::fabs(yhi) * 0.1)) * 0.5;
  double ymin = ylo - room, ymax = yhi + room;
  for (const auto& l : p.lines)
    if (l.bounded)
      for (size_t i = 0; i < l.x.size(); i++) extend(std::clamp(l.y[i], ymin, ymax), ylo, yhi);
  if (xhi - xlo <= 0) xhi = xlo + 1;
  if (yhi - ylo <= 0) {  // a flat series: centre it
    double pad = std::max(1.0, std::fabs(ylo) * 0.1);
    ylo -= pad, yhi += pad;
  }
  double ystep = nice_step(yhi - ylo, 5);
  ylo = std::floor(ylo / ystep) * ystep;
  yhi = std::ceil(yhi / ystep) * ystep;
  if (ylo >= 0 && ylo < ystep * 1.01 && ylo > 0) ylo = 0;
  auto X = [&](double v) { return x0 + (v - xlo) / (xhi - xlo) * (x1 - x0); };
  auto Y = [&](double v) { return y1 - (v - ylo) / (yhi - ylo) * (y1 - y0); };

  add(out, "<g class=\"panel\">\n");
  add(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"ptitle\">%s</text>\n", x0, oy + 16, html_escape(p.title).c_str());
  // Phase bands first so everything else is drawn over them.
  static const char* kBand[] = {"#eef3fa", "#f7f1e6"};
  size_t bi = 0;
  for (const auto& b : p.bands) {
    double a = X(std::max(b.x0, xlo)), c = X(std::min(b.x1, xhi));
    if (!(c > a)) continue;
    add(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n", a, y0, c - a, y1 - y0,
        kBand[bi++ % 2]);
    if (c - a > 30)
      add(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"band\" text-anchor=\"middle\">%s</text>\n", (a + c) / 2, y0 + 12,
          html_escape(b.name).c_str());
  }
  // Grid and axes.
  for (double v = ylo; v <= yhi + ystep * 1e-9; v += ystep) {
    add(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>\n", x0, x1, Y(v), Y(v));
    add(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>\n", x0 - 5, Y(v) + 4,
        html_escape(tick_label(v, ystep)).c_str());
  }
  double xstep = nice_step(xhi - xlo, 8);
  for (size_t k = 0; k < p.categories.size(); k++) {
    add(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>\n", X(k), X(k), y1, y1 + 4);
    add(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">%s</text>\n", X(k), y1 + 16,
        html_escape(clean_line(shortened(p.categories[k], (x1 - x0) / p.categories.size() / 6.5))).c_str());
  }
  for (double v = std::ceil(xlo / xstep) * xstep; p.categories.empty() && v <= xhi + xstep * 1e-9; v += xstep) {
    add(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>\n", X(v), X(v), y1, y1 + 4);
    add(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">%s</text>\n", X(v), y1 + 16,
        html_escape(tick_label(v, xstep)).c_str());
  }
  add(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"frame\"/>\n", x0, y0, x1 - x0, y1 - y0);
  add(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"label\" text-anchor=\"middle\">%s</text>\n", (x0 + x1) / 2, y1 + 33,
      html_escape(p.xlabel).c_str());
  add(out,
      "<text x=\"14\" y=\"%.1f\" class=\"label\" text-anchor=\"middle\" "
      "transform=\"rotate(-90 14 %.1f)\">%s</text>\n",
      (y0 + y1) / 2, (y0 + y1) / 2, html_escape(p.ylabel).c_str());
  for (size_t k = 0; k < p.markers.size(); k++) {
    const Marker& m = p.markers[k];
    if (m.x < xlo || m.x > xhi) continue;
    add(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"marker\"/>\n", X(m.x), X(m.x), y0, y1);
    // Labels stacked so markers close together stay readable.
    add(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>\n", X(m.x) - 3,
        y1 - 5 - 13.0 * k, html_escape(m.label).c_str());
  }
  // Each series as one path; NaN starts a new segment.
  for (const auto& ser : p.series) {
    size_t n = std::min(ser.x.size(), ser.y.size());
    std::string d;
    bool pen = false;
    for (size_t i = 0; i < n; i++) {
      if (!std::isfinite(ser.y[i])) {
        pen = false;
        continue;
      }
      add(d, "%c%.1f %.1f", pen ? 'L' : 'M', X(ser.x[i]), Y(ser.y[i]));
      pen = true;
    }
    // The class sets the default colour; another one must be a style to win over it.
    std::string style =
        std::string(ser.color) == kSeriesColor ? "" : std::string(" style=\"stroke:") + ser.color + "\"";
    add(out, "<path d=\"%s\" class=\"series\"%s/>\n", d.c_str(), style.c_str());
    if (n <= 60)  // few samples: show them
      for (size_t i = 0; i < n; i++)
        if (std::isfinite(ser.y[i]))
          add(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" fill=\"%s\"/>\n", X(ser.x[i]), Y(ser.y[i]), ser.color);
  }
  for (const auto& b : p.bars) {
    if (!std::isfinite(b.y)) continue;
    double top = Y(std::clamp(std::isnan(b.high) ? b.y : b.high, ylo, yhi));
    double bottom = Y(std::clamp(std::isnan(b.low) ? b.y : b.low, ylo, yhi));
    add(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>\n", X(b.x),
        X(b.x), top, bottom, b.color);
    for (double yy : {top, bottom})
      add(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>\n", X(b.x) - 6,
          X(b.x) + 6, yy, yy, b.color);
    add(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n", X(b.x), Y(std::clamp(b.y, ylo, yhi)), b.color);
  }
  for (const auto& l : p.lines) {
    // Each segment cut to [ylo, yhi]; a segment wholly outside is dropped.
    std::string ld;
    bool drawing = false;
    for (size_t i = 0; i + 1 < l.x.size(); i++) {
      double ax = l.x[i], ay = l.y[i], bx = l.x[i + 1], by = l.y[i + 1];
      if (!std::isfinite(ay) || !std::isfinite(by)) {
        drawing = false;
        continue;
      }
      double t0 = 0, t1 = 1, dy = by - ay;
      for (double edge : {ylo, yhi}) {
        if (dy == 0) {
          if (ay < ylo || ay > yhi) t0 = 2;  // flat and outside
          continue;
        }
        double t = (edge - ay) / dy;
        bool entering = (edge == ylo) == (dy > 0);
        if (entering)
          t0 = std::max(t0, t);
        else
          t1 = std::min(t1, t);
      }
      if (t0 > t1) {
        drawing = false;
        continue;
      }
      double sx = ax + (bx - ax) * t0, sy = ay + dy * t0, ex = ax + (bx - ax) * t1, ey = ay + dy * t1;
      if (!drawing || t0 > 0) add(ld, "M%.1f %.1f", X(sx), Y(sy));
      add(ld, "L%.1f %.1f", X(ex), Y(ey));
      drawing = t1 >= 1;
    }
    if (ld.empty()) continue;
    add(out, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s%s%s/>\n", ld.c_str(), l.color,
        *l.dash ? " stroke-dasharray=\"" : "", l.dash, *l.dash ? "\"" : "");
  }
  for (const auto& dot : p.dots) {
    add(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n", X(dot.x), Y(dot.y), dot.color);
    bool right = X(dot.x) > (x0 + x1) / 2;  // label towards the middle so it stays inside
    add(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"%s\">%s</text>\n", X(dot.x) + (right ? -6 : 6),
        Y(dot.y) - 6, right ? "end" : "start", html_escape(dot.label).c_str());
  }
  // Legend, top right: the labelled series, then one entry per drawn line.
  std::vector<const Line*> legend;
  std::vector<Line> series_keys;
  for (const auto& ser : p.series)
    if (!ser.label.empty()) series_keys.push_back({{}, {}, ser.color, "", ser.label});
  for (const auto& l : series_keys) legend.push_back(&l);
  for (const auto& l : p.lines) legend.push_back(&l);
  double ly = oy + 16, lx = x1;
  for (auto it = legend.rbegin(); it != legend.rend(); ++it) {
    const Line& l = **it;
    double w = 7.0 * l.label.size() + 30;
    lx -= w;
    add(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s%s%s/>\n", lx,
        lx + 20, ly - 4, ly - 4, l.color, *l.dash ? " stroke-dasharray=\"" : "", l.dash, *l.dash ? "\"" : "");
    add(out, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\">%s</text>\n", lx + 24, ly, html_escape(l.label).c_str());
  }
  add(out, "</g>\n");
}

// Up to n indices spread evenly over [0, size), keeping the first and last.
std::vector<size_t> spread(size_t size, size_t n) {
  std::vector<size_t> out;
  if (size == 0) return out;
  if (size <= n) {
    for (size_t i = 0; i < size; i++) out.push_back(i);
    return out;
  }
  for (size_t k = 0; k < n; k++) out.push_back((size - 1) * k / (n - 1));
  return out;
}

std::string check_limit_text(const Check& c) {
  std::string text = check_words(c);
  size_t at = text.find("<=");
  return at == std::string::npos ? text : "limit " + text.substr(at + 3);
}

}  // namespace

std::string chart::svg(const char* word, const char* color, const std::string& headline, const std::string& subline,
                       const std::vector<Panel>& panels) {
  double height = kTitleHeight + kPanelHeight * panels.size();
  std::string out;
  add(out,
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
      "font-family=\"DejaVu Sans, Arial, sans-serif\">\n",
      kWidth, height, kWidth, height);
  add(out,
      "<style>.ptitle{font-size:13px;font-weight:bold;fill:#333}.band{font-size:11px;fill:#667}"
      ".tick{font-size:11px;fill:#444}.label{font-size:12px;fill:#333}.grid{stroke:#ddd;stroke-width:1}"
      ".axis{stroke:#888}.frame{fill:none;stroke:#999}.marker{stroke:#555;stroke-dasharray:2 3}"
      ".series{fill:none;stroke:#1f5fa8;stroke-width:1.5}</style>\n");
  add(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
  add(out, "<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\"><tspan fill=\"%s\">%s</tspan> %s</text>\n",
      color, html_escape(word).c_str(), html_escape(clean_line(headline)).c_str());
  add(out, "<text x=\"10\" y=\"40\" font-size=\"12\" fill=\"#333\">%s</text>\n",
      html_escape(clean_line(subline)).c_str());
  for (size_t i = 0; i < panels.size(); i++) draw_panel(out, panels[i], kTitleHeight + kPanelHeight * i);
  out += "</svg>\n";
  return out;
}

void downsample(const std::vector<double>& x, const std::vector<double>& y, size_t max_points, std::vector<double>& ox,
                std::vector<double>& oy) {
  ox.clear(), oy.clear();
  size_t n = std::min(x.size(), y.size());
  if (n <= max_points || max_points < 6) {
    ox.assign(x.begin(), x.begin() + n);
    oy.assign(y.begin(), y.begin() + n);
    return;
  }
  size_t buckets = max_points / 3;  // each bucket emits its min, its max and maybe a gap
  for (size_t b = 0; b < buckets; b++) {
    size_t lo = n * b / buckets, hi = n * (b + 1) / buckets;
    size_t imin = hi, imax = hi;
    bool gap = false;
    for (size_t i = lo; i < hi; i++) {
      if (!std::isfinite(y[i])) {
        gap = true;
        continue;
      }
      if (imin == hi || y[i] < y[imin]) imin = i;
      if (imax == hi || y[i] > y[imax]) imax = i;
    }
    if (imin == hi) {  // nothing measured in this bucket: keep the gap
      ox.push_back(x[lo]), oy.push_back(NAN);
      continue;
    }
    size_t a = std::min(imin, imax), c = std::max(imin, imax);
    ox.push_back(x[a]), oy.push_back(y[a]);
    if (c != a) ox.push_back(x[c]), oy.push_back(y[c]);
    if (gap) ox.push_back(x[c]), oy.push_back(NAN);
  }
}

std::vector<std::string> plot_paths(const RunResult& r) {
  std::vector<std::string> paths;
  std::map<std::string, int> seen;
  for (const auto& v : r.verdicts) {
    int m = r.series.metric_index(v.check.metric);
    bool drawable =
        !r.out_dir.empty() && m >= 0 && (size_t)m < r.series.values.size() &&
        std::any_of(r.series.values[m].begin(), r.series.values[m].end(), [](double x) { return std::isfinite(x); });
    if (!drawable) {
      paths.push_back("");
      continue;
    }
    int n = ++seen[v.check.metric];
    std::string name = file_safe(v.check.metric);
    if (n > 1) name += '.' + std::to_string(n);
    name += ".svg";
    paths.push_back(r.out_dir + "/plots/" + name);
  }
  return paths;
}

FittedLine fitted_line(const Series& s, const Verdict& v) {
  FittedLine out;
  const Check& c = v.check;
  int m = s.metric_index(c.metric);
  if (c.type != CheckType::MaxSlope || m < 0 || (size_t)m >= s.values.size() || !std::isfinite(v.slope)) return out;
  const std::vector<double>& y = s.values[m];
  size_t n = std::min(y.size(), s.t.size());
  int ek = c.per_event.empty() ? -1 : s.event_index(c.per_event);
  const std::vector<double>* ev =
      (ek >= 0 && (size_t)ek < s.events.size() && s.events[ek].size() >= n) ? &s.events[ek] : nullptr;
  if (!c.per_event.empty() && !ev) return out;
  // The judged window's samples.
  std::vector<size_t> win;
  if (std::isfinite(v.window_start) && std::isfinite(v.window_end) && v.window_end > v.window_start)
    for (size_t i = 0; i < n; i++)
      if (s.t[i] >= v.window_start && s.t[i] <= v.window_end && std::isfinite(y[i]) && (!ev || std::isfinite((*ev)[i])))
        win.push_back(i);
  if (win.size() < 2) return out;
  // Intercept: median of y - slope*x over the window, as Theil-Sen does.
  auto xfit = [&](size_t i) { return ev ? (*ev)[i] : s.t[i]; };
  std::vector<double> res;
  for (size_t i : win) res.push_back(y[i] - v.slope * xfit(i));
  double a = median(res);
  // A per-time fit is straight; a per-event one follows the event count over time.
  std::vector<size_t> idx = ev ? spread(win.size(), 400) : std::vector<size_t>{0, win.size() - 1};
  for (size_t k : idx) {
    size_t i = win[k];
    out.t.push_back(s.t[i]);
    out.x.push_back(xfit(i));
    out.y.push_back(a + v.slope * xfit(i));
  }
  return out;
}

std::string verdict_chart_svg(const RunResult& r, const Verdict& v) {
  const Series& s = r.series;
  const Check& c = v.check;
  int m = s.metric_index(c.metric);
  if (m < 0 || (size_t)m >= s.values.size()) return "";
  const std::vector<double>& y = s.values[m];
  size_t n = std::min(y.size(), s.t.size());
  if (std::none_of(y.begin(), y.begin() + n, [](double x) { return std::isfinite(x); })) return "";
  std::string unit = (size_t)m < s.units.size() ? s.units[m] : "";
  int ek = c.per_event.empty() ? -1 : s.event_index(c.per_event);
  const std::vector<double>* ev =
      (ek >= 0 && (size_t)ek < s.events.size() && s.events[ek].size() >= n) ? &s.events[ek] : nullptr;

  Panel time;
  time.title = c.metric + " against time";
  time.xlabel = "seconds since launch";
  time.ylabel = c.metric + (unit.empty() ? "" : " (" + unit + ")");
  std::vector<double> t(s.t.begin(), s.t.begin() + n), yy(y.begin(), y.begin() + n);
  time.series.emplace_back();
  downsample(t, yy, kMaxPoints, time.series[0].x, time.series[0].y);
  for (const auto& ph : s.phases) time.bands.push_back({ph.start, ph.end, ph.name});
  if (s.stop >= 0) time.markers.push_back({s.stop, "stop"});
  if (s.settle_end >= 0) time.markers.push_back({s.settle_end, "settled"});

  double xmax = t.empty() ? 0 : t.back();
  double baseline = std::isfinite(v.baseline) ? v.baseline : NAN;
  if (std::isfinite(baseline) && c.type != CheckType::MaxResidue)
    time.lines.push_back({{0, xmax}, {baseline, baseline}, "#7f7f7f", "6 4", "baseline"});

  Panel events;
  bool want_events = c.type == CheckType::MaxSlope && ev != nullptr;
  FittedLine fl = fitted_line(s, v);
  if (!fl.t.empty()) {
    double x_first = fl.x.front(), y_first = fl.y.front();
    Line fit{fl.t, fl.y, "#e67e00", "", "fitted slope"};
    Line lim{fl.t, {}, "#c62828", "8 4", check_limit_text(c), true};
    for (double x : fl.x) lim.y.push_back(y_first + c.limit * (x - x_first));
    time.lines.push_back(fit);
    time.lines.push_back(lim);
    if (want_events) {
      double e0 = fl.x.front(), e1 = fl.x.back();
      events.lines.push_back({{e0, e1}, {y_first, fl.y.back()}, "#e67e00", "", "fitted slope"});
      events.lines.push_back(
          {{e0, e1}, {y_first, y_first + c.limit * (e1 - e0)}, "#c62828", "8 4", check_limit_text(c), true});
    }
  } else if (c.type == CheckType::Max) {
    time.lines.push_back({{0, xmax}, {c.limit, c.limit}, "#c62828", "8 4", check_limit_text(c)});
  } else if (c.type == CheckType::MaxGrowth && std::isfinite(baseline)) {
    double l = baseline + c.limit;
    time.lines.push_back({{0, xmax}, {l, l}, "#c62828", "8 4", "baseline + " + format_number(c.limit)});
  } else if (c.type == CheckType::MaxResidue) {
    double pre = (size_t)m < s.pre_launch.size() ? s.pre_launch[m] : NAN;
    double post = (size_t)m < s.post_settle.size() ? s.post_settle[m] : NAN;
    double at = s.settle_end >= 0 ? s.settle_end : xmax;
    if (std::isfinite(pre)) {
      time.dots.push_back({0, pre, "before launch"});
      time.lines.push_back({{0, std::max(at, xmax)},
                            {pre + c.limit, pre + c.limit},
                            "#c62828",
                            "8 4",
                            "before launch + " + format_number(c.limit)});
    }
    if (std::isfinite(post)) time.dots.push_back({at, post, "after settle"});
  }

  // The leading sites of a failing check's diagnosis, their counts over time ("site N" is the
  // N-th site of the report's "Where they come from" list).
  if (const Diagnosis* d = r.diagnosis(c.metric); d && (v.outcome == Outcome::Fail || v.outcome == Outcome::Error)) {
    static const char* colors[] = {"#8e44ad", "#16a085", "#d35400", "#2c3e50", "#7f8c8d"};
    for (size_t k = 0; k < d->sites.size() && k < 5; k++) {
      const Site& site = d->sites[k];
      if (site.t.size() < 2 || site.t.size() != site.counts.size()) continue;
      Line l{{}, {}, colors[k], "3 2", "site " + std::to_string(k + 1)};
      downsample(site.t, site.counts, kMaxPoints, l.x, l.y);
      time.lines.push_back(std::move(l));
    }
  }

  size_t panels = 1;
  if (want_events) {
    panels = 2;
    events.title = c.metric + " against " + c.per_event + " events";
    events.xlabel = c.per_event + " events (cumulative)";
    events.ylabel = time.ylabel;
    std::vector<double> ex(ev->begin(), ev->begin() + n);
    events.series.emplace_back();
    downsample(ex, yy, kMaxPoints, events.series[0].x, events.series[0].y);
    // Phases as event ranges: the count at each phase's first and last sample.
    for (const auto& ph : s.phases) {
      double lo = NAN, hi = NAN;
      for (size_t i = 0; i < n; i++)
        if (t[i] >= ph.start && t[i] <= ph.end && std::isfinite(ex[i])) {
          if (!std::isfinite(lo)) lo = ex[i];
          hi = ex[i];
        }
      if (std::isfinite(lo) && hi > lo) events.bands.push_back({lo, hi, ph.name});
    }
    if (std::isfinite(baseline)) {
      double e1 = 0;
      for (size_t i = 0; i < n; i++)
        if (std::isfinite(ex[i])) e1 = std::max(e1, ex[i]);
      events.lines.insert(events.lines.begin(), Line{{0, e1}, {baseline, baseline}, "#7f7f7f", "6 4", "baseline"});
    }
  }

  std::vector<Panel> all{time};
  if (panels == 2) all.push_back(events);
  return chart::svg(outcome_name(v.outcome), outcome_info(v.outcome).color, check_words(c), v.sentence, all);
}

bool write_plots(const RunResult& r, OutputDir& out, std::vector<std::string>& written, std::string& err) {
  std::vector<std::string> paths = plot_paths(r);
  // `judge` may re-judge with other checks: charts of checks no longer judged must not linger.
  // Only charts leakguard wrote itself (its manifest lists them) are ever removed.
  std::set<std::string> keep;
  for (const auto& p : paths)
    if (!p.empty()) keep.insert(p.substr(p.rfind('/') + 1));
  if (!out.prune_plots(keep, err)) return false;
  for (size_t i = 0; i < paths.size(); i++) {
    if (paths[i].empty()) continue;
    std::string rel = std::string(OutputDir::kPlots) + "/" + paths[i].substr(paths[i].rfind('/') + 1);
    std::string svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + verdict_chart_svg(r, r.verdicts[i]);
    if (!out.write(rel, svg, err)) return false;
    written.push_back(out.file(rel));
  }
  return true;
}

}  // namespace lg
