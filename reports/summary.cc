// SPDX-License-Identifier: MIT
// The console summary at the end of `run` and `judge`: what a human reads first in a CI log.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "harness/base/units.h"

#include "harness/verdict/check_type.h"
#include "reports/report.h"
#include "reports/text.h"

namespace lg {

namespace {
void line(std::string& out, const char* word, const std::string& what, const std::string& sentence) {
  char buf[8];
  snprintf(buf, sizeof buf, "%-5s", word);
  out += buf;
  out += "  " + clean_line(what);
  if (!sentence.empty()) out += "  " + clean_line(sentence);
  out += '\n';
}
std::string num(double v) { return format_number(v); }

}  // namespace

std::string verdict_numbers(const Verdict& v) {
  const Check& c = v.check;
  std::ostringstream o;
  std::string per = c.per_event.empty() ? "/s" : " per " + c.per_event;
  o << "check: " << check_words(c) << "\n";
  if (c.type == CheckType::MaxSlope && std::isfinite(v.slope)) {
    o << "slope: " << num(v.slope) << per;
    if (std::isfinite(v.ci_low) && std::isfinite(v.ci_high))
      o << " (95% interval " << num(v.ci_low) << " .. " << num(v.ci_high) << ")";
    o << "\nlimit: " << num(c.limit) << per << "\n";
  } else {
    o << "limit: " << num(c.limit) << "\n";
  }
  auto line = [&](const char* name, double x) {
    if (std::isfinite(x)) o << name << ": " << num(x) << "\n";
  };
  line("growth", v.growth);
  line("baseline", v.baseline);
  line("end level", v.end_level);
  line("peak", v.peak);
  if (!c.per_event.empty()) line((c.per_event + " events").c_str(), v.events);
  o << "samples: " << v.samples << "\n";
  if (std::isfinite(v.window_start) && std::isfinite(v.window_end) && v.window_end > v.window_start)
    o << "window: " << format_fixed(v.window_start, 1) << "s .. " << format_fixed(v.window_end, 1) << "s\n";
  return o.str();
}

std::string console_summary(const RunResult& r, const std::vector<std::string>& written,
                            const std::string& write_error) {
  std::string out;
  out += "scenario " + clean_line(r.scenario) + ":\n";
  for (const auto& n : r.notes) line(out, "NOTE", "leakguard", n);
  if (!r.environment_error.empty()) line(out, "ERROR", "environment", r.environment_error);
  for (const auto& w : r.warnings) line(out, "WARN", "run", w);
  for (const auto& e : r.escapes) line(out, "ERROR", "target: stayed in its cgroup", e);
  for (const auto& s : r.lifecycle)
    if (!s.ok && !s.skipped) line(out, "ERROR", "target " + s.name, s.message);
  for (const auto& w : r.workloads) {
    if (!w.error.empty()) line(out, "ERROR", "workload " + w.phase + "/" + w.label(), w.error);
    for (const auto& warn : w.warnings) line(out, "WARN", "workload " + w.phase + "/" + w.label(), warn);
  }
  for (const auto& v : r.verdicts) {
    line(out, outcome_name(v.outcome), check_words(v.check), v.sentence);
    const Diagnosis* d = r.diagnosis(v.check.metric);
    if (d && (v.outcome == Outcome::Fail || v.outcome == Outcome::Error))
      out += diagnosis_text(*d, {.indent = "       ", .max_sites = 5, .max_frames = 8, .modules = false});
  }
  if (r.interrupted) line(out, "ERROR", "run", "interrupted: the verdicts cover only what was recorded");
  if (!write_error.empty()) line(out, "ERROR", "reports", write_error);
  // The same counts as the JUnit testsuite and the HTML report (count_outcomes).
  OutcomeCounts n = count_outcomes(r);
  char buf[200];
  snprintf(buf, sizeof buf, "%s: %d passed, %d failed, %d errors, %d skipped (%d tests)\n",
           r.failed() || !write_error.empty() ? "FAILED" : "PASSED", n.passed, n.failed, n.errors, n.skipped, n.tests);
  out += buf;
  // Only what was written: a path printed here is a file a CI step may rely on.
  for (const char* name : {"/report.html", "/junit.xml", "/series.json"})
    for (const auto& w : written)
      if (w.size() > strlen(name) && w.compare(w.size() - strlen(name), strlen(name), name) == 0)
        out += std::string(out.find("\nreports: ") == std::string::npos ? "reports: " : "         ") + w + "\n";
  return out;
}

}  // namespace lg
