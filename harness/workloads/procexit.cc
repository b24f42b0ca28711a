// SPDX-License-Identifier: MIT
// procexit: short-lived processes that exit.
//
// Design: `concurrency` worker threads, each with at most one child at a time. The children
// are forked by the spawner (spawner.h), a small process made before the run grew, because a
// fork from leakguard itself copies its page tables and runs at a fraction of the kernel's
// speed. Each worker has its own channel to the spawner: it asks for a child and waits for the
// report that the child exited and was reaped. A failed setns/clone/execve inside the child
// comes back with its errno.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "harness/base/fs.h"
#include "harness/base/strings.h"
#include "harness/workloads/kernel_limits.h"
#include "harness/workloads/outcome.h"
#include "harness/workloads/pace.h"
#include "harness/workloads/spawner.h"
#include "harness/workloads/workload.h"

namespace lg {

namespace {

struct ProcexitOpts : Churn {
  std::vector<std::string> exec;
  uint64_t threads = 0;
  double lifetime = 0;
  bool in_netns = false;
};

// Resolves argv[0] as execvp would, before anything starts: the child must not search PATH.
std::string resolve(const std::string& word) {
  if (word.find('/') != std::string::npos) return access(word.c_str(), X_OK) == 0 ? word : "";
  const char* path = getenv("PATH");
  for (const auto& dir : split(path ? path : "/usr/bin:/bin", ':')) {
    std::string p = (dir.empty() ? "." : dir) + "/" + word;
    struct stat st;
    if (stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

class ProcexitWorkload : public Workload {
 public:
  explicit ProcexitWorkload(const ProcexitOpts& o) : o_(o) {}
  void run(const WorkloadContext& ctx) override;

 private:
  void worker(Spawner& sp);

  ProcexitOpts o_;
  const WorkloadContext* ctx_ = nullptr;
  Pacer* pacer_ = nullptr;
  FirstError err_;
  SpawnSpec spec_;
};

void ProcexitWorkload::worker(Spawner& sp) {
  std::string e;
  std::unique_ptr<SpawnChannel> ch = sp.open(spec_, e);
  if (!ch) {
    err_.set(errno, e);
    pacer_->abort();
    return;
  }
  // A child that lives a while (lifetime, exec) is waited for in 20 ms slices so that a stop
  // is noticed; it is then killed. A fork + _exit child is waited for without a timeout.
  const bool long_lived = o_.lifetime > 0 || !spec_.path.empty();
  while (pacer_->next()) {
    if (!ch->spawn(1)) {
      err_.failed(errno, "spawner");
      pacer_->abort();
      break;
    }
    SpawnEvent ev;
    bool killed = false;
    int r;
    while ((r = ch->next(ev, long_lived ? 20 : -1)) == 0 || (r > 0 && ev.started)) {
      if (r == 0 && !killed && pacer_->stopped()) killed = ch->kill(0);
    }
    if (r < 0) {
      err_.failed(errno, "spawner");
      pacer_->abort();
      break;
    }
    if (ev.step) {
      std::string call = spawn_step_call(ev.step);
      if (ev.step == kSpawnExec) call += "(" + spec_.path + ")";
      err_.failed(ev.err, call);
      pacer_->abort();
      break;
    }
    count_event();
  }
}

void ProcexitWorkload::run(const WorkloadContext& ctx) {
  ctx_ = &ctx;
  Pacer pacer(o_.count, o_.rate, ctx.stop);
  pacer_ = &pacer;
  auto finish = [&] { finish_run(err_, events(), pacer, last_event(), ctx, "processes"); };
  if (o_.in_netns && ctx.run_netns_fd < 0) {
    err_.set(0, "procexit in_netns: the run has no network namespace to enter");
    finish();
    return;
  }
  spec_.netns_fd = o_.in_netns ? ctx.run_netns_fd : -1;
  spec_.threads = (uint32_t)o_.threads;
  spec_.lifetime = o_.lifetime;
  if (!o_.exec.empty()) {
    spec_.path = resolve(o_.exec[0]);
    if (spec_.path.empty()) {
      err_.set(ENOENT, "procexit exec: " + o_.exec[0] + " not found or not executable");
      finish();
      return;
    }
    spec_.argv = o_.exec;
  }
  // The run's spawner; outside a run (tests, benchmarks without one) a private one, forked now.
  Spawner own;
  Spawner* sp = ctx.spawner;
  if (!sp) {
    std::string e;
    if (!own.start(e)) {
      err_.set(errno, e);
      finish();
      return;
    }
    sp = &own;
  }
  uint64_t workers = o_.concurrency;
  if (o_.count) workers = std::min(workers, o_.count);
  std::vector<std::thread> threads;
  for (uint64_t i = 0; i < workers; i++) threads.emplace_back([this, sp] { worker(*sp); });
  for (auto& t : threads) t.join();
  finish();
}

std::unique_ptr<Workload> make_procexit(const Params& p) {
  ProcexitOpts o;
  static_cast<Churn&>(o) = churn_of(p);
  o.exec = p.list("exec");
  o.threads = (uint64_t)std::max<int64_t>(0, p.count("threads"));
  o.lifetime = p.number("lifetime");
  o.in_netns = p.flag("in_netns");
  return std::make_unique<ProcexitWorkload>(o);
}

std::vector<FieldProblem> check_procexit(const Params& p) {
  std::vector<FieldProblem> out;
  auto argv = p.list("exec");
  if (!argv.empty() && argv[0].empty()) out.push_back({"exec", "exec: empty program name"});
  if (p.count("threads") > 10000)
    out.push_back({"threads", "threads " + std::to_string(p.count("threads")) + " per process is more than 10000"});
  // Each process and its threads take pids: min(count, concurrency) x (1 + threads) of them.
  check_alive_at_once(p, "/proc/sys/kernel/pid_max", 1 + std::min<int64_t>(p.count("threads"), 1 << 20),
                      "processes (pids)", out);
  return out;
}

}  // namespace

// extern: a namespace-scope const has internal linkage otherwise; registry.cc refers to it.
extern const WorkloadKind procexit_workload = {
    "procexit",
    "short-lived processes: fork and _exit, or exec an argv; optionally with threads",
    "process exited and reaped",
    churn_fields({},
                 {.things = "processes",
                  .verb = "start",
                  .per_second = "starts",
                  .alive = "alive",
                  .count = "1000",
                  .concurrency = "4"},
                 {
                     {"exec", FieldType::Argv, "", "argv to exec in each process (absent: fork and _exit)"},
                     {"threads", FieldType::Count, "0", "extra threads per process; they exit with exit_group", {}, 0},
                     {"lifetime", FieldType::Duration, "0ms", "how long each process lives before exiting"},
                     {"in_netns", FieldType::Bool, "false", "run the processes inside the run's network namespace"},
                 }),
    make_procexit,
    check_procexit,
    needs_in_netns,
};

}  // namespace lg
