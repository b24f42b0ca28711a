// SPDX-License-Identifier: MIT
// compare.html: the answer per check first, then per check the runs' series on the same axes
// (against time, and against events for a per-event check) and every run's figure with its
// interval. Built from the pieces of the run report (html_page.h, chart.h).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>

#include "harness/base/safe_file.h"
#include "harness/base/fs.h"
#include "harness/base/units.h"
#include "reports/chart.h"
#include "reports/compare_report.h"
#include "reports/html_page.h"
#include "reports/plot.h"
#include "reports/text.h"

namespace lg {

namespace {

constexpr size_t kMaxPoints = 2000;
constexpr const char* kBaseColor = "#1f5fa8";
constexpr const char* kCandColor = "#d84315";
constexpr const char* kEarlierColor = "#8a8a8a";

bool has_samples(const Series& s, int m) {
  return m >= 0 && (size_t)m < s.values.size() &&
         std::any_of(s.values[m].begin(), s.values[m].end(), [](double v) { return std::isfinite(v); });
}

// One run's series and, for a slope, its fitted line, on the time panel and on the events panel.
void add_run(const RunResult& r, const Verdict& v, const char* color, const std::string& label, chart::Panel& time,
             chart::Panel* events) {
  const Series& s = r.series;
  const Check& c = v.check;
  int m = s.metric_index(c.metric);
  if (!has_samples(s, m)) return;
  size_t n = std::min(s.values[m].size(), s.t.size());
  std::vector<double> t(s.t.begin(), s.t.begin() + n), y(s.values[m].begin(), s.values[m].begin() + n);
  chart::Series ts{{}, {}, color, label};
  downsample(t, y, kMaxPoints, ts.x, ts.y);
  time.series.push_back(std::move(ts));
  FittedLine fl = fitted_line(s, v);
  if (!fl.t.empty()) time.lines.push_back({fl.t, fl.y, color, "6 3", label + " fit"});
  if (events) {
    int ek = s.event_index(c.per_event);
    if (ek >= 0 && (size_t)ek < s.events.size() && s.events[ek].size() >= n) {
      std::vector<double> ex(s.events[ek].begin(), s.events[ek].begin() + n);
      chart::Series es{{}, {}, color, label};
      downsample(ex, y, kMaxPoints, es.x, es.y);
      events->series.push_back(std::move(es));
      if (!fl.x.empty())
        events->lines.push_back(
            {{fl.x.front(), fl.x.back()}, {fl.y.front(), fl.y.back()}, color, "6 3", label + " fit"});
    }
  }
  if (c.type == CheckType::MaxResidue) {
    double pre = (size_t)m < s.pre_launch.size() ? s.pre_launch[m] : NAN;
    double post = (size_t)m < s.post_settle.size() ? s.post_settle[m] : NAN;
    double at = s.settle_end >= 0 ? s.settle_end : (t.empty() ? 0 : t.back());
    if (std::isfinite(pre)) time.dots.push_back({0, pre, label + " before launch", color});
    if (std::isfinite(post)) time.dots.push_back({at, post, label + " after settle", color});
  }
}

std::string th(const std::string& s) { return "<th>" + html_text(s) + "</th>"; }
std::string td(const std::string& s, bool num = false) {
  return std::string(num ? "<td class=\"num\">" : "<td>") + html_text(s) + "</td>";
}

}  // namespace

std::vector<std::string> compare_plot_paths(const CompareReport& c) {
  std::vector<std::string> paths;
  std::map<std::string, int> seen;
  for (size_t k = 0; k < c.comparison.checks.size(); k++) {
    const Check& ch = c.comparison.checks[k].check;
    if (c.out_dir.empty() || compare_chart_svg(c, k).empty()) {
      paths.push_back("");
      continue;
    }
    int n = ++seen[ch.metric];
    std::string name = file_safe(ch.metric);
    if (n > 1) name += '.' + std::to_string(n);
    paths.push_back(c.out_dir + "/plots/" + name + ".svg");
  }
  return paths;
}

std::string compare_chart_svg(const CompareReport& c, size_t index) {
  if (index >= c.comparison.checks.size() || c.runs.size() < 2) return "";
  const CheckComparison& k = c.comparison.checks[index];
  const Check& ch = k.check;
  size_t n = c.runs.size(), bi = n - 2, ci = n - 1;
  const RunResult &base = *c.runs[bi], &cand = *c.runs[ci];
  std::string unit;
  {
    int m = cand.series.metric_index(ch.metric);
    if (m >= 0 && (size_t)m < cand.series.units.size()) unit = cand.series.units[m];
  }
  std::string ylabel = ch.metric + (unit.empty() ? "" : " (" + unit + ")");

  chart::Panel time;
  time.title = ch.metric + " against time, both runs";
  time.xlabel = "seconds since launch";
  time.ylabel = ylabel;
  for (const auto& ph : cand.series.phases) time.bands.push_back({ph.start, ph.end, ph.name});
  bool per_event = ch.type == CheckType::MaxSlope && !ch.per_event.empty();
  chart::Panel events;
  events.title = ch.metric + " against " + ch.per_event + " events, both runs";
  events.xlabel = ch.per_event + " events (cumulative)";
  events.ylabel = ylabel;
  add_run(base, k.runs[bi], kBaseColor, compare_run_name(c, bi), time, per_event ? &events : nullptr);
  add_run(cand, k.runs[ci], kCandColor, compare_run_name(c, ci), time, per_event ? &events : nullptr);
  std::vector<chart::Panel> panels;
  if (!time.series.empty() || !time.dots.empty()) panels.push_back(time);
  if (per_event && !events.series.empty()) panels.push_back(events);

  // Every run's figure: a slope with its interval, or the level figure.
  chart::Panel figures;
  bool slope = ch.type == CheckType::MaxSlope;
  double scale = slope ? limit_scale(ch) : 1;
  figures.title = slope ? ch.metric + " slope of each run (" + limit_unit(ch).substr(1) + "), 95% intervals"
                        : ch.metric + " figure of each run";
  figures.xlabel = n == 2 ? "run" : "runs in release order";
  figures.ylabel = slope ? "slope" : (ch.type == CheckType::Max ? "peak" : "growth");
  for (size_t i = 0; i < n; i++) {
    figures.categories.push_back(n == 2 ? compare_run_name(c, i) : compare_run_name(c, i) + ": " + c.labels[i]);
    const Verdict& v = k.runs[i];
    if (v.outcome != Outcome::Pass && v.outcome != Outcome::Fail) continue;
    if (slope && (i >= k.rates.size() || !std::isfinite(k.rates[i].slope))) continue;
    const char* color = i == ci ? kCandColor : i == bi ? kBaseColor : kEarlierColor;
    if (slope && i < k.rates.size())
      figures.bars.push_back(
          {(double)i, k.rates[i].slope * scale, k.rates[i].low * scale, k.rates[i].high * scale, color});
    else
      figures.bars.push_back({(double)i, level_figure(v), level_figure(v), level_figure(v), color});
  }
  if (slope)
    figures.lines.push_back({{-0.5, n - 0.5}, {ch.limit * scale, ch.limit * scale}, "#c62828", "8 4", "limit"});
  if (!figures.bars.empty()) panels.push_back(figures);
  if (panels.empty()) return "";
  return chart::svg(change_name(k.change), change_info(k.change).color, ch.text, k.sentence, panels);
}

std::string compare_html(const CompareReport& c) {
  const Comparison& cmp = c.comparison;
  size_t n = c.runs.size();
  std::string scenario = n ? c.runs.back()->scenario : "";
  const char* word = cmp.any_worse() ? "worse" : cmp.count(Change::Better) ? "better" : "same";
  std::string o;
  o.reserve(64 * 1024);
  o += html_page_head("leakguard compare: " + scenario + " " + word);
  o += "<h1>" + html_text(scenario) + ": " +
       (n == 2 ? "baseline against candidate " : "trend of " + std::to_string(n) + " runs ") + html_badge(word) +
       "</h1>\n";
  o += "<p class=\"muted\">Compared " + html_text(utc_timestamp()) +
       " UTC. Slopes are in the unit of each check's limit, with 95% intervals (the change: 99%); * marks a "
       "run whose growth levelled off, compared on the later half of its window. " +
       (n > 2 ? "The change and the answer compare the last run with the one before it. " : "") +
       "The rule: docs/release.md.</p>\n";

  o += "<h2>Runs</h2>\n<table>\n<tr>" + th("") + th("directory") + th("target") + th("recorded") + th("leakguard") +
       th("run result") + "</tr>\n";
  for (size_t i = 0; i < n; i++) {
    const RunResult& r = *c.runs[i];
    std::string notes;
    for (const auto& note : compare_run_notes(r)) notes += (notes.empty() ? "" : "; ") + note;
    o += "<tr>" + td(compare_run_name(c, i)) + td(c.labels[i]) +
         td(r.target_argv.empty() ? "(none)" : shell_join(r.target_argv)) + td(r.timestamp + " " + r.hostname) +
         td(r.version) + "<td>" + html_badge(r.failed() ? "FAIL" : "PASS") + " " + html_text(notes) + "</td></tr>\n";
  }
  o += "</table>\n";

  std::vector<std::string> charts;
  for (size_t k = 0; k < cmp.checks.size(); k++) charts.push_back(compare_chart_svg(c, k));
  o += "<h2>Checks</h2>\n";
  if (cmp.checks.empty()) {
    o += "<p class=\"muted\">No check was recorded by both runs.</p>\n";
  } else {
    o += "<table class=\"verdicts\">\n<tr>" + th("answer") + th("check");
    for (size_t i = 0; i < n; i++) o += th(compare_run_name(c, i));
    o += th("change") + th("why") + "</tr>\n";
    for (size_t k = 0; k < cmp.checks.size(); k++) {
      const CheckComparison& x = cmp.checks[k];
      std::string name = charts[k].empty()
                             ? html_text(x.check.text)
                             : "<a href=\"#check-" + std::to_string(k) + "\">" + html_text(x.check.text) + "</a>";
      std::string cls = x.change == Change::Worse ? "worse" : "";
      o += "<tr class=\"" + cls + "\"><td>" + html_badge(change_name(x.change)) + "</td><td>" + name + "</td>";
      for (size_t i = 0; i < n; i++) o += td(compare_figure(x, i), true);
      o += td(compare_change(x), true) + td(x.sentence) + "</tr>\n";
    }
    o += "</table>\n";
  }
  if (!cmp.only_base.empty() || !cmp.only_cand.empty()) {
    o += "<p class=\"muted\">Not compared:";
    for (const auto& t : cmp.only_base) o += "<br>" + html_text(t) + ": only the baseline judged it";
    for (const auto& t : cmp.only_cand) o += "<br>" + html_text(t) + ": only the candidate judged it";
    o += "</p>\n";
  }

  bool any_chart = std::any_of(charts.begin(), charts.end(), [](const std::string& s) { return !s.empty(); });
  if (any_chart) o += "<h2>Charts</h2>\n";
  for (size_t k = 0; k < charts.size(); k++) {
    if (charts[k].empty()) continue;
    const CheckComparison& x = cmp.checks[k];
    o += "<section id=\"check-" + std::to_string(k) + "\">\n<h3>" + html_badge(change_name(x.change)) + " " +
         html_text(x.check.text) + "</h3>\n<div class=\"chart\">" + charts[k] + "</div>\n</section>\n";
  }
  o += "<p class=\"muted\">Written by leakguard compare. Each run's report.html and series.json stay in its own "
       "directory.</p>\n</body>\n</html>\n";
  return o;
}

bool write_compare_html(const CompareReport& c, std::string& err) {
  if (c.out_dir.empty()) return true;
  if (!make_dirs(c.out_dir + "/plots", err)) return false;
  // A directory compared into before must not keep charts of checks no longer compared.
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(c.out_dir + "/plots", ec))
    if (e.path().extension() == ".svg") std::filesystem::remove(e.path(), ec);
  std::vector<std::string> paths = compare_plot_paths(c);
  for (size_t k = 0; k < paths.size(); k++) {
    if (paths[k].empty()) continue;
    std::string svg = compare_chart_svg(c, k);
    if (svg.empty()) continue;
    if (!write_file(paths[k], "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + svg, err)) return false;
  }
  return write_file(c.out_dir + "/compare.html", compare_html(c), err);
}

}  // namespace lg
