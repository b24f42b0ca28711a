// SPDX-License-Identifier: MIT
// write_reports: every per-run output of one run, into its out_dir.
#include "harness/base/fs.h"
#include "reports/report.h"

namespace lg {

bool write_reports(const RunResult& r, std::string& err) {
  if (r.out_dir.empty()) {
    err = "run of '" + r.scenario + "' has no output directory";
    return false;
  }
  if (!make_dirs(r.out_dir, err)) return false;
  // series.json first: it is the record, and every other output can be rebuilt from it.
  std::vector<std::string> plots;
  return write_series_json(r, r.out_dir + "/series.json", err) && write_plots(r, plots, err) &&
         write_html(r, r.out_dir + "/report.html", err) && write_junit_runs({&r}, r.out_dir + "/junit.xml", err);
}

}  // namespace lg
