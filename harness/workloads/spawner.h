// SPDX-License-Identifier: MIT
#pragma once
// The spawner: a small process that forks the processes workloads start (procexit events, the
// processes inside `cgroup` groups), reaps them and reports each one back.
//
// Why: fork() copies the page tables of the caller. leakguard grows during a run (BPF
// skeletons, threads, series buffers) and forking from it made process churn 3-5x slower than
// the kernel allows (perf: a third of the time in copy_page_range). The spawner is forked once,
// while the caller is still small (`leakguard run` does it before the probe loads anything), and
// stays small: after the fork it touches only its stack and a few mmap'd tables, never the heap,
// so it is also safe to fork from a threaded process.
//
// Each child is still a real process with its own address space (fork, not vfork), that may
// enter a netns, start threads, sleep, exec, or pause until killed. The spawner is a child of
// its caller with PR_SET_PDEATHSIG(SIGKILL) and in its own process group (a terminal's Ctrl-C is
// for leakguard); its children get PR_SET_PDEATHSIG(SIGKILL) too. When the caller closes the
// spawner's socket (or dies), the spawner kills every child, reaps them and exits.
//
// Protocol: one SOCK_SEQPACKET socket pair per channel, one channel per worker thread. A
// channel is configured once (what its children do) and then asks for children by cookie;
// the spawner answers with a Started (when asked for) and an Exited message per child.
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace lg {

// What every child of one channel does, in this order.
struct SpawnSpec {
  int netns_fd = -1;              // setns(CLONE_NEWNET) into it (-1: stay)
  uint32_t threads = 0;           // extra threads blocked in pause(); they end with the process
  double lifetime = 0;            // seconds to sleep
  std::string path;               // execve(path, argv) ("": no exec)
  std::vector<std::string> argv;  //
  bool pause = false;             // without exec: pause() until killed instead of _exit(0)
  bool report_start = false;      // send a Started event once each child exists
};

// Where a child failed before it could do its job (the errno is SpawnEvent::err).
enum SpawnStep : int32_t { kSpawnOk = 0, kSpawnFork, kSpawnSetns, kSpawnClone, kSpawnExec, kSpawnCgroup };

// The call that failed, for error messages: "fork", "setns(run netns) in the child", ...
const char* spawn_step_call(int step);

struct SpawnEvent {
  bool started = false;  // true: Started (the child exists), false: Exited (reaped)
  uint64_t cookie = 0;
  pid_t pid = 0;     // 0 when the fork itself failed
  int status = 0;    // wait status, Exited only
  int32_t err = 0;   // errno of the failed step, 0 when none
  int32_t step = 0;  // SpawnStep
};

class SpawnChannel {
 public:
  explicit SpawnChannel(int fd) : fd_(fd) {}
  SpawnChannel(const SpawnChannel&) = delete;
  SpawnChannel& operator=(const SpawnChannel&) = delete;
  // Closing the channel makes the spawner kill its children that are still alive.
  ~SpawnChannel();
  // One child. `cgroup_fd` >= 0 (a cgroup v2 directory): the child starts in that group
  // (clone3 CLONE_INTO_CGROUP, or writing cgroup.procs in the child where clone3 is missing).
  // False with errno when the spawner is gone.
  bool spawn(uint64_t cookie, int cgroup_fd = -1);
  // SIGKILL to this channel's live children with `cookie` (0: all of them).
  bool kill(uint64_t cookie);
  // The next event. timeout_ms < 0 blocks. 1: an event; 0: timeout; -1: error (errno; EPIPE
  // when the spawner is gone).
  int next(SpawnEvent& ev, int timeout_ms);

 private:
  int fd_;
};

// How many spawners a run starts: one per CPU (at most 8).
unsigned spawners_per_run();

// One or more spawner processes; channels are given to them in turn, so that with one per
// CPU the forks of several worker threads run in parallel (one spawner forks one at a time).
class Spawner {
 public:
  Spawner() = default;
  Spawner(const Spawner&) = delete;
  Spawner& operator=(const Spawner&) = delete;
  ~Spawner() { stop(); }
  // Forks `processes` spawners. Call early, while the process is small.
  bool start(std::string& err, unsigned processes = 1);
  bool running() const { return !ctl_.empty(); }
  pid_t pid() const { return pids_.empty() ? 0 : pids_[0]; }  // the first spawner
  const std::vector<pid_t>& pids() const { return pids_; }
  bool owns(pid_t p) const;  // p is one of the spawner processes
  // Ends the spawners: each kills and reaps what is left, then exits; waits for them.
  void stop();
  // A channel whose children all do `spec`. nullptr and `err` when that fails.
  std::unique_ptr<SpawnChannel> open(const SpawnSpec& spec, std::string& err);

 private:
  std::vector<int> ctl_;
  std::vector<pid_t> pids_;
  size_t next_ = 0;  // under mu_
  std::mutex mu_;    // open() from several worker threads
};

}  // namespace lg
