// SPDX-License-Identifier: MIT
// leakguard judge RUN_DIR: re-judge a recorded run (its series.json) with the checks it was
// judged with, or with a scenario's checks, and rewrite its reports. No target is launched.
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <unistd.h>

#include "harness/attrib/attribution.h"
#include "harness/base/exit_codes.h"
#include "harness/base/fs.h"
#include "harness/base/out_dir.h"
#include "harness/cli/command.h"
#include "harness/scenario/scenario.h"
#include "harness/verdict/judge.h"
#include "reports/report.h"

namespace lg {

namespace {

struct JudgeArgs {
  std::string run_dir;
  std::string scenario;
  std::vector<std::string> sets;
};

int judge(const JudgeArgs& a) {
  char abs[PATH_MAX];
  if (!realpath(a.run_dir.c_str(), abs)) {
    fprintf(stderr, "leakguard: error: judge: %s: no such run directory\n", a.run_dir.c_str());
    return kExitUsage;
  }
  std::string dir = abs;
  // Checked before anything is read or judged: RUN_DIR is where the reports are rewritten.
  std::string err;
  OutputDir out;
  pid_t holder = 0;
  if (!out.open_path(dir, err, holder, true)) {
    fprintf(stderr, "leakguard: error: judge: %s\n", err.c_str());
    return holder ? kExitEnvironment : kExitUsage;
  }
  RunResult r;
  if (!read_series_json(dir + "/series.json", r, err)) {
    fprintf(stderr, "leakguard: error: judge: %s\n", err.c_str());
    return kExitUsage;
  }
  std::vector<Check> checks;
  if (!a.scenario.empty()) {
    LoadOptions opts;
    opts.overrides = a.sets;
    opts.binary_dir = self_dir();
    std::vector<Diagnostic> diags;
    std::optional<Scenario> sc = load_scenario_file(a.scenario, opts, diags);
    print_diagnostics(diags);
    if (!sc) return kExitUsage;
    checks = sc->checks;
    r.scenario_file = sc->file.empty() ? a.scenario : sc->file;
  } else {
    for (const auto& v : r.verdicts) checks.push_back(v.check);
  }
  // A scenario without checks (or a run that recorded none) gets the default set.
  if (checks.empty()) checks = default_checks(r.series.event_kinds, !r.target_argv.empty());
  r.verdicts = judge_checks(checks, r.series);
  // Where the objects come from, as recorded by the run, under the checks that fail now.
  r.diagnoses.clear();
  std::vector<Diagnosis> ds;
  std::string aerr;
  if (access((dir + "/attribution.json").c_str(), F_OK) == 0) {
    if (read_attribution_json(dir + "/attribution.json", ds, aerr))
      attach_diagnoses(r, ds);
    else
      fprintf(stderr, "leakguard: warning: judge: %s\n", aerr.c_str());
  }

  // The run directory may have moved (a CI artifact): reports point at where it is now.
  auto rebase = [&](std::string& path) {
    if (!r.out_dir.empty() && path.rfind(r.out_dir + "/", 0) == 0) path = dir + path.substr(r.out_dir.size());
  };
  rebase(r.stdout_log);
  rebase(r.stderr_log);
  r.out_dir = dir;
  std::vector<std::string> written;
  bool ok = write_reports(r, out, written, err);
  fputs(console_summary(r, written).c_str(), stdout);
  fflush(stdout);
  if (!ok) {
    fprintf(stderr, "leakguard: error: judge: %s\n", err.c_str());
    return kExitEnvironment;
  }
  return r.failed() ? kExitCheckFailed : kExitOk;
}

}  // namespace

void add_judge_command(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("judge", "Re-judge a recorded run from its series.json and rewrite its reports");
  auto args = std::make_shared<JudgeArgs>();
  sub->add_option("RUN_DIR", args->run_dir, "a run's output directory (OUT/<scenario>, holds series.json)")->required();
  sub->add_option("--scenario", args->scenario,
                  "judge with this scenario's checks (its defaults when it lists none) instead of the recorded ones");
  sub->add_option("--set", args->sets, "override a scenario field, PATH=VALUE (repeatable; needs --scenario)");
  sub->footer(
      "Rewrites series.json (verdicts), report.html, junit.xml and plots/ in RUN_DIR.\n"
      "Exit 0: every check passed. 1: a check failed (or the run had failed or was interrupted).\n"
      "2: unreadable run or scenario.");
  sub->callback([&action, args] {
    action = [args] {
      if (!args->sets.empty() && args->scenario.empty()) {
        fprintf(stderr, "leakguard: error: judge: --set needs --scenario (see 'leakguard judge --help')\n");
        return (int)kExitUsage;
      }
      return judge(*args);
    };
  });
}

}  // namespace lg
