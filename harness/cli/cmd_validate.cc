// SPDX-License-Identifier: MIT
// leakguard validate FILE... [--set PATH=VALUE]... [--target -- ARGV...]: check scenarios.
#include <cstdio>
#include <memory>

#include "harness/base/exit_codes.h"
#include "harness/base/fs.h"
#include "harness/cli/command.h"
#include "harness/scenario/scenario.h"

namespace lg {

namespace {

struct ValidateArgs {
  std::vector<std::string> words;  // files, then (after --target --) the target argv
  std::vector<std::string> sets;
  bool target = false;
  std::vector<std::string> unused;
};

int validate(const std::vector<std::string>& files, const LoadOptions& opts) {
  int rc = kExitOk;
  for (const auto& f : files) {
    std::vector<Diagnostic> diags;
    auto sc = load_scenario_file(f, opts, diags);
    fflush(stdout);
    print_diagnostics(diags);
    if (!sc) {
      rc = kExitUsage;
      continue;
    }
    std::string checks = sc->default_checks ? "default checks" : std::to_string(sc->checks.size()) + " checks";
    printf("%s: ok (%zu phases, %zu workloads, %s)\n", f.c_str(), sc->phases.size(), sc->workload_count(),
           checks.c_str());
    fflush(stdout);  // in order with the diagnostics on stderr
  }
  return rc;
}

}  // namespace

void add_validate_command(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("validate", "Check scenario files; print every problem as FILE:LINE:COL");
  auto a = std::make_shared<ValidateArgs>();
  sub->add_option("files", a->words, "scenario files")->required()->expected(1, -1)->allow_extra_args();
  // Only so that CLI11 accepts `--` inside a subcommand (it must see a positional still
  // wanting words): `files` above takes every word, parse_order() splits them below.
  sub->add_option("argv", a->unused, "after --target --: the target's argv")->expected(1, -1);
  sub->add_option("--set", a->sets, "override a field, PATH=VALUE (repeatable): phases.churn.workloads.0.count=200")
      ->allow_extra_args(false);
  auto* target = sub->add_flag("--target", a->target, "replace target.command by the words after --");
  sub->footer(
      "Exit 0: every file is valid (warnings allowed). 2: a file has an error.\n"
      "Example: leakguard validate scenarios/netns-churn.yaml --set sampling.interval=50ms "
      "--target -- nstuner --mode leaky");
  sub->callback([&action, a, sub, target] {
    // Words before the --target flag are files; the rest (after --) is the target argv.
    size_t nfiles = a->words.size();
    if (a->target) {
      nfiles = 0;
      for (const auto* opt : sub->parse_order()) {
        if (opt == target) break;
        if (opt->get_positional()) nfiles++;
      }
    }
    std::vector<std::string> files(a->words.begin(), a->words.begin() + nfiles);
    LoadOptions opts;
    opts.overrides = a->sets;
    opts.target_argv.assign(a->words.begin() + nfiles, a->words.end());
    opts.binary_dir = self_dir();
    opts.command_must_exist = false;  // validate warns; run refuses
    bool target_flag = a->target;
    action = [files, opts, target_flag] {
      if (files.empty()) {
        fprintf(stderr, "leakguard: error: validate needs a scenario file before --target\n");
        return (int)kExitUsage;
      }
      if (target_flag && opts.target_argv.empty()) {
        fprintf(stderr, "leakguard: error: --target needs the target's argv after --: --target -- tool --flag\n");
        return (int)kExitUsage;
      }
      return validate(files, opts);
    };
  });
}

}  // namespace lg
