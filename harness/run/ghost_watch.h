// SPDX-License-Identifier: MIT
#pragma once
// The diagnosis of ghost tasks, for failing checks on proc.dstate, sys.dstate and proc.zombies:
// which tasks are stuck and where they wait in the kernel, grouped by wait site
// ("12 tasks of dstuck in D state at kernel_clone <- __do_sys_clone"), and which parent does
// not reap its zombies. The tasks must be listed while they exist, so GhostWatch takes its
// snapshots during the run: when a watched metric reaches a new high, and once right before
// the target is stopped; the diagnosis is made from them after the verdicts.
#include <memory>
#include <string>
#include <vector>

#include "harness/base/check.h"
#include "harness/base/diagnosis.h"
#include "harness/base/series.h"
#include "harness/census/census.h"
#include "harness/census/ghosts.h"
#include "harness/census/kallsyms.h"

namespace lg {

// The tasks a census listed at one moment.
struct GhostSnapshot {
  double t = 0;       // seconds since launch
  std::string error;  // the listing failed: why
  std::vector<GhostTask> tasks;
};

// Whether the diagnosis of `metric` is made here (proc.dstate, sys.dstate, proc.zombies).
bool is_ghost_metric(const std::string& metric);
// How many tasks of `snap` count for `metric`.
size_t ghost_count(const std::string& metric, const GhostSnapshot& snap);
// The diagnosis of `metric` from a snapshot; kernel addresses are named with `ksyms`.
Diagnosis ghost_diagnosis(const std::string& metric, const GhostSnapshot& snap, const KernelSymbols& ksyms);

class GhostWatch {
 public:
  // Watches the ghost metrics `checks` judge that are measured in the columns of `s`.
  GhostWatch(const std::vector<Check>& checks, const Series& s);
  bool active() const { return !watched_.empty(); }
  // After each reading, in the sampling thread: a snapshot when a watched metric is above
  // every value it had so far.
  void after_sample(Census& c, double t, const std::vector<double>& values);
  // Right before the target is asked to stop (in the sampling thread, between readings).
  void before_stop(Census& c, double t);
  // One Diagnosis per watched metric that a failed (or errored) verdict judged. Call after the
  // sampling stopped.
  std::vector<Diagnosis> diagnoses(const std::vector<Verdict>& verdicts) const;

 private:
  struct Watched {
    std::string metric;
    int column = -1;
    double high = 0;                         // the highest value a snapshot was taken at
    std::shared_ptr<GhostSnapshot> at_high;  // that snapshot
  };
  std::shared_ptr<GhostSnapshot> take(Census& c, double t) const;
  std::vector<Watched> watched_;
  bool system_ = false;  // sys.dstate is watched: list every D-state task, not only the target's
  std::shared_ptr<GhostSnapshot> at_stop_;
};

}  // namespace lg
