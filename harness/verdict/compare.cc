// SPDX-License-Identifier: MIT
// Comparing recorded runs check by check. Why the rule is what it is:
// - A leak is a slope, and each run already has one with a 95% interval (Theil-Sen, Sen's
//   interval widened for correlated noise: theil_sen.cc). Two runs have different time axes
//   and event counts, so slopes are compared, never samples.
// - "Worse" asks whether the candidate's slope is above the baseline's. The difference of the
//   slopes gets its own interval by MOVER (Zou & Donner 2008: each bound of a difference from
//   the facing bounds of the two intervals, which may be asymmetric, as Sen's are), at 99%:
//   two runs of one version must come out "same" 99% of the time even when several checks
//   grow. Asking the two 95% intervals to separate is about as strict for equal widths
//   (z = 2.77) but much less for unequal ones, and cannot be set to a confidence; the accuracy
//   table measures both.
// - A run whose growth levelled off (a cache at its cap, a start-up step: its own verdict's
//   persistence test) is compared on its later half: what it keeps doing. A bigger cache is not
//   a leak; a leak after a cache is one.
// - One run's interval says how well it measured its own slope. Two runs of one version whose
//   leak hits at random differ by the randomness of the hits: for counts of objects each
//   interval is widened by the Poisson variance of the count.
// - As in a single run's verdict, a significant difference is not enough: the extra growth
//   must reach the check's min_growth.
// - Checks without a slope (max_growth, max, max_residue) have no interval to compare: only a
//   change of their verdict counts.
#include "harness/verdict/compare.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "harness/base/units.h"
#include "harness/verdict/check_type.h"
#include "harness/verdict/judge.h"
#include "harness/verdict/window.h"

namespace lg {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Normal quantiles: each run's figure has a 95% interval, the difference is tested at 99%
// (two-sided; 0.5% per direction), since a pair of runs of one version must come out "same"
// at least 99% of the time whatever the number of checks that grow.
constexpr double kZ95 = 1.959964, kZ99 = 2.575829;

bool judged(const Verdict& v) { return v.outcome == Outcome::Pass || v.outcome == Outcome::Fail; }

// "980 (970-990)" in the unit of the limit, with the 95% interval; "in its later half" when
// the run levelled off.
std::string rate_text(const GrowthRate& g, double scale, const std::string& unit) {
  double lo = g.low * scale, hi = g.high * scale;
  return format_number(g.slope * scale) + " (" + format_number(lo) + (lo < 0 || hi < 0 ? " to " : "-") +
         format_number(hi) + ")" + unit + (g.levelled ? " in its later half" : "");
}

// Counts of objects (fds, maps, processes...) vary from run to run by the randomness of what
// creates them; bytes do not count anything one by one.
bool counts_objects(const Series& s, int m) { return m >= 0 && ((size_t)m >= s.units.size() || s.units[m] != "bytes"); }

std::string span_text(const Check& c, double span) {
  return c.per_event.empty() ? format_duration(span) : format_number(span) + " " + c.per_event;
}

void compare_levels(CheckComparison& r) {
  const Verdict &b = r.runs[0], &c = r.runs[1];
  double fb = level_figure(b), fc = level_figure(c);
  r.excess = fc - fb;
  bool bfail = b.outcome == Outcome::Fail, cfail = c.outcome == Outcome::Fail;
  auto fig = [&](double f) { return r.check.type == CheckType::Max ? format_number(f) : signed_number(f); };
  std::string nums = fig(fc) + " against " + fig(fb) + " in the baseline, limit " + format_number(r.check.limit);
  std::string what = r.check.metric + " " +
                     (r.check.type == CheckType::Max         ? "peak"
                      : r.check.type == CheckType::MaxGrowth ? "growth"
                                                             : "residue");
  if (cfail && !bfail) {
    r.change = Change::Worse;
    r.sentence = what + " fails now: " + nums;
  } else if (bfail && !cfail) {
    r.change = Change::Better;
    r.sentence = what + " passes now: " + nums;
  } else {
    r.change = Change::Same;
    r.sentence = what + (cfail ? " fails in both runs: " : " passes in both runs: ") + nums;
  }
}

void compare_slopes(CheckComparison& r, CompareRule rule) {
  const Check& cc = r.check;
  const GrowthRate &b = r.rates[0], &c = r.rates[1];
  if (!std::isfinite(b.slope) || !std::isfinite(c.slope)) {  // judged above, so only a defect gets here
    r.change = Change::Incomparable;
    r.sentence =
        cc.metric + ": not comparable: no growth rate in the " + (std::isfinite(b.slope) ? "candidate" : "baseline");
    return;
  }
  double d = c.slope - b.slope;
  double lo, hi;
  if (rule == CompareRule::Difference) {
    // MOVER: each bound from the facing half-widths of the two 95% intervals, stretched to the
    // test's 99%.
    const double k = kZ99 / kZ95;
    lo = d - k * std::hypot(c.slope - c.low, b.high - b.slope);
    hi = d + k * std::hypot(c.high - c.slope, b.slope - b.low);
  } else {
    lo = c.low - b.high;
    hi = c.high - b.low;
  }
  r.diff = d;
  r.diff_low = lo;
  r.diff_high = hi;

  double scale = limit_scale(cc);
  std::string unit = limit_unit(cc);
  double min_growth = min_growth_of(cc);
  std::string figures = rate_text(c, scale, unit) + " against " + rate_text(b, scale, "");
  if (!(lo > 0) && !(hi < 0)) {
    r.excess = d * c.span;
    r.change = Change::Same;
    r.sentence = cc.metric + " no significant difference: " + figures + "; difference " + signed_number(d * scale) +
                 " (" + interval_text(lo * scale, hi * scale, rule == CompareRule::Difference ? 0.99 : 0.95) + ")";
    return;
  }
  // The extra growth over the window of the run that grew faster.
  bool up = lo > 0;
  const GrowthRate& more = up ? c : b;
  r.excess = d * more.span;
  std::string extra =
      format_number(std::fabs(r.excess)) + (up ? " more" : " less") + " over " + span_text(cc, more.span);
  if (std::fabs(r.excess) < min_growth) {
    r.change = Change::Same;
    r.sentence = cc.metric + (up ? " grows faster" : " grows slower") + ", but only " + extra + " (min_growth " +
                 format_number(min_growth) + "): " + figures;
  } else {
    r.change = up ? Change::Worse : Change::Better;
    r.sentence = cc.metric + (up ? " grows faster: " : " grows slower: ") + figures + "; " + extra;
  }
}

}  // namespace

