// SPDX-License-Identifier: MIT
// max_slope: growth per event of a workload kind ("1 per 1000 netns") or per unit of time
// ("0.5/s", "2/min") must stay at or under the limit. The method is docs/verdicts.md,
// "max_slope"; the comments here say why each rule exists.
#include <algorithm>
#include <cmath>
#include <limits>

#include "harness/base/fs.h"
#include "harness/base/metrics.h"
#include "harness/base/stats.h"
#include "harness/base/strings.h"
#include "harness/base/units.h"
#include "harness/verdict/check_type.h"
#include "harness/verdict/judge.h"
#include "harness/verdict/window.h"

namespace lg {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kDefaultMinGrowth = 5;  // units, when a check does not set min_growth
constexpr double kConfidence = 0.95;
// The level-off test leans towards "levelled off" (a pass): its interval is narrower.
constexpr double kLevelConfidence = 0.80;

// A number as written in a slope: "1000", "1_000", "0.5". False on anything else.
bool plain_number(std::string s, double& v) {
  s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == '_' || c == ','; }), s.end());
  if (s.empty() || s.find_first_not_of("0123456789.+-eE") != std::string::npos) return false;
  char* end = nullptr;
  v = strtod(s.c_str(), &end);
  return end && *end == 0 && std::isfinite(v);
}

// The amount of a slope: a plain number, or a size ("1MiB", "64KiB") for byte metrics.
bool limit_value(const std::string& s, double& v, bool& size) {
  size = false;
  if (plain_number(s, v)) return true;
  auto sz = parse_size(s);
  if (!sz) return false;
  v = (double)*sz;
  size = true;
  return true;
}

// A size is a number of bytes: on a metric counted in anything else it is a mistake.
void size_on_bytes(const Check& c, const std::string& amount, std::vector<std::string>& problems) {
  const MetricInfo* m = c.metric.empty() || is_slab_metric(c.metric) ? nullptr : find_metric(c.metric);
  if (m && std::string(m->unit) != "bytes")
    problems.push_back("max_slope: '" + amount + "' is a size, but " + c.metric + " counts " + m->unit +
                       "; sizes apply to byte metrics (proc.rss_bytes, bpf.map_bytes)");
}

// "1 per 1000 netns", "2 per netns", "0.5/s", "2/min"; sizes for byte metrics ("1MiB per 10000
// procexit", "64KiB/s"). The event kind is checked against the scenario's workloads by the
// loader.
std::vector<std::string> parse(const std::string& text, Check& c) {
  const std::string usage =
      "write '1 per 1000 netns' (per event of a workload kind) or '0.5/s', '2/min'; byte metrics take sizes: "
      "'1MiB per 10000 procexit', '64KiB/s'";
  std::vector<std::string> problems;
  std::vector<std::string> words;
  for (const auto& w : split(trim(text), ' '))
    if (!w.empty()) words.push_back(w);
  auto per = std::find(words.begin(), words.end(), "per");
  if (per != words.end()) {
    size_t at = per - words.begin();
    double a = 1, b = 1;
    bool ok = true, size = false;
    if (at == 1)
      ok &= limit_value(words[0], a, size);
    else if (at != 0)
      ok = false;
    std::string kind;
    if (words.size() == at + 3)
      ok &= plain_number(words[at + 1], b), kind = words[at + 2];
    else if (words.size() == at + 2)
      kind = words[at + 1];
    else
      ok = false;
    if (!ok || kind.empty()) return {"max_slope: bad slope '" + text + "'; " + usage};
    if (at == 0) problems.push_back("max_slope: '" + text + "' has no limit before 'per'; " + usage);
    if (a < 0) problems.push_back("max_slope must be zero or more, got '" + text + "'");
    if (b <= 0) problems.push_back("max_slope: the event count after 'per' must be positive, got '" + text + "'");
    if (size) size_on_bytes(c, words[0], problems);
    c.per_event = kind;
    c.per_event_scale = b > 0 ? b : 1;
    c.limit = a / c.per_event_scale;
    return problems;
  }
  size_t slash = text.find('/');
  if (slash == std::string::npos) return {"max_slope: '" + text + "' has no unit; " + usage};
  std::string unit = trim(text.substr(slash + 1));
  double a;
  bool size = false;
  std::string amount = trim(text.substr(0, slash));
  if (!limit_value(amount, a, size) || (unit != "s" && unit != "sec" && unit != "min" && unit != "m"))
    return {"max_slope: bad slope '" + text + "'; " + usage};
  if (a < 0) return {"max_slope must be zero or more, got '" + text + "'"};
  if (size) size_on_bytes(c, amount, problems);
  c.per_time_unit = unit == "min" || unit == "m" ? "min" : "s";
  c.limit = c.per_time_unit == "min" ? a / 60 : a;
  return problems;
}

