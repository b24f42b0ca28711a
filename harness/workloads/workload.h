// SPDX-License-Identifier: MIT
#pragma once
// A workload kind is one self-contained unit (harness/workloads/<kind>.cc) that declares its
// fields with their defaults, makes runnable instances, checks its fields against the kernel's
// limits and says which kernel features it needs; all kinds are listed in one table
// (registry.cc).
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/base/params.h"
#include "harness/base/run_result.h"

namespace lg {

class FirstError;
class Pacer;
class Spawner;

// What a running workload may use from the run.
struct WorkloadContext {
  pid_t target_pid = 0;                     // main pid of the target, 0 without a target
  std::string run_dir;                      // the run's output directory
  std::string netns_dir;                    // where bind-mounted namespaces go ("/run/netns")
  std::string bpffs_dir;                    // the run's private bpffs directory for pins
  int run_netns_fd = -1;                    // a netns of the run, for `procexit` inside a netns
  const std::atomic<bool>* stop = nullptr;  // set when the phase or the run must end now
  // Why *stop was set: "the phase end", "the interruption", "the target's exit".
  const std::atomic<const char*>* stop_reason = nullptr;
  // nullptr while the workload may go on; else why it was stopped, for its report.
  const char* stopped_by() const {
    if (!stop || !stop->load()) return nullptr;
    return stop_reason ? stop_reason->load() : "the phase end";
  }
  // Live network namespaces kernel-wide, for pacing on sys.netns (nullptr: unknown).
  std::function<double()> live_netns;
  // Every process of the run (the target and its descendants), for `signal` with `to: group`
  // (nullptr: unknown; the workload then signals the target's process group).
  std::function<std::vector<pid_t>()> target_pids;
  // Forks the processes workloads start (spawner.h); nullptr: a kind makes a private one.
  Spawner* spawner = nullptr;
  // Told about every cgroup directory a workload is about to create, so that the watchdog
  // removes it should leakguard die (nullptr: nobody to tell).
  std::function<void(const std::string&)> own_cgroup;
};

class Workload {
 public:
  virtual ~Workload() = default;
  // Runs to the requested count, until *ctx.stop, or until an error; releases every object
  // it created before returning; fills outcome(). Called once, on its own thread.
  virtual void run(const WorkloadContext& ctx) = 0;
  // Completed events so far; read by the sampler thread at any time.
  uint64_t events() const { return events_.load(std::memory_order_relaxed); }
  // When the latest event completed (monotonic_seconds()), 0 before the first.
  double last_event() const { return last_event_.load(std::memory_order_relaxed); }
  const WorkloadOutcome& outcome() const { return outcome_; }

 protected:
  // The tail of every kind's run() (outcome.cc): the first error in `err`, "... after N
  // <noun>" with N = `done`; then the requested and achieved counts and rates with the
  // standard warnings, over the time from the pacer's start to `last`, when the last event
  // completed (monotonic_seconds(); 0: none did, so until now).
  void finish_run(FirstError& err, uint64_t done, const Pacer& pacer, double last, const WorkloadContext& ctx,
                  const char* noun);

  // One more event completed, now: counts it and notes the time (any worker thread).
  void count_event();

  std::atomic<uint64_t> events_{0};
  WorkloadOutcome outcome_;

 private:
  std::atomic<double> last_event_{0};
};

// A kernel feature a workload needs, as `leakguard probe` names it.
struct KernelNeed {
  const char* feature;  // probe key: "netns.create"
  std::string why;      // after "phase P, workload K": " (in_netns) needs network namespaces"
};

// A problem with a workload's fields as a whole, found before anything runs: a combination the
// kind refuses, or more objects alive at once than the kernel allows.
struct FieldProblem {
  std::string field;  // the field it is about (its line in the scenario); "" for the workload
  std::string message;
  bool warning = false;  // true: worth saying, the scenario still runs
};

// What a kind keeps from before the target starts until it has stopped (see `prepare`).
struct Prepared {
  virtual ~Prepared() = default;
};

// Everything about a kind is here and in its file; the run and the loader ask the table.
struct WorkloadKind {
  const char* name;               // "netns"
  const char* description;        // one line
  const char* event;              // what one event is: "network namespace created and released"
  std::vector<FieldSpec> fields;  // every field but `kind`, each default written once, here
  // A runnable instance; p holds every field that has a value or a default (make_workload).
  std::unique_ptr<Workload> (*make)(const Params& p);
  // Validation after the field types are checked: bad combinations and kernel limits.
  std::vector<FieldProblem> (*check)(const Params& p) = nullptr;
  // The kernel features it needs with these fields; preflight refuses a scenario (exit 3)
  // when `leakguard probe` finds one missing.
  std::vector<KernelNeed> (*needs)(const Params& p) = nullptr;
  // Optional: made before the target starts and kept until it has stopped, for what a target
  // must find from its start (the directory `cgroup` makes its groups in, which an agent
  // watches before any group exists). Returns nullptr and `err` when it cannot be made.
  std::unique_ptr<Prepared> (*prepare)(const Params& p, const WorkloadContext& ctx, std::string& err) = nullptr;
};

const std::vector<const WorkloadKind*>& workload_kinds();
const WorkloadKind* find_workload_kind(const std::string& name);

// kind.make with the defaults of the fields `given` leaves out; nullptr when the kind has no make.
std::unique_ptr<Workload> make_workload(const WorkloadKind& kind, const Params& given);

}  // namespace lg