const std::vector<ChangeInfo>& changes() {
  static const std::vector<ChangeInfo> table = {
      {Change::Same, "same", "#546e7a"},
      {Change::Worse, "worse", "#c62828"},
      {Change::Better, "better", "#2e7d32"},
      {Change::Incomparable, "n/a", "#757575"},
  };
  return table;
}

const ChangeInfo& change_info(Change c) { return changes()[(size_t)c]; }

const char* change_name(Change c) { return change_info(c).word; }

int Comparison::count(Change c) const {
  int n = 0;
  for (const auto& k : checks) n += k.change == c;
  return n;
}

std::string check_key(const Check& c) {
  std::string k = c.metric + '\n' + std::to_string((int)c.type) + '\n';
  if (c.type == CheckType::MaxSlope) k += c.per_event.empty() ? std::string("\ttime") : c.per_event;
  for (const auto& p : c.phases) k += '\n' + p;
  return k;
}

std::string limit_unit(const Check& c) {
  if (c.per_event.empty()) return c.per_time_unit == "min" ? "/min" : "/s";
  char buf[32];
  snprintf(buf, sizeof buf, "%g", c.per_event_scale);
  return c.per_event_scale == 1 ? " per " + c.per_event : std::string(" per ") + buf + " " + c.per_event;
}

double limit_scale(const Check& c) {
  if (c.per_event.empty()) return c.per_time_unit == "min" ? 60 : 1;
  return c.per_event_scale > 0 ? c.per_event_scale : 1;
}

double level_figure(const Verdict& v) {
  switch (v.check.type) {
    case CheckType::MaxGrowth:
    case CheckType::MaxResidue: return v.growth;
    case CheckType::Max: return v.peak;
    case CheckType::MaxSlope: break;
  }
  return kNaN;
}

