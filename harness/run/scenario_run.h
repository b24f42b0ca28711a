// SPDX-License-Identifier: MIT
#pragma once
// One scenario, start to verdicts: preflight, baseline census, launch, ready, phases, stop,
// settle, residue census, judge. Reports are written by the caller.
#include <atomic>
#include <optional>
#include <string>

#include "harness/base/run_result.h"
#include "harness/probe/probe.h"
#include "harness/run/cgroup.h"
#include "harness/run/mountns.h"
#include "harness/run/progress.h"
#include "harness/run/watchdog.h"
#include "harness/scenario/scenario.h"

namespace lg {

// What `leakguard run` set up once for all its scenarios.
struct RunEnv {
  std::string out_root;          // absolute
  RunCgroup* cgroup = nullptr;   // nullptr: process-tree containment
  std::string no_cgroup_reason;  // why there is no cgroup
  PrivateMounts* mounts = nullptr;
  Watchdog* watchdog = nullptr;
  const ProbeReport* probe = nullptr;
  std::optional<Backend> backend;  // --backend
  double interval = 0;             // --interval (0: the scenario's)
  Progress* progress = nullptr;
  const std::atomic<int>* interrupts = nullptr;  // Ctrl-C / SIGTERM count
  int index = 0;                                 // position of the scenario in this run
  bool out_dir_ready = false;                    // set by run_scenario: OUT/<name> may be written
};

RunResult run_scenario(const Scenario& sc, RunEnv& env);

// Empties (or creates) OUT/<name>. Refuses names that would escape OUT.
bool prepare_out_dir(const std::string& dir, std::string& err);

}  // namespace lg
