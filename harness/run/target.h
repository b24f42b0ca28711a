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
#include "harness/census/proctrack.h"
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
  // The logs, opened by the caller in the run's output directory (Target closes them; -1: no
  // log). Each keeps the first log_head and the last log_tail bytes of its stream and says how
  // much was dropped between them: a target that floods its output cannot fill the disk.
  int stdout_log_fd = -1, stderr_log_fd = -1;
  size_t log_head = 4 << 20, log_tail = 4 << 20;
  std::string ready_pattern;  // regex watched on output lines ("" : none)
  int ready_stream = 1;       // the stream it is watched on: 1 stdout, 2 stderr
  size_t tail_lines = 50;
  // Follows the target's processes by fork (they count, and are killed, wherever they go).
  ProcTracker* tracker = nullptr;
};

// "exited with status 3", "killed by SIGSEGV (core dumped)".
std::string describe_wait_status(int status);
// Whether a wait status after the stop signal `s.signal` is a clean stop: exit status 0, death
// by that signal, exit status equal to its number or to 128 + it (daemons such as atop exit
// with the signal's number, shells report it as 128 + N), or one of s.exit_codes. Sets `why`
// to the reason a non-zero exit status is accepted ("" otherwise).
bool clean_stop_status(const StopSpec& s, int wait_status, std::string& why);

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

  // Every live process of the target (the cgroup's, or the process tree's, and every process
  // the tracker follows).
  std::vector<pid_t> pids() const;
  std::string stdout_tail() const { return tail(1); }
  std::string stderr_tail() const { return tail(2); }
  std::string stderr_last(size_t n) const;
  // Ends the output readers (after stop): the logs are complete afterwards.
  void finish_output();
  uint64_t stdout_dropped() const { return out_.dropped; }  // bytes cut out of the log
  uint64_t stderr_dropped() const { return err_.dropped; }

 private:
  struct Stream {
    int fd = -1, log = -1;
    std::deque<std::string> tail;
    std::string partial;
    std::thread thread;
    uint64_t logged = 0;   // bytes in the log's head
    uint64_t over = 0;     // bytes after the head
    std::string last;      // the latest of those, at least log_tail of them
    uint64_t dropped = 0;  // written once the stream ended
  };
  void read_loop(int which);
  void log_bytes(Stream& s, const char* buf, size_t n);
  void log_finish(Stream& s);
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
  std::atomic<bool> out_eof_{false};  // the stdout reader has read everything
  mutable std::mutex mu_;
  std::condition_variable cv_;
};

// Pids of the process tree rooted at `root`: descendants by parent chain, processes in its
// process group or session (orphans reparented away keep those unless they setsid), and, with
// a `tag`, every process whose environment holds it (and their descendants).
std::vector<pid_t> process_tree(pid_t root, const std::string& tag = "");
// Whether a TCP socket listens on `port` in the network namespace of `pid` (from
// /proc/PID/net/tcp and tcp6: no connection is made, so the target sees nothing).
bool tcp_port_listening(pid_t pid, int port);
// Whether /proc/PID/environ holds the "NAME=VALUE" entry `tag`.
bool environ_has(pid_t pid, const std::string& tag);

}  // namespace lg
