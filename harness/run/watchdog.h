// SPDX-License-Identifier: MIT
#pragma once
// A tiny process forked at the start of `run` that cleans up after leakguard when leakguard
// dies without doing so itself (SIGKILL, crash). It holds the read end of a pipe; leakguard
// tells it over the pipe what to clean. When the pipe closes (leakguard exited, however),
// the watchdog kills and removes the registered cgroups, SIGKILLs the registered pids,
// removes the registered directories, and exits. Everything it does is idempotent, so after
// a clean run (leakguard already cleaned up) it finds nothing to do.
#include <sys/types.h>

#include <cstdint>
#include <string>

namespace lg {

class Watchdog {
 public:
  ~Watchdog();
  // Forks the watchdog. Call while leakguard has a single thread.
  bool start(std::string& err);
  bool running() const { return fd_ >= 0; }
  pid_t pid() const { return pid_; }
  void add_cgroup(const std::string& dir) { send("cgroup " + dir); }
  void add_pid(pid_t p) { send("pid " + std::to_string(p)); }
  // A process killed only while it is still the one that had that pid: its start time (clock
  // ticks since boot, /proc/PID/stat field 22) must match (a target's process outside its cgroup).
  void add_proc(pid_t p, uint64_t start) {
    if (p > 0 && start) send("proc " + std::to_string(p) + " " + std::to_string(start));
  }
  void remove_pid(pid_t p) { send("unpid " + std::to_string(p)); }
  void add_dir(const std::string& dir) { send("dir " + dir); }
  // Every process whose environment holds "NAME=VALUE" `tag` (process-tree containment).
  void add_tag(const std::string& tag) { send("tag " + tag); }
  // Closes the pipe and waits until the watchdog finished its (by then empty) cleanup.
  void finish();

 private:
  void send(const std::string& line);
  int fd_ = -1;
  pid_t pid_ = 0;
};

// The watchdog's cleanup, for tests and for the watchdog itself: `lines` as sent over the pipe.
void watchdog_cleanup(const std::string& lines);

}  // namespace lg
