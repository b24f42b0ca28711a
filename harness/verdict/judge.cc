// SPDX-License-Identifier: MIT
// Judging one check against a recorded series. The method and its defaults are in
// docs/verdicts.md; the comments here say why each rule exists.
#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>

#include "harness/base/units.h"
#include "harness/verdict/judge.h"

namespace lg {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kDefaultMinGrowth = 5;  // units, when a check does not set min_growth
constexpr double kConfidence = 0.95;
// The level-off test leans towards "levelled off" (a pass): its interval is narrower.
constexpr double kLevelConfidence = 0.80;

struct Span {
  double start, end;
};

// Where a check looks: time spans in run order; error != "" when the window cannot be formed.
struct Window {
  std::vector<Span> spans;
  std::string error;
  bool contains(double t) const {
    for (const auto& s : spans)
      if (t >= s.start && t <= s.end) return true;
    return false;
  }
  double start() const { return spans.empty() ? 0 : spans.front().start; }
  double end() const {
    double e = 0;
    for (const auto& s : spans) e = std::max(e, s.end);
    return e;
  }
};

double run_end(const Series& s) {
  if (s.stop >= 0) return s.stop;
  return s.t.empty() ? 0 : s.t.back();
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? "none" : out;
}

std::string phase_names(const Series& s) {
  std::vector<std::string> names;
  for (const auto& p : s.phases) names.push_back(p.name);
  return joined(names);
}

// The spans of the phases a check names; an unknown name is an error naming the choices.
Window named_phases(const Check& c, const Series& s) {
  Window w;
  for (const auto& name : c.phases) {
    const PhaseSpan* p = s.phase(name);
    if (!p) {
      w.error = "unknown phase '" + name + "' (phases: " + phase_names(s) + ")";
      return w;
    }
    w.spans.push_back({p->start, p->end});
  }
  std::sort(w.spans.begin(), w.spans.end(), [](const Span& a, const Span& b) { return a.start < b.start; });
  return w;
}

Window workload_phases(const Series& s) {
  Window w;
  for (const auto& p : s.phases)
    if (p.has_workloads) w.spans.push_back({p.start, p.end});
  return w;
}

double median(std::vector<double> v) {
  if (v.empty()) return kNaN;
  size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), v.begin() + mid)) / 2;
  return m;
}

// The "last samples" of a window: 5% of them, at least 5 and at most 100, so the end level
// is robust to a spike yet still describes the end.
size_t tail_count(size_t n) { return std::min(n, std::clamp<size_t>(n / 20, 5, 100)); }

std::string signed_number(double v) {
  std::string out = v >= 0 ? "+" : "";
  out += format_number(v);
  return out;
}

std::string interval(double lo, double hi, double confidence = kConfidence) {
  return confidence_interval(lo, hi, confidence);
}

// Is the metric measured at all? Fills the verdict and returns false when not.
bool measured(const Check& c, const Series& s, int mi, Verdict& v) {
  std::string why;
  if (mi < 0) {
    why = "not recorded in this run";
  } else if ((size_t)mi < s.unavailable.size() && !s.unavailable[mi].empty()) {
    why = s.unavailable[mi];
  } else if ((size_t)mi >= s.values.size() || std::none_of(s.values[mi].begin(), s.values[mi].end(), available)) {
    why = "no sample measured";
  }
  if (why.empty()) return true;
  v.outcome = c.required ? Outcome::Error : Outcome::Skipped;
  v.sentence = c.metric + " unmeasured: " + why;
  return false;
}

