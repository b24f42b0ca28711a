// SPDX-License-Identifier: MIT
#include "harness/base/run_result.h"

#include <cstdio>

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

const Diagnosis* RunResult::diagnosis(const std::string& metric) const {
  for (const auto& d : diagnoses)
    if (d.metric == metric) return &d;
  return nullptr;
}

std::string frame_text(const Frame& f) {
  if (!f.function.empty()) {
    if (f.file.empty()) return f.function;
    return f.function + " (" + f.file + (f.line > 0 ? ":" + std::to_string(f.line) : "") + ")";
  }
  std::string mod = f.module.substr(f.module.rfind('/') + 1);
  char off[32];
  snprintf(off, sizeof off, "+0x%llx", (unsigned long long)f.offset);
  return (mod.empty() ? "?" : mod) + off;
}
}  // namespace lg
