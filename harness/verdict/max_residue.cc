// SPDX-License-Identifier: MIT
// max_residue: the system census after the target stopped and the system settled, minus the
// one before launch, must stay at or under the limit (docs/verdicts.md).
#include "harness/base/units.h"
#include "harness/verdict/check_type.h"
#include "harness/verdict/window.h"

namespace lg {

namespace {

void judge(const Check& c, const Series& s, int mi, Verdict& v) {
  double pre = (size_t)mi < s.pre_launch.size() ? s.pre_launch[mi] : kUnavailable;
  double post = (size_t)mi < s.post_settle.size() ? s.post_settle[mi] : kUnavailable;
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
