// SPDX-License-Identifier: MIT
// Judging a check against a recorded series: whether its metric can be judged at all, then its
// type's own judge (check_types.cc lists them). The methods are docs/verdicts.md.
#include "harness/verdict/judge.h"

#include <algorithm>
#include <exception>

#include "harness/verdict/check_type.h"
#include "harness/verdict/window.h"

namespace lg {

namespace {

// Is the metric recorded, measurable here and (for checks judged on samples) measured at
// least once? Fills the verdict and returns false when not.
bool measured(const Check& c, const Series& s, int mi, bool need_samples, Verdict& v) {
  std::string why;
  if (mi < 0) {
    why = "not recorded in this run";
  } else if ((size_t)mi < s.unavailable.size() && !s.unavailable[mi].empty()) {
    why = s.unavailable[mi];
  } else if (need_samples &&
             ((size_t)mi >= s.values.size() || std::none_of(s.values[mi].begin(), s.values[mi].end(), available))) {
    why = "no sample measured";
  }
  if (why.empty()) return true;
  v.outcome = c.required ? Outcome::Error : Outcome::Skipped;
  v.sentence = c.metric + " unmeasured: " + why;
  return false;
}

}  // namespace

Verdict judge_check(const Check& c, const Series& s) {
  Verdict v;
  v.check = c;
  if (v.check.text.empty()) v.check.text = describe_check(c);
  // Numbers a check type does not produce stay NaN, never a silent zero.
  v.slope = v.ci_low = v.ci_high = v.growth = v.baseline = v.end_level = v.peak = v.events = kUnavailable;
  try {
    const CheckTypeInfo& t = check_type(c.type);
    int mi = s.metric_index(c.metric);
    // A system census may exist without samples: residue needs only the census.
    if (measured(c, s, mi, t.needs_samples, v)) t.judge(c, s, mi, v);
  } catch (const std::exception& e) {
    v = error_verdict(v, std::string("internal error while judging: ") + e.what());
  }
  return v;
}

std::vector<Verdict> judge_checks(const std::vector<Check>& checks, const Series& s) {
  std::vector<Verdict> out;
  out.reserve(checks.size());
  for (const auto& c : checks) out.push_back(judge_check(c, s));
  return out;
}

bool judge_checks_full(const std::vector<Check>& checks, const Series& s, const ColumnSource& full,
                       std::vector<Verdict>& out, std::string& err) {
  out.clear();
  size_t n = full.rows();
  std::vector<double> t(n);
  if (!full.read(ColumnSource::kTime, 0, n, t.data(), err)) return false;
  for (const auto& c : checks) {
    int mi = s.metric_index(c.metric);
    if (mi < 0) {
      out.push_back(judge_check(c, s));  // says why it cannot be judged
      continue;
    }
    Series one;
    one.phases = s.phases;
    one.launch = s.launch;
    one.stop = s.stop;
    one.settle_end = s.settle_end;
    one.unsettled = s.unsettled;
    auto at = [](const std::vector<std::string>& v, int i) { return (size_t)i < v.size() ? v[i] : std::string(); };
    auto num = [](const std::vector<double>& v, int i) { return (size_t)i < v.size() ? v[i] : kUnavailable; };
    one.metrics = {c.metric};
    one.units = {at(s.units, mi)};
    one.unavailable = {at(s.unavailable, mi)};
    one.pre_launch = {num(s.pre_launch, mi)};
    one.post_settle = {num(s.post_settle, mi)};
    one.t = t;
    one.values.assign(1, std::vector<double>(n));
    if (!full.read((size_t)mi, 0, n, one.values[0].data(), err)) return false;
    int ek = c.per_event.empty() ? -1 : s.event_index(c.per_event);
    if (ek >= 0) {
      one.event_kinds = {c.per_event};
      one.events.assign(1, std::vector<double>(n));
      if (!full.read(s.metrics.size() + ek, 0, n, one.events[0].data(), err)) return false;
    } else {
      one.event_kinds = s.event_kinds;  // for the sentence of an unknown kind; no counts needed
      one.events.assign(s.event_kinds.size(), {});
    }
    out.push_back(judge_check(c, one));
  }
  return true;
}

}  // namespace lg