std::string limit_words(const Check& c) {
  if (!c.per_event.empty())
    return amount_words(c, c.limit * c.per_event_scale) + " per " + plain(c.per_event_scale) + " " + c.per_event;
  if (c.per_time_unit == "min") return amount_words(c, c.limit * 60) + "/min";
  return amount_words(c, c.limit) + "/s";
}

void judge(const Check& c, const Series& s, int mi, Verdict& v) {
  bool per_event = !c.per_event.empty();
  SlopeFit f = fit_slope(c, s, mi);
  v.window_start = f.window_start;
  v.window_end = f.window_end;
  v.samples = f.samples;
  if (per_event && f.samples > 0) v.events = f.span;
  if (!f.error.empty()) return void(v = error_verdict(v, f.error));
  v.baseline = f.baseline;
  v.end_level = f.end_level;
  v.peak = f.peak;
  const SlopeEstimate& all = f.all;
  double span = f.span;
  v.slope = all.slope;
  v.ci_low = all.low;
  v.ci_high = all.high;
  // Growth is the fitted rise over the window: robust to the spikes and phase of the
  // ends that a difference of end levels would pick up.
  v.growth = all.slope * span;

  double min_growth = min_growth_of(c);
  bool significant = all.low > c.limit;
  bool persists = f.persists(c.limit);
  bool big = v.growth >= min_growth;

  // The slope in the check's own unit, numbers in the metric's (bytes humanised).
  Fmt fm = fmt_for(s, mi);
  double scale = per_event ? 1 : (c.per_time_unit == "min" ? 60 : 1);
  std::string unit = per_event ? " per " + c.per_event : (c.per_time_unit == "min" ? "/min" : "/s");
  auto rate = [&](double r) { return fm(r * scale) + unit; };
  std::string est = rate(all.slope) + " (" + interval_in(all.low * scale, all.high * scale, kConfidence, fm) +
                    "), limit " + fm(c.limit * scale);
  std::string over =
      fm.signed_(v.growth) + " over " + (per_event ? format_number(span) + " " + c.per_event : format_duration(span));
  // A pass must not hide a large change: a leak that filled its map rises fast, then stops;
  // its slope is not significant (or it levelled off), yet the reader must see the rise.
  double rise = v.end_level - v.baseline;
  std::string large = std::isfinite(rise) && std::fabs(rise) >= std::max(min_growth, 1e-9)
                          ? "; the level changed " + fm.signed_(rise) + " over the window (" + fm(v.baseline) + " to " +
                                fm(v.end_level) + ")"
                          : "";

  if (significant && persists && big) {
    v.outcome = Outcome::Fail;
    v.sentence = c.metric + " grew " + est + "; " + over;
  } else if (!significant) {
    v.outcome = Outcome::Pass;
    // "flat" only when no growth is shown at all; a slope that is real but under the limit is
    // "within the limit", so a reader never sees "flat" next to 0.99 per event.
    const char* how = all.slope > c.limit ? " not significantly above the limit: "
                      : all.low <= 0      ? " flat: "
                                          : " within the limit: ";
    v.sentence = c.metric + how + est + large;
  } else if (!persists) {
    v.outcome = Outcome::Pass;
    v.sentence = c.metric + " levelled off: " + rate(f.early.slope) + " in the earlier half of the window, " +
                 rate(f.late.slope) + " (" +
                 interval_in(f.late.low * scale, f.late.high * scale, kLevelConfidence, fm) + ") in the later half; " +
                 est + large;
  } else {
    v.outcome = Outcome::Pass;
    v.sentence = c.metric + " rose only " + over + " (min_growth " + fm(min_growth) + "): " + est;
  }
  v.sentence = with_note(v.sentence, map_note(c, s));
}

}  // namespace

