// SPDX-License-Identifier: MIT
// max_growth: the end level minus the baseline before the churn must stay at or under the
// limit (docs/verdicts.md, "max_growth, max, max_residue" and "The end level").
#include <algorithm>

#include "harness/base/stats.h"
#include "harness/base/units.h"
#include "harness/verdict/check_type.h"
#include "harness/verdict/judge.h"
#include "harness/verdict/window.h"

namespace lg {

namespace {

void judge(const Check& c, const Series& s, int mi, Verdict& v) {
  Window w;
  if (!named_window(c, s, w, v)) return;
  if (c.phases.empty()) {
    // From the first workload to the end of the run: the end level is taken after the
    // phases that follow the churn, so deferred teardown has had its time.
    Window wl = workload_phases(s);
    if (wl.spans.empty()) return void(v = error_verdict(v, "no phase runs workloads, so no baseline before them"));
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
    return void(v = error_verdict(v, "no sample before " + format_number(w.start()) + "s to take a baseline from"));
  if (in.empty())
    return void(v = error_verdict(
                    v, "no sample in the window " + format_number(w.start()) + "s-" + format_number(w.end()) + "s"));
  v.baseline = median(before);
  // The end level a sawtooth falls back to, wherever it ends (end_level.cc).
  EndLevel e = robust_end_level(in, c.limit);
  v.end_level = e.level;
  v.peak = *std::max_element(in.begin(), in.end());
  v.growth = v.end_level - v.baseline;
  v.outcome = v.growth > c.limit ? Outcome::Fail : Outcome::Pass;
  Fmt f = fmt_for(s, mi);
  v.sentence = c.metric + (v.outcome == Outcome::Fail ? " grew " : " changed ") + f.signed_(v.growth) + " (from " +
               f(v.baseline) + " to " + f(v.end_level) +
               (e.fell_back ? ", the level it last fell back to; the last samples stand at " + f(e.tail) : "") +
               "), limit " + f(c.limit);
  v.sentence = with_note(v.sentence, map_note(c, s));
}

}  // namespace

extern const CheckTypeInfo max_growth_check = {
    CheckType::MaxGrowth,
    "max_growth",
    "end level minus the baseline before the churn must stay at or under the limit",
    nullptr,
    amount_words,
    judge,
    /*needs_samples=*/true,
    /*takes_min_growth=*/false,
};

}  // namespace lg
