// SPDX-License-Identifier: MIT
#pragma once
// Report writers. Each format is one file in reports/; write_reports() runs them all for a run.
#include <string>
#include <vector>

#include "harness/base/run_result.h"

namespace lg {

// Writes every per-run output into r.out_dir: series.json, report.html, junit.xml, plots.
// Returns false with err on the first failure to write.
bool write_reports(const RunResult& r, std::string& err);

// JUnit XML of one or several runs in one <testsuites>.
bool write_junit(const std::vector<RunResult>& runs, const std::string& path, std::string& err);
// Merges JUnit files of sharded runs into one.
bool merge_junit(const std::string& out, const std::vector<std::string>& inputs, std::string& err);

// series.json: the run's samples and everything `leakguard judge` needs to re-judge it.
bool write_series_json(const RunResult& r, const std::string& path, std::string& err);
bool read_series_json(const std::string& path, RunResult& r, std::string& err);

bool write_html(const RunResult& r, const std::string& path, std::string& err);
std::string html_report(const RunResult& r);  // the page write_html writes
// One SVG chart per judged metric: OUT/<scenario>/plots/<metric>.svg. Returns the paths by
// metric name through `paths` (same order as r.verdicts; "" when no chart).
bool write_plots(const RunResult& r, std::vector<std::string>& paths, std::string& err);

// The console summary printed at the end of `run`.
std::string console_summary(const RunResult& r);

// The numbers behind a verdict, one "name: value" per line, only those that apply (slope and
// interval, limit, growth, baseline, end level, peak, events, samples, window).
std::string verdict_numbers(const Verdict& v);

// A Diagnosis (where the objects of a failing check's metric come from) as text, for the
// console and the JUnit <failure> body: the top sites LeakSanitizer style, each with its
// example object and its frames from the target's own code outwards.
struct DiagnosisStyle {
  std::string indent;     // put before every line
  size_t max_sites = 5;   // the rest are summed in one line
  size_t max_frames = 8;  // per site
  bool modules = false;   // name each frame's module ("in libc.so.6")
};
std::string diagnosis_text(const Diagnosis& d, const DiagnosisStyle& style);
// The same as an HTML section: every site, its stack in a <details> table.
std::string diagnosis_html(const Diagnosis& d);

// write_junit without copying the runs.
bool write_junit_runs(const std::vector<const RunResult*>& runs, const std::string& path, std::string& err);

}  // namespace lg
