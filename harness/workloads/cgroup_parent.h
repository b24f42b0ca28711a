// SPDX-License-Identifier: MIT
#pragma once
// The directory under which `cgroup` workloads create their groups. It belongs to the run:
// made by the first workload that needs it, removed by the last one, and announced to the
// watchdog before it exists so that a SIGKILL of leakguard leaves nothing behind either.
#include <functional>
#include <string>

namespace lg {

// <cgroup2 mount>/leakguard-<pid>/churn: inside the run's own group ("" without cgroup v2).
// `leakguard` exports it as LEAKGUARD_CGROUP_PARENT for scenarios and targets.
std::string default_cgroup_parent();

// Why `rel` (the `parent` field, relative to the cgroup2 mount) cannot be used, or "".
std::string cgroup_parent_problem(const std::string& rel);

class CgroupParent {
 public:
  // `rel` "" : the default. `own` (may be empty) is told every directory before it is made.
  CgroupParent(std::string rel, std::function<void(const std::string&)> own);
  ~CgroupParent();
  // Makes the directory when this is its first user in the process. A `parent` that exists
  // already is refused (the run must own it); the default one may exist (the run made it).
  bool acquire(std::string& err);
  // The last user removes what acquire made. False (and err) when that fails.
  bool release(std::string& err);
  const std::string& dir() const { return dir_; }
  int fd() const { return fd_; }  // the directory, for mkdirat/unlinkat

 private:
  std::string rel_, dir_;
  std::function<void(const std::string&)> own_;
  int fd_ = -1;
  bool held_ = false;
};

}  // namespace lg
