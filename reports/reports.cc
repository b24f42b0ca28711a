// SPDX-License-Identifier: MIT
// write_reports: every per-run output of one run, into its out_dir. The formats are one table;
// add one: reports/<format>.cc with its writer (report.h), one line here, its section in
// docs/outputs.md.
#include "harness/base/fs.h"
#include "reports/report.h"

namespace lg {

namespace {

struct ReportFormat {
  const char* file;  // in the run's directory
  bool (*write)(const RunResult& r, const std::string& path, std::string& err);
};

bool write_plots_into(const RunResult& r, const std::string&, std::string& err) {
  std::vector<std::string> paths;
  return write_plots(r, paths, err);
}

bool write_junit_of_run(const RunResult& r, const std::string& path, std::string& err) {
  return write_junit_runs({&r}, path, err);
}

// In this order: series.json first, it is the record and every other output can be rebuilt
// from it.
const ReportFormat kFormats[] = {
    {"series.json", write_series_json},
    {"plots", write_plots_into},
    {"report.html", write_html},
    {"junit.xml", write_junit_of_run},
};

}  // namespace

bool write_reports(const RunResult& r, std::string& err) {
  if (r.out_dir.empty()) {
    err = "run of '" + r.scenario + "' has no output directory";
    return false;
  }
  if (!make_dirs(r.out_dir, err)) return false;
  for (const auto& f : kFormats)
    if (!f.write(r, r.out_dir + "/" + f.file, err)) return false;
  return true;
}

}  // namespace lg
