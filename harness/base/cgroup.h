// SPDX-License-Identifier: MIT
#pragma once
// Reading cgroup v2: where it is mounted, which group a process is in, which processes a group
// holds, and a group's id and depth. (Making, filling and removing groups for a run is
// harness/run/cgroup.h.)
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lg {

// Where cgroup v2 is mounted now, from /proc/mounts ("" when it is not).
std::string cgroup2_mount();
// Absolute directory of `pid`'s cgroup v2 group (from /proc/PID/cgroup "0::/path"), "" if none.
std::string cgroup_of(pid_t pid, const std::string& mount);
// Pids in cgroup.procs of `dir` and, with `recursive`, of every group below it (64 levels at
// most; a group removed while it is walked is skipped). False with a one-line error naming the
// file when `dir`'s own list cannot be read.
bool cgroup_pids(const std::string& dir, bool recursive, std::vector<pid_t>& pids, std::string& err);
// The same, empty when unreadable.
std::vector<pid_t> cgroup_pids(const std::string& dir, bool recursive);
// Checks `path` is a cgroup v2 directory; sets its id (inode number = kernfs id) and level
// (depth below the mount). One-line error naming the path on failure.
bool cgroup_info(const std::string& path, uint64_t& id, uint32_t& level, std::string& err);

}  // namespace lg
