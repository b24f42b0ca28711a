// SPDX-License-Identifier: MIT
// write_reports: every per-run output of one run, into its output directory. The formats are
// one table; add one: reports/<format>.cc with its writer (report.h), one line here, its
// section in docs/outputs.md.
#include "harness/base/out_dir.h"
#include "reports/report.h"

namespace lg {

namespace {

// Writes one format into the run's directory and appends the paths it wrote to `written`.
using WriteFormat = bool (*)(const RunResult& r, OutputDir& out, std::vector<std::string>& written, std::string& err,
                             const ColumnSource* full);

bool series(const RunResult& r, OutputDir& out, std::vector<std::string>& written, std::string& err,
            const ColumnSource* full) {
  AtomicFile f;
  if (!out.open_atomic("series.json", f, err) || !write_series_json(r, f, err, full)) return false;
  written.push_back(out.file("series.json"));
  return true;
}

bool plots(const RunResult& r, OutputDir& out, std::vector<std::string>& written, std::string& err,
           const ColumnSource*) {
  return write_plots(r, out, written, err);
}

bool html(const RunResult& r, OutputDir& out, std::vector<std::string>& written, std::string& err,
          const ColumnSource*) {
  if (!out.write("report.html", html_report(r), err)) return false;
  written.push_back(out.file("report.html"));
  return true;
}

bool junit(const RunResult& r, OutputDir& out, std::vector<std::string>& written, std::string& err,
           const ColumnSource*) {
  if (!out.write("junit.xml", junit_document({&r}), err)) return false;
  written.push_back(out.file("junit.xml"));
  return true;
}

// In this order: series.json first, it is the record and every other output can be rebuilt
// from it.
const WriteFormat kFormats[] = {series, plots, html, junit};

}  // namespace

bool write_reports(const RunResult& r, OutputDir& out, std::vector<std::string>& written, std::string& err,
                   const ColumnSource* full) {
  for (WriteFormat f : kFormats)
    if (!f(r, out, written, err, full)) return false;
  return true;
}

bool write_reports(const RunResult& r, std::string& err) {
  if (r.out_dir.empty()) {
    err = "run of '" + r.scenario + "' has no output directory";
    return false;
  }
  std::string parent, name;
  Dir root;
  if (!split_file_path(r.out_dir, parent, name, err) || !Dir::open(parent, true, root, err)) return false;
  OutputDir out;
  pid_t holder;
  std::vector<std::string> written;
  return out.open(root, name, true, err, holder) && write_reports(r, out, written, err);
}

}  // namespace lg
