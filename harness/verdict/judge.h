#pragma once
// Judging checks against a recorded series (docs/verdicts.md explains the method).
#include <string>
#include <vector>

#include "harness/base/check.h"
#include "harness/base/series.h"

namespace lg {

// Robust slope of y against x with a confidence interval (Theil-Sen with Sen's interval).
struct SlopeEstimate {
  double slope = 0, low = 0, high = 0;
  size_t n = 0;
};
SlopeEstimate theil_sen(const std::vector<double>& x, const std::vector<double>& y,
                        double confidence = 0.95);

// Judges one check. Never throws; a check that cannot be judged is Error or Skipped
// with the reason in the sentence.
Verdict judge_check(const Check& c, const Series& s);
std::vector<Verdict> judge_checks(const std::vector<Check>& checks, const Series& s);

// The checks applied when a scenario lists none, given the workload kinds its phases run,
// whether it has a target, and the names of the phases that have workloads.
std::vector<Check> default_checks(const std::vector<std::string>& event_kinds, bool has_target);


}  // namespace lg
