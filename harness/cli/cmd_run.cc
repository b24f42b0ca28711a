// SPDX-License-Identifier: MIT
// `leakguard run SCENARIO... [--out DIR] [--junit FILE] [--set P=V]... [--target -- ARGV...]`
#include <memory>

#include "harness/base/exit_codes.h"
#include "harness/base/units.h"
#include "harness/cli/command.h"
#include "harness/run/run.h"

namespace lg {

void add_run_command(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("run", "run scenarios: launch the target, churn, sample, judge, report");
  auto o = std::make_shared<RunOptions>();
  // CLI11 puts the words after "--" into the same positional list as the scenarios; --target
  // records how many scenarios came before it, and the rest is the target's argv.
  auto args = std::make_shared<std::vector<std::string>>();
  auto target_at = std::make_shared<int>(-1);
  auto backend = std::make_shared<std::string>();
  auto shard = std::make_shared<std::string>();
  auto interval = std::make_shared<std::string>();
  auto attribution = std::make_shared<std::string>();
  CLI::Option* pos =
      sub->add_option("scenarios", *args, "scenario files (then, after --target --, the target argv)")->required();
  // A second positional makes CLI11 keep the words after "--" inside this subcommand.
  sub->add_option("__unused", *args)->group("")->expected(1, -1);
  sub->add_option("--out", o->out_dir, "output directory; each scenario writes OUT/<name>/")->capture_default_str();
  sub->add_option("--junit", o->junit, "also write one combined JUnit file of every scenario run");
  sub->add_option("--set", o->sets, "override a scenario field: PATH=VALUE (repeatable)")->allow_extra_args(false);
  sub->add_flag_callback(
         "--target", [pos, target_at] { *target_at = (int)pos->count(); },
         "replace target.command with the words after '--target --'")
      ->trigger_on_parse();
  sub->add_option("--backend", *backend, "census backend: auto, bpf or procfs (overrides the scenarios)")
      ->check(one_of(backend_names()));
  sub->add_flag("--quiet", o->quiet, "no progress and no summary; only one result line per scenario");
  sub->add_option("--shard", *shard, "run only slice I of N of the scenario list (round-robin), e.g. 2/4");
  sub->add_option("--interval", *interval, "sampling interval for every scenario, e.g. 50ms");
  sub->add_option("--attribution", *attribution,
                  "record where the target creates fds and kernel objects: auto, on or off (overrides the scenarios)")
      ->check(CLI::IsMember({"auto", "on", "off"}));
  sub->add_option("--debug-dir", o->debug_dirs,
                  "also look for the target's debug info (build-id/ and .gnu_debuglink files) in DIR (repeatable)")
      ->allow_extra_args(false);
  sub->add_flag("--bisect", o->bisect,
                "exit codes for 'git bisect run': 0 passed, 1 a leak was found, 125 anything else (skip the commit)");
  auto run = [=]() -> int {
    // --bisect: a usage error is not the commit's fault either.
    const int usage = o->bisect ? (int)kExitBisectSkip : (int)kExitUsage;
    std::vector<std::string> a = *args;
    if (*target_at >= 0) {
      o->scenario_files.assign(a.begin(), a.begin() + std::min<size_t>(*target_at, a.size()));
      o->target_argv.assign(a.begin() + std::min<size_t>(*target_at, a.size()), a.end());
      if (o->target_argv.empty()) {
        fprintf(stderr, "leakguard: error: --target needs the target's argv after '--' (see 'leakguard run --help')\n");
        return usage;
      }
    } else {
      o->scenario_files = a;
    }
    if (o->scenario_files.empty()) {
      fprintf(stderr, "leakguard: error: run needs at least one scenario file (see 'leakguard run --help')\n");
      return usage;
    }
    if (!backend->empty()) o->backend = parse_backend(*backend);
    if (*attribution == "on") o->attribution = AttributionChoice::On;
    if (*attribution == "off") o->attribution = AttributionChoice::Off;
    if (*attribution == "auto") o->attribution = AttributionChoice::Auto;
    if (!shard->empty()) {
      int i = 0, n = 0;
      char tail = 0;
      if (sscanf(shard->c_str(), "%d/%d%c", &i, &n, &tail) != 2 || n < 1 || i < 1 || i > n) {
        fprintf(stderr, "leakguard: error: --shard %s: expected I/N with 1 <= I <= N, e.g. 1/4\n", shard->c_str());
        return usage;
      }
      o->shard_index = i;
      o->shard_count = n;
    }
    if (!interval->empty()) {
      auto d = parse_duration(*interval);
      if (!d || *d <= 0) {
        fprintf(stderr, "leakguard: error: --interval %s: expected a duration such as 100ms\n", interval->c_str());
        return usage;
      }
      o->interval = *d;
    }
    return run_command(*o);
  };
  sub->callback([&action, run] { action = run; });
}

bool run_bisect_requested(int argc, char** argv) {
  bool in_run = false;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--") break;  // the target's argv
    if (!in_run && a[0] != '-') {
      if (a != "run") return false;
      in_run = true;
    } else if (in_run && a == "--bisect") {
      return true;
    }
  }
  return false;
}

}  // namespace lg
