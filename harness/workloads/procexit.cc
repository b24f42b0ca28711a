// SPDX-License-Identifier: MIT
// procexit: short-lived processes that exit.
//
// Design: `concurrency` worker threads, each with at most one child at a time: fork, wait for
// that pid (never waitpid(-1): the run has other children, the target first of all). The
// child only makes async-signal-safe calls (it was forked from a threaded process). A child
// reports a failed setns/clone/execve through a shared page, so the error keeps its errno.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include "harness/base/clock.h"
#include "harness/base/fs.h"
#include "harness/base/strings.h"
#include "harness/workloads/kernel_limits.h"
#include "harness/workloads/outcome.h"
#include "harness/workloads/pace.h"
#include "harness/workloads/workload.h"

extern char** environ;

namespace lg {

namespace {

constexpr size_t kThreadStack = 64 * 1024;

struct ProcexitOpts : Churn {
  std::vector<std::string> exec;
  uint64_t threads = 0;
  double lifetime = 0;
  bool in_netns = false;
};

// What a child writes before dying of a failure (MAP_SHARED, one per worker).
struct ChildReport {
  int err;
  int step;  // 1 setns, 2 clone, 3 execve
};

int idle_thread(void*) {
  for (;;) pause();
  return 0;
}

// Resolves argv[0] as execvp would, before any fork: the child must not search PATH.
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
  void worker();
  [[noreturn]] void child(ChildReport* rep, char* stacks, pid_t parent);
  bool wait_child(pid_t pid, int& status);