Verdict error(Verdict v, const std::string& why) {
  v.outcome = Outcome::Error;
  v.sentence = v.check.metric + ": " + why;
  return v;
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
// half's rate, or significantly slower than `floor`. A leak keeps growing (its late interval
// reaches past a quarter of the early rate, even if it slowed down); a cache that hit its
// cap, or a start-up step, does not.
bool SlopeFit::persists(double floor) const {
  bool halves = early.n >= 3 && late.n >= 3;
  return !halves || late.high >= std::max(floor, early.slope / 4);
}

double min_growth_of(const Check& c) { return c.min_growth >= 0 ? c.min_growth : kDefaultMinGrowth; }

std::string slope_unit(const Check& c) {
  if (!c.per_event.empty()) return " per " + c.per_event;
  return c.per_time_unit == "min" ? "/min" : "/s";
}

double slope_scale(const Check& c) { return c.per_event.empty() && c.per_time_unit == "min" ? 60 : 1; }

std::string confidence_interval(double lo, double hi, double confidence) {
  std::string a = format_number(lo), b = format_number(hi);
  return format_number(confidence * 100) + "% CI " + a + (lo < 0 || hi < 0 ? " to " : "-") + b;
}

namespace {

void judge_slope(const Check& c, const Series& s, int mi, Verdict& v) {
  bool per_event = !c.per_event.empty();
  SlopeFit f = fit_slope(c, s, mi);
  v.window_start = f.window_start;
  v.window_end = f.window_end;
  v.samples = f.samples;
  if (per_event && f.samples > 0) v.events = f.span;
  if (!f.error.empty()) return void(v = error(v, f.error));
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

  // The slope in the check's own unit.
  double scale = slope_scale(c);
  std::string unit = slope_unit(c);
  auto rate = [&](double r) { return format_number(r * scale) + unit; };
  std::string est = rate(all.slope) + " (" + interval(all.low * scale, all.high * scale) + "), limit " +
                    format_number(c.limit * scale);
  std::string over = signed_number(v.growth) + " over " +
                     (per_event ? format_number(span) + " " + c.per_event : format_duration(span));

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
    v.sentence = c.metric + how + est;
  } else if (!persists) {
    v.outcome = Outcome::Pass;
    v.sentence = c.metric + " levelled off: " + rate(f.early.slope) + " in the earlier half of the window, " +
                 rate(f.late.slope) + " (" + interval(f.late.low * scale, f.late.high * scale, kLevelConfidence) +
                 ") in the later half; " + est;
  } else {
    v.outcome = Outcome::Pass;
    v.sentence = c.metric + " rose only " + over + " (min_growth " + format_number(min_growth) + "): " + est;
  }
}

void judge_growth(const Check& c, const Series& s, int mi, Verdict& v) {
  Window w;
  if (!c.phases.empty()) {
    w = named_phases(c, s);
    if (!w.error.empty()) return void(v = error(v, w.error));
  } else {
    // From the first workload to the end of the run: the end level is taken after the
    // phases that follow the churn, so deferred teardown has had its time.
    Window wl = workload_phases(s);
    if (wl.spans.empty()) return void(v = error(v, "no phase runs workloads, so no baseline before them"));
    double end = s.phases.empty() ? run_end(s) : s.phases.back().end;
    w.spans.push_back({wl.start(), std::max(end, wl.end())});
  }
  v.window_start = w.start();
  v.window_end = w.end();
  const auto& vals = s.values[mi];
  std::vector<double> before, in;
  for (size_t i = 0; i < s.t.size() && i < vals.size(); i++) {
    if (!available(vals[i])) continue;
    if (s.t[i] < w.start()) before.push_back(vals[i]);
    if (w.contains(s.t[i])) in.push_back(vals[i]);
  }
  v.samples = in.size();
  if (before.empty())
    return void(v = error(v, "no sample before " + format_number(w.start()) + "s to take a baseline from"));
  if (in.empty())
    return void(
        v = error(v, "no sample in the window " + format_number(w.start()) + "s-" + format_number(w.end()) + "s"));
  v.baseline = median(before);
  v.end_level = median(std::vector<double>(in.end() - tail_count(in.size()), in.end()));
  v.peak = *std::max_element(in.begin(), in.end());
  v.growth = v.end_level - v.baseline;
  v.outcome = v.growth > c.limit ? Outcome::Fail : Outcome::Pass;
  v.sentence = c.metric + (v.outcome == Outcome::Fail ? " grew " : " changed ") + signed_number(v.growth) + " (from " +
               format_number(v.baseline) + " to " + format_number(v.end_level) + "), limit " + format_number(c.limit);
}

void judge_max(const Check& c, const Series& s, int mi, Verdict& v) {
  Window w;
  if (!c.phases.empty()) {
    w = named_phases(c, s);
    if (!w.error.empty()) return void(v = error(v, w.error));
  }
  const auto& vals = s.values[mi];
  double peak = -std::numeric_limits<double>::infinity(), when = 0;
  size_t n = 0;
  for (size_t i = 0; i < s.t.size() && i < vals.size(); i++) {
    if (!available(vals[i]) || (!w.spans.empty() && !w.contains(s.t[i]))) continue;
    n++;
    if (vals[i] > peak) peak = vals[i], when = s.t[i];
  }
  v.window_start = w.spans.empty() ? (s.t.empty() ? 0 : s.t.front()) : w.start();
  v.window_end = w.spans.empty() ? (s.t.empty() ? 0 : s.t.back()) : w.end();
  v.samples = n;
  if (n == 0) return void(v = error(v, "no sample in the window"));
  v.peak = peak;
  v.outcome = peak > c.limit ? Outcome::Fail : Outcome::Pass;
  v.sentence = c.metric + " peaked at " + format_number(peak) + " at " + format_duration(when) + ", limit " +
               format_number(c.limit);
}

void judge_residue(const Check& c, const Series& s, int mi, Verdict& v) {
  double pre = (size_t)mi < s.pre_launch.size() ? s.pre_launch[mi] : kNaN;
  double post = (size_t)mi < s.post_settle.size() ? s.post_settle[mi] : kNaN;
  v.window_start = 0;
  v.window_end = s.settle_end;
  if (!available(pre) || !available(post)) {
    v.outcome = c.required ? Outcome::Error : Outcome::Skipped;
    v.sentence = c.metric + " unmeasured: no census " + (!available(pre) ? "before launch" : "after settle");
    return;
  }
  v.baseline = pre;
  v.end_level = post;
  v.growth = post - pre;
  v.outcome = v.growth > c.limit ? Outcome::Fail : Outcome::Pass;
  std::string nums = "(";
  nums +=
      format_number(pre) + " before launch, " + format_number(post) + " after settle), limit " + format_number(c.limit);
  v.sentence = v.outcome == Outcome::Fail ? c.metric + " left " + signed_number(v.growth) + " behind " + nums
                                          : c.metric + " residue " + signed_number(v.growth) + " " + nums;
}

}  // namespace

