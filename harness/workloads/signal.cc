// SPDX-License-Identifier: MIT
// signal: send a signal to the target repeatedly (reload churn).
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "harness/base/signals.h"
#include "harness/workloads/outcome.h"
#include "harness/workloads/pace.h"
#include "harness/workloads/workload.h"

namespace lg {

namespace {

class SignalWorkload : public Workload {
 public:
  SignalWorkload(const Churn& c, int sig, bool group) : c_(c), sig_(sig), group_(group) {}

  void run(const WorkloadContext& ctx) override {
    Pacer pacer(c_.count, c_.rate, ctx.stop);
    FirstError err;
    if (ctx.target_pid <= 0) err.set(0, "signal workload needs a target");
    // Without the run's process list, the group is the target's process group (the run
    // starts the target as a group leader).
    if (!err.any() && group_ && !ctx.target_pids && getpgid(ctx.target_pid) != ctx.target_pid)
      err.set(0, "signal to: group: the run's process list is unknown and the target is not a process group leader");
    while (!err.any() && pacer.next()) {
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
      count_event();
    }
    finish_run(err, events(), pacer, last_event(), ctx, "signals");
  }

 private:
  Churn c_;
  int sig_;
  bool group_;
};

std::unique_ptr<Workload> make_signal(const Params& p) {
  return std::make_unique<SignalWorkload>(churn_of(p), (int)p.count("signal"), p.str("to") == "group");
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