SlopeFit fit_slope(const Check& c, const Series& s, int mi) {
  SlopeFit f;
  bool per_event = !c.per_event.empty();
  int ek = per_event ? s.event_index(c.per_event) : -1;
  if (mi < 0 || (size_t)mi >= s.values.size()) return f.error = "not recorded in this run", f;
  if (per_event && (ek < 0 || (size_t)ek >= s.events.size()))
    return f.error = "no '" + c.per_event + "' events recorded (workload kinds: " + joined(s.event_kinds) + ")", f;
  Window w = c.phases.empty() ? workload_phases(s) : named_phases(c, s);
  if (!w.error.empty()) return f.error = w.error, f;
  if (per_event && c.phases.empty()) {
    // By default, only the workload phases where this kind's events advance: another
    // workload's phase would add its own growth at a standstill of this x.
    Window own;
    for (const auto& span : w.spans) {
      double lo = kNaN, hi = kNaN;
      for (size_t i = 0; i < s.t.size() && i < s.events[ek].size(); i++) {
        if (s.t[i] < span.start || s.t[i] > span.end || !std::isfinite(s.events[ek][i])) continue;
        if (std::isnan(lo)) lo = s.events[ek][i];
        hi = s.events[ek][i];
      }
      if (hi > lo) own.spans.push_back(span);
    }
    if (!own.spans.empty()) w = own;
  }
  if (w.spans.empty()) {
    if (per_event) return f.error = "no phase runs workloads, so no window for a per-event slope", f;
    w.spans.push_back({0, run_end(s)});  // per time, nothing runs: the whole run
  }
  f.window_start = w.start();
  f.window_end = w.end();

  std::vector<double> x, y;
  const auto& vals = s.values[mi];
  for (size_t i = 0; i < s.t.size() && i < vals.size(); i++) {
    if (!w.contains(s.t[i]) || !std::isfinite(vals[i])) continue;
    double xi = per_event ? (i < s.events[ek].size() ? s.events[ek][i] : kNaN) : s.t[i];
    if (!std::isfinite(xi)) continue;
    x.push_back(xi);
    y.push_back(vals[i]);
  }
  f.samples = x.size();
  if (x.empty())
    return f.error = "no sample in the window " + format_number(w.start()) + "s-" + format_number(w.end()) + "s", f;
  double x0 = *std::min_element(x.begin(), x.end()), x1 = *std::max_element(x.begin(), x.end());
  double span = x1 - x0;
  f.span = span;
  if (span <= 0) {
    if (per_event) return f.error = "no '" + c.per_event + "' events in the window", f;
    return f.error = "the window holds a single instant", f;
  }
  for (auto& xi : x) xi -= x0;

  // Start and end levels of the window, for the record (in time order, before reduction).
  size_t k = tail_count(y.size());
  f.baseline = median(std::vector<double>(y.begin(), y.begin() + k));
  f.end_level = median(std::vector<double>(y.end() - k, y.end()));
  f.peak = *std::max_element(y.begin(), y.end());

  // Reduce once (see theil_sen.cc) so the window and its halves share the same points.
  reduce_points(x, y, kMaxSlopePoints);
  f.all = theil_sen(x, y, kConfidence);
  if (f.all.n < 3)
    return f.error = "only " + std::to_string(f.all.n) + " distinct points in the window, too few for a slope", f;

  // Persistence: a leak keeps growing, a bounded cache or a start-up step levels off.
  // The two halves of the window (by x) are fitted on their own.
  std::vector<double> ex, ey, lx, ly;
  for (size_t i = 0; i < x.size(); i++) {
    if (x[i] < span / 2)
      ex.push_back(x[i]), ey.push_back(y[i]);
    else
      lx.push_back(x[i]), ly.push_back(y[i]);
  }
  f.early = theil_sen(ex, ey, kConfidence);
  f.late = theil_sen(lx, ly, kLevelConfidence);
  f.late_x = std::move(lx);
  f.late_y = std::move(ly);
  return f;
}

// Levelled off: the later half grows significantly slower than a quarter of the earlier
// half's rate, or significantly slower than `floor` (the limit, for a verdict). A leak keeps
// growing (its late interval reaches past a quarter of the early rate, even if it slowed
// down); a cache that hit its cap, or a start-up step, does not.
bool SlopeFit::persists(double floor) const {
  bool halves = early.n >= 3 && late.n >= 3;
  return !halves || late.high >= std::max(floor, early.slope / 4);
}

double min_growth_of(const Check& c) { return c.min_growth >= 0 ? c.min_growth : kDefaultMinGrowth; }

extern const CheckTypeInfo max_slope_check = {
    CheckType::MaxSlope,
    "max_slope",
    "growth per event of a workload kind, or per unit of time, must stay at or under the limit",
    parse,
    limit_words,
    judge,
    /*needs_samples=*/true,
    /*takes_min_growth=*/true,
};

}  // namespace lg
