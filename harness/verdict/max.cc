// SPDX-License-Identifier: MIT
// max: no sample of the window may be above the limit (docs/verdicts.md).
#include <limits>

#include "harness/base/units.h"
#include "harness/verdict/check_type.h"
#include "harness/verdict/window.h"

namespace lg {

namespace {

void judge(const Check& c, const Series& s, int mi, Verdict& v) {
  Window w;
  if (!named_window(c, s, w, v)) return;
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
  if (n == 0) return void(v = error_verdict(v, "no sample in the window"));
  v.peak = peak;
  v.outcome = peak > c.limit ? Outcome::Fail : Outcome::Pass;
  Fmt f = fmt_for(s, mi);
  v.sentence = c.metric + " peaked at " + f(peak) + " at " + format_duration(when) + ", limit " + f(c.limit);
  v.sentence = with_note(v.sentence, map_note(c, s));
}

}  // namespace

extern const CheckTypeInfo max_check = {
    CheckType::Max,
    "max",
    "the highest sample must stay at or under the limit",
    nullptr,
    amount_words,
    judge,
    /*needs_samples=*/true,
    /*takes_min_growth=*/false,
};

}  // namespace lg
