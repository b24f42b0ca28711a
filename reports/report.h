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

// write_junit without copying the runs.
bool write_junit_runs(const std::vector<const RunResult*>& runs, const std::string& path, std::string& err);

}  // namespace lg
