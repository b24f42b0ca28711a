// SPDX-License-Identifier: MIT
// leakguard compare BASE CAND [RUN...]: did the candidate leak more than the baseline under the
// same scenario? Every check both recorded runs share, each run's figure with its interval,
// worse / better / same (docs/release.md). More than two runs: a trend, the last against the
// one before.
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "harness/base/exit_codes.h"
#include "harness/cli/command.h"
#include "harness/verdict/compare.h"
#include "harness/verdict/judge.h"
#include "reports/compare_report.h"
#include "reports/report.h"
#include "reports/text.h"

namespace lg {

namespace {

struct CompareArgs {
  std::vector<std::string> runs;
  std::string junit, out;
  bool force = false;
};

std::string absolute(const std::string& p) {
  std::error_code ec;
  auto a = std::filesystem::absolute(p, ec);
  return ec ? p : a.lexically_normal().string();
}

// RUN_DIR/series.json, or the file itself when given one. "" with err when neither is readable.
std::string series_path(const std::string& arg, std::string& err) {
  struct stat st {};
  if (stat(arg.c_str(), &st) != 0) {
    err = arg + ": no such run directory";
    return "";
  }
  std::string path = S_ISDIR(st.st_mode) ? arg + "/series.json" : arg;
  if (stat(path.c_str(), &st) != 0) {
    err = path + ": no series.json here (a run directory is OUT/<scenario>, as `leakguard run` writes it)";
    return "";
  }
  // Run directories may be writable by others: never read a FIFO or a device as a record.
  if (!S_ISREG(st.st_mode)) {
    err = path + ": not a regular file";
    return "";
  }
  return path;
}

int compare(const CompareArgs& a) {
  if (a.runs.size() < 2) {
    fprintf(stderr, "leakguard: error: compare needs two run directories or more (see 'leakguard compare --help')\n");
    return kExitUsage;
  }
  std::vector<RunResult> runs(a.runs.size());
  std::vector<std::string> labels;
  for (size_t i = 0; i < a.runs.size(); i++) {
    std::string err;
    std::string path = series_path(a.runs[i], err);
    if (path.empty() || !read_series_json(path, runs[i], err)) {
      fprintf(stderr, "leakguard: error: compare: %s\n", clean_line(err).c_str());
      return kExitUsage;
    }
    std::string label = a.runs[i];
    while (label.size() > 1 && label.back() == '/') label.pop_back();
    labels.push_back(label);
  }
  for (size_t i = 1; i < runs.size() && !a.force; i++)
    if (runs[i].scenario != runs[0].scenario) {
      fprintf(stderr,
              "leakguard: error: compare: the runs are of different scenarios: '%s' (%s) and '%s' (%s); "
              "--force compares them anyway\n",
              clean_line(runs[0].scenario).c_str(), clean_line(labels[0]).c_str(), clean_line(runs[i].scenario).c_str(),
              clean_line(labels[i]).c_str());
      return kExitUsage;
    }

  std::vector<const Series*> series;
  std::vector<std::vector<Check>> checks;
  for (const auto& r : runs) {
    series.push_back(&r.series);
    std::vector<Check> cs;
    for (const auto& v : r.verdicts) cs.push_back(v.check);
    // A run recorded without checks was judged with the default set, as `judge` does.
    if (cs.empty()) cs = default_checks(r.series.event_kinds, !r.target_argv.empty());
    checks.push_back(std::move(cs));
  }
  CompareReport rep;
  rep.labels = labels;
  for (const auto& r : runs) rep.runs.push_back(&r);
  rep.comparison = compare_runs(series, checks);
  if (!a.out.empty()) rep.out_dir = absolute(a.out);

  std::string err;
  if (!rep.out_dir.empty() && !write_compare_html(rep, err)) {
    fprintf(stderr, "leakguard: error: compare: %s\n", err.c_str());
    return kExitEnvironment;
  }
  if (!a.junit.empty() && !write_compare_junit(rep, absolute(a.junit), err)) {
    fprintf(stderr, "leakguard: error: compare: %s\n", err.c_str());
    return kExitEnvironment;
  }
  fputs(compare_console(rep).c_str(), stdout);
  fflush(stdout);
  const Comparison& cmp = rep.comparison;
  if (cmp.checks.empty() || cmp.count(Change::Incomparable) == (int)cmp.checks.size()) {
    fprintf(stderr, "leakguard: error: compare: nothing to compare: %s\n",
            cmp.checks.empty() ? "no check was recorded by both runs" : "no check could be judged in both runs");
    return kExitUsage;
  }
  return cmp.any_worse() ? kExitCheckFailed : kExitOk;
}

}  // namespace

void add_compare_command(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand(
      "compare", "Compare recorded runs of one scenario: is the candidate (the last) worse than the baseline?");
  auto args = std::make_shared<CompareArgs>();
  sub->add_option("RUNS", args->runs,
                  "run directories (OUT/<scenario>, each holds series.json) in release order: BASE CAND, or a trend "
                  "RUN1 RUN2 RUN3 ...")
      ->required();
  sub->add_option("--junit", args->junit, "also write JUnit: one testcase per check, a failure when worse");
  sub->add_option("--out", args->out, "write DIR/compare.html (both runs' series overlaid) and DIR/plots/");
  sub->add_flag("--force", args->force, "compare runs of different scenarios (checks are matched by metric and type)");
  sub->footer(
      "Worse: the candidate's growth rate is significantly above the baseline's (the 99% interval of\n"
      "the difference is above 0; a run that levelled off counts by its later half) and the extra\n"
      "growth reaches the check's min_growth; for max_growth, max and max_residue: it fails now and\n"
      "passed before (docs/release.md).\n"
      "Exit 0: no check is worse. 1: a check is worse. 2: unreadable run, runs of different scenarios\n"
      "(without --force), or nothing to compare. 3: an output could not be written.");
  sub->callback([&action, args] { action = [args] { return compare(*args); }; });
}

}  // namespace lg
