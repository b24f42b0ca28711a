// SPDX-License-Identifier: MIT
#include "harness/base/check.h"

namespace lg {

const std::vector<OutcomeInfo>& outcomes() {
  static const std::vector<OutcomeInfo> t = {
      {Outcome::Pass, "PASS", "pass", "#2e7d32"},
      {Outcome::Fail, "FAIL", "fail", "#c62828"},
      {Outcome::Error, "ERROR", "error", "#b45309"},
      {Outcome::Skipped, "SKIP", "skipped", "#757575"},
  };
  return t;
}

const OutcomeInfo& outcome_info(Outcome o) { return outcomes()[static_cast<size_t>(o)]; }

const char* outcome_name(Outcome o) { return outcome_info(o).word; }

const OutcomeInfo* find_outcome_key(const std::string& key) {
  for (const auto& o : outcomes())
    if (key == o.key) return &o;
  return nullptr;
}

}  // namespace lg
