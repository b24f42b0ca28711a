// SPDX-License-Identifier: MIT
// write_reports: every per-run output of one run, into its output directory.
#include "harness/base/out_dir.h"
#include "reports/report.h"

namespace lg {

bool write_reports(const RunResult& r, OutputDir& out, std::vector<std::string>& written, std::string& err,
                   const ColumnSource* full) {
  // series.json first: it is the record, and every other output can be rebuilt from it.
  AtomicFile f;
  if (!out.open_atomic("series.json", f, err) || !write_series_json(r, f, err, full)) return false;
  written.push_back(out.file("series.json"));
  if (!write_plots(r, out, written, err)) return false;
  if (!out.write("report.html", html_report(r), err)) return false;
  written.push_back(out.file("report.html"));
  if (!out.write("junit.xml", junit_document({&r}), err)) return false;
  written.push_back(out.file("junit.xml"));
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