Verdict judge_check(const Check& c, const Series& s) {
  Verdict v;
  v.check = c;
  if (v.check.text.empty()) v.check.text = describe_check(c);
  // Numbers a check type does not produce stay NaN, never a silent zero.
  v.slope = v.ci_low = v.ci_high = v.growth = v.baseline = v.end_level = v.peak = v.events = kNaN;
  try {
    int mi = s.metric_index(c.metric);
    if (c.type == CheckType::MaxResidue) {
      // A system census may exist without samples: only the census matters here.
      if (mi < 0 || ((size_t)mi < s.unavailable.size() && !s.unavailable[mi].empty())) {
        measured(c, s, mi, v);
        return v;
      }
      judge_residue(c, s, mi, v);
      return v;
    }
    if (!measured(c, s, mi, v)) return v;
    switch (c.type) {
      case CheckType::MaxSlope: judge_slope(c, s, mi, v); break;
      case CheckType::MaxGrowth: judge_growth(c, s, mi, v); break;
      case CheckType::Max: judge_max(c, s, mi, v); break;
      case CheckType::MaxResidue: break;
    }
  } catch (const std::exception& e) {
    v = error(v, std::string("internal error while judging: ") + e.what());
  }
  return v;
}

std::vector<Verdict> judge_checks(const std::vector<Check>& checks, const Series& s) {
  std::vector<Verdict> out;
  out.reserve(checks.size());
  for (const auto& c : checks) out.push_back(judge_check(c, s));
  return out;
}

}  // namespace lg
