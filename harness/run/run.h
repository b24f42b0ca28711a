// SPDX-License-Identifier: MIT
#pragma once
// `leakguard run`: validate every scenario, set up the run's containment (watchdog, cgroup,
// private mount namespace), run the scenarios one after the other, write the reports.
#include <optional>
#include <string>
#include <vector>

#include "harness/base/run_result.h"
#include "harness/scenario/scenario.h"

namespace lg {

struct RunOptions {
  std::vector<std::string> scenario_files;
  std::string out_dir = "leakguard-out";
  std::string junit;                     // "" : no combined JUnit
  std::vector<std::string> sets;         // --set P=V
  std::vector<std::string> target_argv;  // --target -- ARGV
  std::optional<Backend> backend;
  bool quiet = false;
  int shard_index = 1, shard_count = 1;          // --shard I/N (1-based)
  double interval = 0;                           // --interval; 0: the scenario's
  std::optional<AttributionChoice> attribution;  // --attribution
  std::vector<std::string> debug_dirs;           // --debug-dir: extra debug-info directories
  bool bisect = false;                           // --bisect: exit codes for `git bisect run`
};

// The exit code: 0 all passed, 1 a check or the lifecycle failed or interrupted, 2 usage or
// scenario error, 3 environment. With o.bisect: bisect_exit_code of it.
int run_command(const RunOptions& o);

// A leak was found in a run that can be trusted: a check FAILed, the run was not interrupted,
// its environment let it start, and the target started and became ready.
bool leak_found(const RunResult& r);
// `run --bisect`: 0 when every check passed (code 0), 1 when a leak was found in any scenario,
// 125 (skip) for anything else: an interrupted invocation (whatever it found), a target that
// would not start, an environment or usage error, a check that could not be judged.
int bisect_exit_code(int code, bool leak, bool interrupted);

// The scenario indexes of shard I of N (round-robin by position).
std::vector<size_t> shard_indexes(size_t count, int index, int of);

}  // namespace lg
