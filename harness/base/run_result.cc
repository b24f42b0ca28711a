// SPDX-License-Identifier: MIT
#include "harness/base/run_result.h"

#include <cstdio>

namespace lg {
bool RunResult::failed() const {
  if (interrupted || !environment_error.empty() || !escapes.empty()) return true;
  for (const auto& v : verdicts)
    if (v.outcome == Outcome::Fail || v.outcome == Outcome::Error) return true;
  for (const auto& s : lifecycle)
    if (!s.ok && !s.skipped) return true;
  for (const auto& w : workloads)
    if (!w.error.empty()) return true;
  return false;
}

Outcome step_outcome(const LifecycleStep& s) {
  return s.skipped ? Outcome::Skipped : s.ok ? Outcome::Pass : Outcome::Error;
}

Outcome workload_outcome(const WorkloadReport& w) { return w.error.empty() ? Outcome::Pass : Outcome::Error; }

std::vector<LifecycleStep> reported_steps(const RunResult& r) {
  std::vector<LifecycleStep> steps = r.lifecycle;
  if (steps.empty() && r.target_argv.empty() && r.environment_error.empty())
    for (const char* s : {"started", "became ready", "stopped cleanly"})
      steps.push_back({s, true, true, "no target: system-only scenario", "", 0});
  return steps;
}

OutcomeCounts count_outcomes(const RunResult& r) {
  OutcomeCounts n;
  auto add = [&](Outcome o) {
    n.tests++;
    switch (o) {
      case Outcome::Pass: n.passed++; break;
      case Outcome::Fail: n.failed++; break;
      case Outcome::Error: n.errors++; break;
      case Outcome::Skipped: n.skipped++; break;
    }
  };
  if (!r.environment_error.empty()) add(Outcome::Error);
  if (r.interrupted) add(Outcome::Error);
  if (!r.escapes.empty()) add(Outcome::Error);
  for (const auto& s : reported_steps(r)) add(step_outcome(s));
  for (const auto& w : r.workloads) add(workload_outcome(w));
  for (const auto& v : r.verdicts) add(v.outcome);
  return n;
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
