// SPDX-License-Identifier: MIT
#pragma once
// Everything a finished (or interrupted) scenario run produced; the input of every report.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "harness/base/check.h"
#include "harness/base/diagnosis.h"
#include "harness/base/series.h"

namespace lg {

struct LifecycleStep {
  std::string name;  // "started", "became ready", "stopped cleanly"
  bool ok = true;
  bool skipped = false;  // e.g. no target
  std::string message;   // one line: "exited with status 3 before ready", "killed after grace 5s"
  std::string detail;    // multi-line: last lines of stderr, ...
  double seconds = 0;
};

// How a workload ended: filled by its run(), reported per phase and kind.
struct WorkloadOutcome {
  uint64_t requested = 0;             // count asked for (0: until the phase ends)
  uint64_t achieved = 0;              // events completed
  double requested_rate = 0;          // per second, 0: as fast as possible
  double achieved_rate = 0;           // events / active seconds
  double seconds = 0;                 // active time
  int error_errno = 0;                // 0: no error
  std::string error;                  // "unshare(CLONE_NEWNET): No space left on device after 1,021 netns"
  std::vector<std::string> warnings;  // "achieved 812/s of 1,000/s asked (81%)"
};

struct WorkloadReport : WorkloadOutcome {
  std::string phase;
  std::string kind;
  std::string name;  // unique within the phase (the scenario's `name:`, or the kind numbered)
  // What reports call it: "<phase>/<label>" ("churn/netns-2").
  const std::string& label() const { return name.empty() ? kind : name; }
};

struct RunResult {
  std::string scenario;  // name
  std::string description;
  std::string scenario_file;
  std::string out_dir;    // absolute: OUT/<scenario>
  std::string timestamp;  // ISO 8601 UTC, no zone suffix: "2026-11-22T03:15:55"
  double duration = 0;    // seconds, whole run
  std::string hostname, kernel, version, backend, backend_note;
  std::vector<std::string> target_argv;           // empty: system only
  std::map<std::string, std::string> target_env;  // target.env: what the scenario added to its environment
  std::string containment;  // "cgroup /sys/fs/cgroup/unified/leakguard-123" or "process tree (...)"
  uint64_t seed = 0;
  bool interrupted = false;
  std::string environment_error;  // preflight failure: the run never started
  // Doubts about the run that fail nothing but a reader must see (console WARN lines, JUnit
  // suite properties warning.N, an HTML banner): "the baseline never held still", "the target
  // used no CPU during churn: did it see the churn?".
  std::vector<std::string> warnings;

  std::vector<LifecycleStep> lifecycle;
  std::vector<WorkloadReport> workloads;
  std::vector<Verdict> verdicts;
  // Where the objects of a metric come from, rendered under every failing check on it
  // (attribution, stuck tasks, unreaped zombies). At most one per metric.
  std::vector<Diagnosis> diagnoses;
  Series series;

  std::string stdout_log, stderr_log;               // absolute paths of the full target logs
  std::string stdout_tail, stderr_tail;             // last lines of each, raw (reports sanitise)
  uint64_t stdout_dropped = 0, stderr_dropped = 0;  // bytes cut out of the middle of each log
  // Processes of the target seen outside its cgroup, one sentence each ("target process 4711
  // (sleeper) left its cgroup for /"). Together they are one error of the run.
  std::vector<std::string> escapes;
  // What leakguard did besides the run, for the record ("removed cgroup ... of a dead
  // leakguard run"). Not an outcome.
  std::vector<std::string> notes;

  // Any verdict failed or errored, a lifecycle step or workload failed, interrupted.
  bool failed() const;
  const Diagnosis* diagnosis(const std::string& metric) const;  // nullptr when none
};

// How every part of a run is reported: one test each for the environment error (when there is
// one), the interruption (when there was one), the escapes from the cgroup (when there were),
// every lifecycle step, every workload and every check. The console, JUnit and HTML all count with these, so they
// agree.
Outcome step_outcome(const LifecycleStep& s);       // Pass, Error or Skipped
Outcome workload_outcome(const WorkloadReport& w);  // Pass or Error
// The lifecycle steps as reported: a system-only run that recorded none gets the three
// steps, skipped.
std::vector<LifecycleStep> reported_steps(const RunResult& r);
struct OutcomeCounts {
  int tests = 0, passed = 0, failed = 0, errors = 0, skipped = 0;
};
OutcomeCounts count_outcomes(const RunResult& r);

}  // namespace lg
