// SPDX-License-Identifier: MIT
#pragma once
// One scenario, start to verdicts: preflight, baseline census, launch, ready, phases, stop,
// settle, residue census, judge. Reports are written by the caller.
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/base/out_dir.h"
#include "harness/base/run_result.h"
#include "harness/probe/probe.h"
#include "harness/run/cgroup.h"
#include "harness/run/mountns.h"
#include "harness/run/progress.h"
#include "harness/run/sample_store.h"
#include "harness/run/watchdog.h"
#include "harness/scenario/scenario.h"

namespace lg {

class Spawner;

// What `leakguard run` set up once for all its scenarios.
struct RunEnv {
  std::string out_root;          // absolute
  RunCgroup* cgroup = nullptr;   // nullptr: process-tree containment
  std::string no_cgroup_reason;  // why there is no cgroup
  PrivateMounts* mounts = nullptr;
  Watchdog* watchdog = nullptr;
  Spawner* spawner = nullptr;  // forks the workloads' processes (harness/workloads/spawner.h)
  const ProbeReport* probe = nullptr;
  std::optional<Backend> backend;                // --backend
  double interval = 0;                           // --interval (0: the scenario's)
  std::optional<AttributionChoice> attribution;  // --attribution
  std::vector<std::string> debug_dirs;           // --debug-dir
  Progress* progress = nullptr;
  const std::atomic<int>* interrupts = nullptr;       // Ctrl-C / SIGTERM count
  int index = 0;                                      // position of the scenario in this run
  OutputDir* out = nullptr;                           // OUT/<name>, opened and locked by the caller
  std::vector<std::string> notes;                     // for every report (leftovers removed, ...)
  size_t series_rows = SampleStore::kDefaultMaxRows;  // samples kept in memory (the rest: on disk)
  // Set by run_scenario: every sample of the scenario, for its series.json (a long run's
  // Series holds a reduced copy).
  std::unique_ptr<SampleStore> store;
};

RunResult run_scenario(const Scenario& sc, RunEnv& env);

}  // namespace lg
