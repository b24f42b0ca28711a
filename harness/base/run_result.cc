// SPDX-License-Identifier: MIT
#include "harness/base/run_result.h"

namespace lg {
bool RunResult::failed() const {
  if (interrupted || !environment_error.empty()) return true;
  for (const auto& v : verdicts)
    if (v.outcome == Outcome::Fail || v.outcome == Outcome::Error) return true;
  for (const auto& s : lifecycle)
    if (!s.ok && !s.skipped) return true;
  for (const auto& w : workloads)
    if (!w.error.empty()) return true;
  return false;
}
}  // namespace lg
