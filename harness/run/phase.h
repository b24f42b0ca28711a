// SPDX-License-Identifier: MIT
#pragma once
// One phase: its workloads run concurrently, each on its own thread; the phase ends when they
// are all done, when its duration is up, or when the run must stop (interrupt, target died).
#include <functional>
#include <string>
#include <vector>

#include "harness/base/run_result.h"
#include "harness/run/progress.h"
#include "harness/run/sampler.h"
#include "harness/scenario/scenario.h"
#include "harness/workloads/workload.h"

namespace lg {

struct PhaseHooks {
  // Checked every few milliseconds: nullptr to go on, else why the run must stop now ("the
  // interruption", "the target's exit"); the workloads' reports say it.
  std::function<const char*()> must_stop;
  std::function<void(ProgressState&)> progress;  // fills fds/elapsed and prints
};

// Runs `ph`. `kinds` is the series' event kind list (board index = position in it).
// Appends one WorkloadReport per workload.
void run_phase(const PhaseSpec& ph, const std::vector<std::string>& kinds, EventBoard& board,
               const WorkloadContext& base, const PhaseHooks& hooks, std::vector<WorkloadReport>& out);

}  // namespace lg