  ProcexitOpts o_;
  const WorkloadContext* ctx_ = nullptr;
  Pacer* pacer_ = nullptr;
  FirstError err_;
  std::string path_;
  std::vector<char*> argv_;
  std::mutex mu_;
  double last_ = 0;  // under mu_: when the last child was reaped
};

void ProcexitWorkload::child(ChildReport* rep, char* stacks, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(0);  // the forking thread is already gone
  if (o_.in_netns && setns(ctx_->run_netns_fd, CLONE_NEWNET) != 0) {
    rep->err = errno, rep->step = 1;
    _exit(1);
  }
  for (uint64_t i = 0; i < o_.threads; i++) {
    char* top = stacks + (i + 1) * kThreadStack;
    int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
    if (clone(idle_thread, top, flags, nullptr) < 0) {
      rep->err = errno, rep->step = 2;
      _exit(1);
    }
  }
  if (o_.lifetime > 0) {
    timespec ts{(time_t)o_.lifetime, (long)((o_.lifetime - (double)(time_t)o_.lifetime) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
  }
  if (!argv_.empty()) {
    execve(path_.c_str(), argv_.data(), environ);
    rep->err = errno, rep->step = 3;
    _exit(127);
  }
  _exit(0);  // exit_group: takes the extra threads with it
}

// Waits for `pid`. A child that lives a while (lifetime, exec) is watched through a pidfd so
// a stop is noticed; it is then killed. Returns false only if waiting itself failed.
bool ProcexitWorkload::wait_child(pid_t pid, int& status) {
  if (o_.lifetime > 0 || !argv_.empty()) {
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd >= 0) {
      pollfd p{pfd, POLLIN, 0};
      for (;;) {
        if (pacer_->stopped()) {
          kill(pid, SIGKILL);
          break;
        }
        int n = poll(&p, 1, 20);
        if (n > 0) break;
      }
      close(pfd);
    }
  }
  for (;;) {
    if (waitpid(pid, &status, 0) == pid) return true;
    if (errno != EINTR) return false;
  }
}

void ProcexitWorkload::worker() {
  auto* rep = static_cast<ChildReport*>(
      mmap(nullptr, sizeof(ChildReport), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  if (rep == MAP_FAILED) {
    err_.set(errno, std::string("mmap: ") + strerror(errno));
    pacer_->abort();
    return;
  }
  // Stacks for the children's extra threads; each child gets its own copy-on-write copy.
  char* stacks = nullptr;
  size_t stacks_len = o_.threads * kThreadStack;
  if (stacks_len) {
    void* m = mmap(nullptr, stacks_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
      err_.set(errno, std::string("mmap thread stacks: ") + strerror(errno));
      pacer_->abort();
      munmap(rep, sizeof *rep);
      return;
    }
    stacks = static_cast<char*>(m);
  }
  pid_t self = getpid();
  double last = 0;
  for (;;) {
    double due;
    if (!pacer_->take(due) || !sleep_until(due, *pacer_)) break;
    rep->err = 0, rep->step = 0;
    pid_t pid = fork();
    if (pid == 0) child(rep, stacks, self);
    if (pid < 0) {
      err_.failed(errno, "fork");
      pacer_->abort();
      break;
    }
    int status = 0;
    if (!wait_child(pid, status)) {
      err_.failed(errno, "waitpid");
      pacer_->abort();
      break;
    }
    if (rep->step) {
      static const char* steps[] = {"", "setns(run netns) in the child", "clone(thread) in the child", "execve"};
      std::string call = steps[rep->step];
      if (rep->step == 3) call += "(" + path_ + ")";
      err_.failed(rep->err, call);
      pacer_->abort();
      break;
    }
    events_.fetch_add(1, std::memory_order_relaxed);
    last = monotonic_seconds();
  }
  if (stacks) munmap(stacks, stacks_len);
  munmap(rep, sizeof *rep);
  std::lock_guard<std::mutex> l(mu_);
  last_ = std::max(last_, last);
}

void ProcexitWorkload::run(const WorkloadContext& ctx) {
  ctx_ = &ctx;
  Pacer pacer(o_.count, o_.rate, ctx.stop);
  pacer_ = &pacer;
  auto finish = [&] {
    err_.to(outcome_, events(), "processes");
    double active = (last_ > 0 ? last_ : monotonic_seconds()) - pacer.start();
    finish_outcome(outcome_, o_.count, o_.rate, events(), active, ctx.stop && ctx.stop->load(), "processes");
  };
  if (o_.in_netns && ctx.run_netns_fd < 0) {
    err_.set(0, "procexit in_netns: the run has no network namespace to enter");
    finish();
    return;
  }
  if (!o_.exec.empty()) {
    path_ = resolve(o_.exec[0]);
    if (path_.empty()) {
      err_.set(ENOENT, "procexit exec: " + o_.exec[0] + " not found or not executable");
      finish();
      return;
    }
    for (auto& a : o_.exec) argv_.push_back(a.data());
    argv_.push_back(nullptr);
  }
  uint64_t workers = o_.concurrency;
  if (o_.count) workers = std::min(workers, o_.count);
  std::vector<std::thread> threads;
  for (uint64_t i = 0; i < workers; i++) threads.emplace_back([this] { worker(); });
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

std::vector<KernelNeed> needs_procexit(const Params& p) {
  if (p.flag("in_netns")) return {{"netns.create", " (in_netns) needs network namespaces"}};
  return {};
}

}  // namespace

// extern: a namespace-scope const has internal linkage otherwise; registry.cc refers to it.
extern const WorkloadKind procexit_workload = {
    "procexit",
    "short-lived processes: fork and _exit, or exec an argv; optionally with threads",
    "process exited and reaped",
    {
        {"count", FieldType::Count, "1000", "processes to start"},
        {"rate", FieldType::Rate, "", "starts per second (absent: as fast as possible)"},
        {"concurrency", FieldType::Count, "4", "processes alive at once, at most"},
        {"exec", FieldType::Argv, "", "argv to exec in each process (absent: fork and _exit)"},
        {"threads", FieldType::Count, "0", "extra threads per process; they exit with exit_group", {}, 0},
        {"lifetime", FieldType::Duration, "0ms", "how long each process lives before exiting"},
        {"in_netns", FieldType::Bool, "false", "run the processes inside the run's network namespace"},
    },
    make_procexit,
    check_procexit,
    needs_procexit,
};

}  // namespace lg
