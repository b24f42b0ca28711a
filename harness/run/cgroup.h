// SPDX-License-Identifier: MIT
#pragma once
// cgroup v2 containment of a run: one group per run with two leaves, `target` (the target and
// every descendant; what the census measures) and `harness` (leakguard itself and the processes
// its workloads fork), so one cgroup.kill of the top removes everything the run started.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "harness/base/cgroup.h"

namespace lg {

bool cgroup_create(const std::string& dir, std::string& err);
// Moves a process (all its threads) into the group.
bool cgroup_add(const std::string& dir, pid_t pid, std::string& err);
// "populated 1" in cgroup.events: a process lives in the group or below.
bool cgroup_populated(const std::string& dir);
// SIGKILL to every process of the group and below: cgroup.kill, or one by one (kernel < 5.14).
void cgroup_kill(const std::string& dir);
// Waits until the group is empty; false on timeout.
bool cgroup_wait_empty(const std::string& dir, double timeout_s);
// rmdir of the group and every group below it, deepest first. Missing groups are fine.
bool cgroup_remove(const std::string& dir, std::string& err);
// Whether `controller` ("pids") is available to the children of `dir`.
bool cgroup_has_controller(const std::string& dir, const std::string& controller);

// The groups of one `leakguard run`: TOP=<mount>/leakguard-<pid> with a leaf `harness`
// (leakguard and its workloads' processes) and one leaf per scenario for its target.
struct RunCgroup {
  std::string top, harness;
  std::string original;  // the group leakguard came from, to move back before removing TOP

  bool create(const std::string& mount, std::string& err);
  // Moves leakguard into TOP/harness (children it forks later follow).
  bool enter(std::string& err);
  // Creates TOP/<name> for a target; with `pids_max` > 0 also enables the pids controller and
  // limits it (`limited` tells whether that worked: the controller may be bound to cgroup v1).
  std::string add_target(const std::string& name, uint64_t pids_max, bool& limited, std::string& err);
  // Kills everything left, moves leakguard back, removes the groups.
  bool destroy(std::string& err);
};

}  // namespace lg
