// SPDX-License-Identifier: MIT
#pragma once
// Leftovers of leakguard runs that died without cleaning up: when leakguard and its watchdog
// are killed together, the run's cgroup (<cgroup2 mount>/leakguard-PID, with whatever of the
// target survived in it) and its directory /run/leakguard-PID stay. Each `run` removes, at its
// start, those whose run is dead, and says so; never those of a live run.
//
// A leftover named after PID belongs to a live run when PID is alive and started before the
// leftover was last changed (its mtime): the process that made it is then still that process.
// A process that started later only reuses the pid of a dead run.
#include <string>
#include <vector>

namespace lg {

// Removes the leftovers of dead runs; returns one line for each thing removed (or that could
// not be), for the console and the report: "removed cgroup /sys/fs/cgroup/leakguard-4711 of a
// dead leakguard run (2 processes killed)". `cgroup_mount` "" : no cgroup v2; `run_dir`: /run.
std::vector<std::string> remove_dead_leftovers(const std::string& cgroup_mount, const std::string& run_dir = "/run");

// Whether the leftover at `path` (named after `pid`) belongs to a live run.
bool leftover_owner_alive(const std::string& path, pid_t pid);

}  // namespace lg
