// SPDX-License-Identifier: MIT
// max_residue: the system census after the target stopped and the system settled, minus the
// one before launch, must stay at or under the limit (docs/verdicts.md).
#include "harness/base/units.h"
#include "harness/verdict/check_type.h"
#include "harness/verdict/judge.h"
#include "harness/verdict/window.h"

namespace lg {

namespace {

void judge(const Check& c, const Series& s, int mi, Verdict& v) {
  double pre = (size_t)mi < s.pre_launch.size() ? s.pre_launch[mi] : kUnavailable;
  double post = (size_t)mi < s.post_settle.size() ? s.post_settle[mi] : kUnavailable;
  v.window_start = 0;
  v.window_end = s.settle_end;
  // No settle, no residue: what is left then is still being torn down (the run's own
  // namespaces after an interruption), not a leak. Not judged, whatever `required` says: the
  // reason (the interruption) is reported as an error of its own.
  if (!s.unsettled.empty()) {
    v.outcome = Outcome::Skipped;
    v.sentence = c.metric + " not judged (" + s.unsettled + ")";
    return;
  }
  if (!available(pre) || !available(post)) {
    v.outcome = c.required ? Outcome::Error : Outcome::Skipped;
    v.sentence = c.metric + " unmeasured: no census " + (!available(pre) ? "before launch" : "after settle");
    return;
  }
  // The level after settle, robust like max_growth's: the samples from the stop to the residue
  // census (sampling goes on while the system settles) fell back to it, or hold it.
  EndLevel e;
  if (s.stop >= 0 && (size_t)mi < s.values.size()) {
    std::vector<double> after;
    for (size_t i = 0; i < s.t.size() && i < s.values[mi].size(); i++)
      if (s.t[i] >= s.stop && available(s.values[mi][i])) after.push_back(s.values[mi][i]);
    if (after.size() >= 5) {
      after.push_back(post);
      e = robust_end_level(after, c.limit);
    }
  }
  if (!e.fell_back || e.level >= post) e = EndLevel{post, post, false};
  v.baseline = pre;
  v.end_level = e.level;
  v.growth = e.level - pre;
  v.outcome = v.growth > c.limit ? Outcome::Fail : Outcome::Pass;
  Fmt f = fmt_for(s, mi);
  std::string nums = "(";
  nums += f(pre) + " before launch, " + f(e.level) + " after settle" +
          (e.fell_back ? " (the level it fell back to; the last census reads " + f(post) + ")" : "") + "), limit " +
          f(c.limit);
  v.sentence = v.outcome == Outcome::Fail ? c.metric + " left " + f.signed_(v.growth) + " behind " + nums
                                          : c.metric + " residue " + f.signed_(v.growth) + " " + nums;
}

}  // namespace

extern const CheckTypeInfo max_residue_check = {
    CheckType::MaxResidue,
    "max_residue",
    "the system census after the target stopped and the system settled, minus the one before launch, must stay at "
    "or under the limit",
    nullptr,
    amount_words,
    judge,
    /*needs_samples=*/false,
    /*takes_min_growth=*/false,
};

}  // namespace lg