GrowthRate growth_rate(const Check& c, const Series& s) {
  GrowthRate g;
  g.slope = g.low = g.high = kNaN;
  int m = s.metric_index(c.metric);
  if (c.type != CheckType::MaxSlope || m < 0) return g;
  SlopeFit f = fit_slope(c, s, m);
  if (!f.error.empty()) return g;
  g.span = f.span;
  SlopeEstimate e = f.all;
  double over = f.span;
  // It grew, then levelled off (the persistence test of the run's own verdict, whatever the
  // limit): what it keeps doing is its later half. "It grew": its slope, or its level by
  // min_growth at least. A cache that filled early has a whole-window interval too wide (steps
  // are correlated noise) to say so by its slope, and that width would hide a leak in the
  // other run.
  bool grew = f.all.low > 0 || f.end_level - f.baseline >= min_growth_of(c);
  if (grew && !f.persists(0)) {
    SlopeEstimate late = theil_sen(f.late_x, f.late_y, 0.95);
    if (late.n >= 3 && f.late_x.size() >= 2) {
      e = late;
      over = f.late_x.back() - f.late_x.front();
      g.levelled = true;
    }
  }
  g.slope = e.slope;
  g.low = e.low;
  g.high = e.high;
  // A count that grows at rate r over a span x is Poisson with variance r*x when what adds to it
  // happens at random: the rate from its two ends has variance r/x, a slope fitted through the
  // whole walk 6/5 of that (the least-squares slope of a Brownian motion). Added to the
  // interval's own.
  if (counts_objects(s, m) && over > 0 && g.slope > 0) {
    double z = kZ95 * std::sqrt(1.2 * g.slope / over);
    g.low = g.slope - std::hypot(g.slope - g.low, z);
    g.high = g.slope + std::hypot(g.high - g.slope, z);
  }
  return g;
}

CheckComparison compare_check(const Check& bc, const Series& bs, const Check& cc, const Series& cs, CompareRule rule) {
  CheckComparison r;
  r.check = cc;
  r.check.text = check_words(cc);
  r.runs = {judge_check(bc, bs), judge_check(cc, cs)};
  r.recorded = {true, true};
  r.diff = r.diff_low = r.diff_high = r.excess = kNaN;
  for (size_t i = 0; i < 2; i++)
    if (!judged(r.runs[i])) {
      r.change = Change::Incomparable;
      r.sentence = std::string("not comparable: ") + (i == 0 ? "the baseline" : "the candidate") +
                   " could not judge it (" + r.runs[i].sentence + ")";
      return r;
    }
  if (cc.type == CheckType::MaxSlope) {
    r.rates = {growth_rate(bc, bs), growth_rate(cc, cs)};
    compare_slopes(r, rule);
  } else {
    compare_levels(r);
  }
  return r;
}

Comparison compare_runs(const std::vector<const Series*>& runs, const std::vector<std::vector<Check>>& checks,
                        CompareRule rule) {
  Comparison out;
  size_t n = std::min(runs.size(), checks.size());
  if (n < 2) return out;
  // Where the j-th check with a given key stands in each run (a scenario may judge one metric
  // twice the same way with two limits: they pair in order).
  auto find = [&](size_t run, const std::string& key, int nth) -> const Check* {
    for (const auto& c : checks[run])
      if (check_key(c) == key && nth-- == 0) return &c;
    return nullptr;
  };
  size_t bi = n - 2, ci = n - 1;
  std::map<std::string, int> seen;
  for (const auto& cc : checks[ci]) {
    std::string key = check_key(cc);
    int nth = seen[key]++;
    const Check* bc = find(bi, key, nth);
    if (!bc) {
      out.only_cand.push_back(check_words(cc));
      continue;
    }
    CheckComparison k = compare_check(*bc, *runs[bi], cc, *runs[ci], rule);
    std::vector<Verdict> all;
    std::vector<bool> recorded;
    std::vector<GrowthRate> rates;
    bool slope = cc.type == CheckType::MaxSlope;
    for (size_t i = 0; i < n; i++) {
      if (i == bi || i == ci) {
        all.push_back(k.runs[i == bi ? 0 : 1]);
        recorded.push_back(true);
        if (slope) rates.push_back(k.rates.size() == 2 ? k.rates[i == bi ? 0 : 1] : growth_rate(cc, *runs[i]));
        continue;
      }
      const Check* c = find(i, key, nth);
      if (slope) rates.push_back(c ? growth_rate(*c, *runs[i]) : GrowthRate{kNaN, kNaN, kNaN, 0, false});
      if (c) {
        all.push_back(judge_check(*c, *runs[i]));
      } else {
        Verdict v;
        v.check = cc;
        v.outcome = Outcome::Skipped;
        v.sentence = "not recorded in this run";
        v.slope = v.ci_low = v.ci_high = v.growth = v.baseline = v.end_level = v.peak = v.events = kNaN;
        all.push_back(v);
      }
      recorded.push_back(c != nullptr);
    }
    k.runs = std::move(all);
    k.recorded = std::move(recorded);
    k.rates = std::move(rates);
    out.checks.push_back(std::move(k));
  }
  seen.clear();
  for (const auto& bc : checks[bi]) {
    std::string key = check_key(bc);
    if (!find(ci, key, seen[key]++)) out.only_base.push_back(check_words(bc));
  }
  return out;
}

}  // namespace lg
