// SPDX-License-Identifier: MIT
// max_slope: growth per event of a workload kind ("1 per 1000 netns") or per unit of time
// ("0.5/s", "2/min") must stay at or under the limit. The method is docs/verdicts.md,
// "max_slope"; the comments here say why each rule exists.
#include <algorithm>
#include <cmath>
#include <limits>

#include "harness/base/fs.h"
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

// "1 per 1000 netns", "2 per netns", "0.5/s", "2/min". The event kind is checked against the
// scenario's workloads by the loader.
std::vector<std::string> parse(const std::string& text, Check& c) {
  const std::string usage = "write '1 per 1000 netns' (per event of a workload kind) or '0.5/s', '2/min'";
  std::vector<std::string> problems;
  std::vector<std::string> words;
  for (const auto& w : split(trim(text), ' '))
    if (!w.empty()) words.push_back(w);
  auto per = std::find(words.begin(), words.end(), "per");
  if (per != words.end()) {
    size_t at = per - words.begin();
    double a = 1, b = 1;
    bool ok = true;
    if (at == 1)
      ok &= plain_number(words[0], a);
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
    c.per_event = kind;
    c.per_event_scale = b > 0 ? b : 1;
    c.limit = a / c.per_event_scale;
    return problems;
  }
  size_t slash = text.find('/');
  if (slash == std::string::npos) return {"max_slope: '" + text + "' has no unit; " + usage};
  std::string unit = trim(text.substr(slash + 1));
  double a;
  if (!plain_number(trim(text.substr(0, slash)), a) || (unit != "s" && unit != "sec" && unit != "min" && unit != "m"))
    return {"max_slope: bad slope '" + text + "'; " + usage};
  if (a < 0) return {"max_slope must be zero or more, got '" + text + "'"};
  c.per_time_unit = unit == "min" || unit == "m" ? "min" : "s";
  c.limit = c.per_time_unit == "min" ? a / 60 : a;
  return problems;
}

std::string limit_words(const Check& c) {
  if (!c.per_event.empty())
    return plain(c.limit * c.per_event_scale) + " per " + plain(c.per_event_scale) + " " + c.per_event;
  if (c.per_time_unit == "min") return plain(c.limit * 60) + "/min";
  return plain(c.limit) + "/s";
}

void judge(const Check& c, const Series& s, int mi, Verdict& v) {
  bool per_event = !c.per_event.empty();
  int ek = per_event ? s.event_index(c.per_event) : -1;
  if (per_event && (ek < 0 || (size_t)ek >= s.events.size())) {
    v = error_verdict(v, "no '" + c.per_event + "' events recorded (workload kinds: " + joined(s.event_kinds) + ")");
    return;
  }
  Window w;
  if (!named_window(c, s, w, v)) return;
  if (c.phases.empty()) w = workload_phases(s);
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
    if (per_event) return void(v = error_verdict(v, "no phase runs workloads, so no window for a per-event slope"));
    w.spans.push_back({0, run_end(s)});  // per time, nothing runs: the whole run
  }
  v.window_start = w.start();
  v.window_end = w.end();

  std::vector<double> x, y;
  const auto& vals = s.values[mi];
  for (size_t i = 0; i < s.t.size() && i < vals.size(); i++) {
    if (!w.contains(s.t[i]) || !std::isfinite(vals[i])) continue;
    double xi = per_event ? (i < s.events[ek].size() ? s.events[ek][i] : kNaN) : s.t[i];
    if (!std::isfinite(xi)) continue;
    x.push_back(xi);
    y.push_back(vals[i]);
  }
  v.samples = x.size();
  if (x.empty())
    return void(v = error_verdict(
                    v, "no sample in the window " + format_number(w.start()) + "s-" + format_number(w.end()) + "s"));
  double x0 = *std::min_element(x.begin(), x.end()), x1 = *std::max_element(x.begin(), x.end());
  double span = x1 - x0;
  if (per_event) v.events = span;
  if (span <= 0) {
    if (per_event) return void(v = error_verdict(v, "no '" + c.per_event + "' events in the window"));
    return void(v = error_verdict(v, "the window holds a single instant"));
  }
  for (auto& xi : x) xi -= x0;

  // Start and end levels of the window, for the record (in time order, before reduction).
  size_t k = tail_count(y.size());
  v.baseline = median(std::vector<double>(y.begin(), y.begin() + k));
  v.end_level = median(std::vector<double>(y.end() - k, y.end()));
  v.peak = *std::max_element(y.begin(), y.end());

  // Reduce once (see theil_sen.cc) so the window and its halves share the same points.
  reduce_points(x, y, kMaxSlopePoints);
  SlopeEstimate all = theil_sen(x, y, kConfidence);
  if (all.n < 3)
    return void(
        v = error_verdict(v, "only " + std::to_string(all.n) + " distinct points in the window, too few for a slope"));

  // Persistence: a leak keeps growing, a bounded cache or a start-up step levels off.
  // The two halves of the window (by x) are fitted on their own.
  std::vector<double> ex, ey, lx, ly;
  for (size_t i = 0; i < x.size(); i++) {
    if (x[i] < span / 2)
      ex.push_back(x[i]), ey.push_back(y[i]);
    else
      lx.push_back(x[i]), ly.push_back(y[i]);
  }
  SlopeEstimate early = theil_sen(ex, ey, kConfidence), late = theil_sen(lx, ly, kLevelConfidence);

  v.slope = all.slope;
  v.ci_low = all.low;
  v.ci_high = all.high;
  // Growth is the fitted rise over the window: robust to the spikes and phase of the
  // ends that a difference of end levels would pick up.
  v.growth = all.slope * span;

  double min_growth = c.min_growth >= 0 ? c.min_growth : kDefaultMinGrowth;
  bool significant = all.low > c.limit;
  // Levelled off: the later half grows significantly slower than a quarter of the earlier
  // half's rate, or significantly slower than the limit. A leak keeps growing (its late
  // interval reaches past a quarter of the early rate, even if it slowed down); a cache that
  // hit its cap, or a start-up step, does not.
  bool halves = early.n >= 3 && late.n >= 3;
  bool persists = !halves || late.high >= std::max(c.limit, early.slope / 4);
  bool big = v.growth >= min_growth;

  // The slope in the check's own unit.
  double scale = per_event ? 1 : (c.per_time_unit == "min" ? 60 : 1);
  std::string unit = per_event ? " per " + c.per_event : (c.per_time_unit == "min" ? "/min" : "/s");
  auto rate = [&](double r) { return format_number(r * scale) + unit; };
  std::string est = rate(all.slope) + " (" + interval_text(all.low * scale, all.high * scale, kConfidence) +
                    "), limit " + format_number(c.limit * scale);
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
    v.sentence = c.metric + " levelled off: " + rate(early.slope) + " in the earlier half of the window, " +
                 rate(late.slope) + " (" + interval_text(late.low * scale, late.high * scale, kLevelConfidence) +
                 ") in the later half; " + est;
  } else {
    v.outcome = Outcome::Pass;
    v.sentence = c.metric + " rose only " + over + " (min_growth " + format_number(min_growth) + "): " + est;
  }
}

}  // namespace

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
