// SPDX-License-Identifier: MIT
#pragma once
// Report writers. Each format is one file in reports/; write_reports() runs them all for a run.
#include <string>
#include <vector>

#include "harness/base/out_dir.h"
#include "harness/base/run_result.h"
#include "harness/base/series.h"

namespace lg {

// Writes every per-run output into `out` (OUT/<scenario>, opened and locked by the caller):
// series.json first (the record; everything else can be rebuilt from it), then plots/,
// report.html and junit.xml. `written` receives the absolute path of each file written: the
// console lists only those. Returns false with err, naming the file, on the first failure.
bool write_reports(const RunResult& r, OutputDir& out, std::vector<std::string>& written, std::string& err,
                   const ColumnSource* full = nullptr);
// The same into r.out_dir, which is opened and locked here (tests, tools).
bool write_reports(const RunResult& r, std::string& err);

// JUnit XML of one or several runs in one <testsuites>: the text, and written to a file.
std::string junit_document(const std::vector<const RunResult*>& runs);
bool write_junit(const std::vector<RunResult>& runs, const std::string& path, std::string& err);
// Merges JUnit files of sharded runs into one. `write_failed` tells a failure to write `out`
// from a bad input.
bool merge_junit(const std::string& out, const std::vector<std::string>& inputs, std::string& err,
                 bool* write_failed = nullptr);

// series.json: the run's samples and everything `leakguard judge` needs to re-judge it.
// The sample arrays come from r.series, or from `full` when given (a long run keeps only a
// reduced series in memory; `full` reads every sample back from disk, column by column).
bool write_series_json(const RunResult& r, AtomicFile& f, std::string& err, const ColumnSource* full = nullptr);
bool write_series_json(const RunResult& r, const std::string& path, std::string& err);
bool read_series_json(const std::string& path, RunResult& r, std::string& err);

std::string html_report(const RunResult& r);  // report.html
// One SVG chart per judged metric into out/plots/ (paths from plot_paths), and the manifest's
// charts of checks no longer judged removed (`judge` with other checks).
bool write_plots(const RunResult& r, OutputDir& out, std::vector<std::string>& written, std::string& err);

// The console summary printed at the end of `run` and `judge`; `written` are the report
// files that were written (none is named otherwise); `write_error` says why the others were
// not, and makes the run FAILED.
std::string console_summary(const RunResult& r, const std::vector<std::string>& written = {},
                            const std::string& write_error = "");

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
