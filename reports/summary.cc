// SPDX-License-Identifier: MIT
// The console summary at the end of `run` and `judge`: what a human reads first in a CI log.
#include <cmath>
#include <cstdio>
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

std::string console_summary(const RunResult& r) {
  std::string out;
  out += "scenario " + clean_line(r.scenario) + ":\n";
  if (!r.environment_error.empty()) line(out, "ERROR", "environment", r.environment_error);
  for (const auto& s : r.lifecycle)
    if (!s.ok && !s.skipped) line(out, "ERROR", "target " + s.name, s.message);
  for (const auto& w : r.workloads) {
    if (!w.error.empty()) line(out, "ERROR", "workload " + w.phase + "/" + w.kind, w.error);
    for (const auto& warn : w.warnings) line(out, "WARN", "workload " + w.phase + "/" + w.kind, warn);
  }
  int counts[4] = {0, 0, 0, 0};
  for (const auto& v : r.verdicts) {
    counts[(int)v.outcome]++;
    line(out, outcome_name(v.outcome), check_words(v.check), v.sentence);
    const Diagnosis* d = r.diagnosis(v.check.metric);
    if (d && (v.outcome == Outcome::Fail || v.outcome == Outcome::Error))
      out += diagnosis_text(*d, {.indent = "       ", .max_sites = 5, .max_frames = 8, .modules = false});
  }
  if (r.interrupted) line(out, "ERROR", "run", "interrupted: the verdicts cover only what was recorded");
  char buf[160];
  snprintf(buf, sizeof buf, "%s: %d passed, %d failed, %d errors, %d skipped\n", r.failed() ? "FAILED" : "PASSED",
           counts[(int)Outcome::Pass], counts[(int)Outcome::Fail], counts[(int)Outcome::Error],
           counts[(int)Outcome::Skipped]);
  out += buf;
  if (!r.out_dir.empty()) {
    out += "reports: " + r.out_dir + "/report.html\n";
    out += "         " + r.out_dir + "/junit.xml\n";
    out += "         " + r.out_dir + "/series.json\n";
  }
  return out;
}

}  // namespace lg
