// SPDX-License-Identifier: MIT
#pragma once
// The target: launched with Boost.Process (argv, no shell), contained in a cgroup (or found by
// process tree), its stdout/stderr logged by reader threads, waited for readiness, and
// stopped with a signal, a grace period and a kill of everything it started.
#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "harness/base/run_result.h"
#include "harness/scenario/scenario.h"

namespace lg {

struct TargetConfig {
  std::vector<std::string> argv;  // argv[0]: the resolved executable
  std::map<std::string, std::string> env;
  std::string cwd;
  std::string user;
  std::optional<uint64_t> limit_nofile, limit_nproc;
  std::string cgroup;  // join before exec; "" : process-tree containment
  // Process-tree containment: "NAME=VALUE" put in the target's environment; descendants inherit
  // it, so even those that double-fork and setsid() are found by it ("" : none).
  std::string tag;
  std::string stdout_log, stderr_log;  // "" : not written
  std::string ready_pattern;           // regex watched on stdout lines ("" : none)
  size_t tail_lines = 50;
};

// "exited with status 3", "killed by SIGSEGV (core dumped)".
std::string describe_wait_status(int status);

class Target {
 public:
  ~Target();  // kills whatever is left and joins the threads
  bool launch(const TargetConfig& cfg, std::string& err);
  pid_t pid() const { return pid_; }
  bool exited() const { return exited_.load(); }
  int wait_status() const { return status_; }
  double exit_time() const { return exit_time_; }  // CLOCK_MONOTONIC seconds

  // Waits for `r`; on failure returns false with a one-line message. Returns false at once
  // when *cancel becomes true (message "interrupted").
  bool wait_ready(const ReadySpec& r, const std::atomic<bool>* cancel, std::string& msg);
  // The signal, up to `grace` for the main process to exit, then SIGKILL to every process of
  // the target. `hurry()` true (a second Ctrl-C) cuts the grace short. Fills the
  // "stopped cleanly" lifecycle step.
  LifecycleStep stop(const StopSpec& s, const std::function<bool()>& hurry = nullptr);
  // Kills everything at once and waits for it (error paths, destructor).
  void kill_all();

  // Every live process of the target (the cgroup's, or the process tree's).
  std::vector<pid_t> pids() const;
  std::string stdout_tail() const { return tail(1); }
  std::string stderr_tail() const { return tail(2); }
  std::string stderr_last(size_t n) const;

 private:
  struct Stream {
    int fd = -1, log = -1;
    std::deque<std::string> tail;
    std::string partial;
    std::thread thread;
  };
  void read_loop(int which);
  void wait_loop();
  bool wait_exit(double seconds);
  bool group_empty() const;
  std::string tail(int which) const;

  TargetConfig cfg_;
  pid_t pid_ = 0;
  std::atomic<bool> exited_{false};
  int status_ = 0;
  double exit_time_ = 0;
  std::thread waiter_;
  Stream out_, err_;
  std::atomic<bool> readers_stop_{false};
  std::optional<std::regex> ready_re_;
  std::atomic<bool> ready_seen_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
};

// Pids of the process tree rooted at `root`: descendants by parent chain, processes in its
// process group or session (orphans reparented away keep those unless they setsid), and, with
// a `tag`, every process whose environment holds it (and their descendants).
std::vector<pid_t> process_tree(pid_t root, const std::string& tag = "");
// Whether /proc/PID/environ holds the "NAME=VALUE" entry `tag`.
bool environ_has(pid_t pid, const std::string& tag);

}  // namespace lg
