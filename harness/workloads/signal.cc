// SPDX-License-Identifier: MIT
// signal: send a signal to the target repeatedly (reload churn).
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "harness/base/clock.h"
#include "harness/base/signals.h"
#include "harness/workloads/outcome.h"
#include "harness/workloads/pace.h"
#include "harness/workloads/workload.h"

namespace lg {

namespace {

class SignalWorkload : public Workload {
 public:
  SignalWorkload(uint64_t count, double rate, int sig, bool group)
      : count_(count), rate_(rate), sig_(sig), group_(group) {}

  void run(const WorkloadContext& ctx) override {
    Pacer pacer(count_, rate_, ctx.stop);
    double last = 0;
    FirstError err;
    if (ctx.target_pid <= 0) err.set(0, "signal workload needs a target");
    // Without the run's process list, the group is the target's process group (the run
    // starts the target as a group leader).
    if (!err.any() && group_ && !ctx.target_pids && getpgid(ctx.target_pid) != ctx.target_pid)
      err.set(0, "signal to: group: the run's process list is unknown and the target is not a process group leader");
    double due;
    while (!err.any() && pacer.take(due) && sleep_until(due, pacer)) {
      if (!group_ || !ctx.target_pids) {
        pid_t to = group_ ? -ctx.target_pid : ctx.target_pid;
        if (kill(to, sig_) != 0) {
          err.failed(errno, "kill(" + std::to_string(to) + ", " + signal_name(sig_) + ")");
          break;
        }
      } else {
        // Processes come and go: one that vanished is not an error, the main one is.
        for (pid_t p : ctx.target_pids())
          if (p != ctx.target_pid) kill(p, sig_);
        if (kill(ctx.target_pid, sig_) != 0) {
          err.failed(errno, "kill(" + std::to_string(ctx.target_pid) + ", " + signal_name(sig_) + ")");
          break;
        }
      }
      events_.fetch_add(1, std::memory_order_relaxed);
      last = monotonic_seconds();
    }
    err.to(outcome_, events(), "signals");
    double active = (last > 0 ? last : monotonic_seconds()) - pacer.start();
    finish_outcome(outcome_, count_, rate_, events(), active, ctx.stopped_by(), "signals");
  }

 private:
  uint64_t count_;
  double rate_;
  int sig_;
  bool group_;
};

std::unique_ptr<Workload> make_signal(const Params& p) {
  Churn c = churn_of(p);
  return std::make_unique<SignalWorkload>(c.count, c.rate, (int)p.count("signal"), p.str("to") == "group");
}

std::vector<FieldProblem> check_signal(const Params& p) {
  int64_t sig = p.count("signal");
  if (sig < 1 || sig >= NSIG) return {{"signal", "signal " + std::to_string(sig) + " is not a signal number"}};
  if (sig == SIGKILL || sig == SIGSTOP)
    return {{"signal", signal_name((int)sig) + " would end or freeze the target, not churn it"}};
  return {};
}

}  // namespace

// extern: a namespace-scope const has internal linkage otherwise; registry.cc refers to it.
extern const WorkloadKind signal_workload = {
    "signal",
    "send a signal to the target repeatedly: reload churn",
    "signal delivered to the target",
    churn_fields({}, {.things = "signals", .verb = "send", .per_second = "signals", .count = "100", .rate = "10/s"},
                 {
                     {"signal", FieldType::Signal, "HUP", "which signal (HUP, USR1, ...)"},
                     {"to",
                      FieldType::Enum,
                      "main",
                      "main: the target's main process; group: every process of the run",
                      {"main", "group"}},
                 }),
    make_signal,
    check_signal,
};

}  // namespace lg
