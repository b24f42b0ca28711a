// SPDX-License-Identifier: MIT
#pragma once
// Following the target's processes wherever they go (docs/run.md, docs/security.md).
// A cgroup contains a target only while its processes stay in it: as root a process can write
// its pid into any cgroup.procs, and a daemon that double-forks, setsid()s, renames itself and
// clears its environment leaves every process-tree heuristic behind. The tracker follows forks:
//  - BPF (bpf/proctrack.bpf.c): tp_btf programs on sched_process_fork and sched_process_exit
//    keep the exact set of the target's processes (every process forked by one of them or by
//    a process of the target's cgroup, until it exits), and cgroup_attach_task records each
//    one that moves out of the target's cgroup. The census shares the set (census.bpf.c).
//  - procfs, when BTF tracepoints cannot load: a thread re-reads /proc every 50 ms and adds the
//    children of the processes it knows (a process that forks and exits between two reads can
//    get away; the report's containment line says which mode ran).
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

struct proctrack_bpf;

namespace lg {

class ProcTracker {
 public:
  struct Escape {
    pid_t pid = 0;
    std::string comm;
    std::string cgroup;         // where it went, relative to the cgroup v2 root ("/")
    bool born_outside = false;  // forked straight into another cgroup
  };

  ProcTracker() = default;
  ProcTracker(const ProcTracker&) = delete;
  ProcTracker& operator=(const ProcTracker&) = delete;
  ~ProcTracker();

  // Starts following. `cgroup`: absolute path of the target's cgroup v2 directory ("" : none,
  // forks only); `mount`: where cgroup v2 is mounted. `note` says which mode runs and why.
  // Fails only when neither mode can run.
  bool start(const std::string& cgroup, const std::string& mount, std::string& note, std::string& err);
  bool bpf() const { return skel_ != nullptr; }
  // BPF mode: the lgc_tracked map, for the census and for seed_from_child (-1 otherwise).
  int map_fd() const { return map_fd_; }
  // In a child forked to become the target, before exec: adds the child itself. One bpf()
  // syscall, async-signal-safe. No-op in procfs mode (seed() from the parent does it).
  static void seed_from_child(int map_fd);
  void seed(pid_t pid);
  // Called (from the tracker's thread) once for each process seen outside the target's cgroup.
  void on_escape(std::function<void(const Escape&)> f) { on_escape_ = std::move(f); }

  std::vector<pid_t> pids() const;  // live tracked processes
  // SIGKILL to every tracked process, safe against pid reuse: a pidfd is opened first, then the
  // process is checked to be still tracked, then signalled. Returns how many were signalled.
  size_t kill_all();
  std::vector<Escape> escapes() const;  // every one recorded so far, in pid order
  uint64_t lost() const;                // forks not followed (BPF map full)
  void stop();                          // stops the thread; the sets stay readable

 private:
  void loop();
  void poll_bpf();
  void poll_procfs();
  void escaped(const Escape& e);

  proctrack_bpf* skel_ = nullptr;
  int map_fd_ = -1;
  std::string cgroup_, cgroup_rel_, mount_;
  mutable std::mutex mu_;
  std::map<pid_t, uint64_t> procs_;  // procfs mode: pid -> start time (clock ticks)
  std::map<pid_t, Escape> escapes_;
  std::function<void(const Escape&)> on_escape_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat), 0 if gone.
uint64_t proc_start_time(pid_t pid);

}  // namespace lg
