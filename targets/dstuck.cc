// SPDX-License-Identifier: MIT
// dstuck: a job runner that, on each SIGHUP, starts a helper thread which spawns a program the
// way posix_spawn does it: clone(CLONE_VM | CLONE_VFORK), the child running on a stack of its
// own in the parent's memory until it execs. The parent is suspended in the kernel
// (wait_for_vfork_done, state D) until the child execs or exits.
//
// It imitates the "ghost process" bug where the spawning side hands the child its work through
// a pipe after starting it: with vfork semantics the parent cannot write before the child
// execs, and the child will not exec before it reads. Every job leaves a helper thread in D
// state that nothing but SIGKILL ends, and a child process waiting in pipe_read.
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <list>
#include <thread>

#include "targets/common.h"

namespace {

const char* kProg = "dstuck";
const char* kSummary =
    "On each SIGHUP a helper thread spawns --exec with clone(CLONE_VM | CLONE_VFORK), as\n"
    "posix_spawn does. Leaky mode makes the child wait for the parent's go-ahead before it\n"
    "execs: the helper stays in D state (wait_for_vfork_done) and the child in pipe_read.";
const char* kSignals = "SIGHUP starts a job; SIGUSR1 prints counters on stderr; SIGTERM/SIGINT stop (exit 0)";
constexpr size_t kChildStack = 64 * 1024;

struct Spawn {
  bool leaky = false;
  const char* exec = nullptr;
  int go[2] = {-1, -1};  // the parent's go-ahead to the child (leaky mode waits for it)
};

// The child: runs on its own stack in the parent's memory until it execs; only raw system
// calls. Not libc's wrappers nor sanitizer code: under ASan they are intercepted (read checks
// its buffer, _exit runs the leak check), in memory shared with the parent's other threads,
// which may hold the runtime's locks.
__attribute__((no_sanitize("address", "undefined"))) int child_main(void* arg) {
  auto* s = static_cast<Spawn*>(arg);
  uint64_t none = 0;  // the kernel's signal set: unblock all
  syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, nullptr, sizeof none);
  if (s->leaky) {
    // The bug: wait for the parent to send the work. The parent is suspended until we exec, so
    // this read returns only when every write end is closed (the target's exit).
    // Only our end of our own pipe: a copy of another job's write end would keep that job's
    // child waiting after the target is gone.
    int rd = s->go[0];
    if (rd > 3) syscall(SYS_close_range, 3u, (unsigned)rd - 1, 0u);
    syscall(SYS_close_range, (unsigned)rd + 1, ~0u, 0u);
    char c;
    if (syscall(SYS_read, rd, &c, 1) != 1) syscall(SYS_exit_group, 1);
  }
  char* const argv[] = {const_cast<char*>(s->exec), nullptr};
  syscall(SYS_execve, s->exec, argv, environ);
  syscall(SYS_exit_group, 127);
  return 127;
}

std::atomic<unsigned long long> g_spawned{0}, g_ok{0}, g_failed{0};

// One job: spawn the program, wait for it. In leaky mode it never gets past clone().
void helper_main(Spawn* s, std::atomic<bool>* done) {
  void* stack = mmap(nullptr, kChildStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) {
    fprintf(stderr, "%s: mmap child stack: %s\n", kProg, strerror(errno));
    g_failed++;
  } else {
    pid_t pid = clone(child_main, static_cast<char*>(stack) + kChildStack, CLONE_VM | CLONE_VFORK | SIGCHLD, s);
    // Here the child has exec'd or exited: its stack is free again.
    munmap(stack, kChildStack);
    if (pid < 0) {
      fprintf(stderr, "%s: clone: %s\n", kProg, strerror(errno));
      g_failed++;
    } else {
      g_spawned++;
      if (s->go[1] >= 0) (void)!write(s->go[1], "x", 1);  // too late: only after the exec
      int status = 0;
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      (WIFEXITED(status) && WEXITSTATUS(status) == 0 ? g_ok : g_failed)++;
    }
  }
  for (int fd : s->go)
    if (fd >= 0) close(fd);
  delete s;
  done->store(true);
}

struct Job {
  std::thread thread;
  std::atomic<bool> done{false};
};

}  // namespace

int main(int argc, char** argv) {
  tgt::Cli cli = tgt::parse_cli(argc, argv, kProg, kSummary, kSignals,
                                {{"exec", "PATH", "the program each job runs", "/bin/true"}});
  bool leaky = cli.mode() == tgt::Mode::Leaky;
  std::string exec = cli.get("exec");
  if (exec.empty() || exec[0] != '/') cli.fail("--exec needs an absolute path, not '" + exec + "'");
  if (access(exec.c_str(), X_OK) != 0) {
    fprintf(stderr, "%s: --exec %s: %s\n", kProg, exec.c_str(), strerror(errno));
    return 1;
  }
  int sfd = tgt::signal_fd(kProg, {SIGTERM, SIGINT, SIGHUP, SIGUSR1});
  std::list<Job> jobs;  // fixed mode: joined when done; leaky mode: detached (they never end)
  unsigned long long started = 0, errors = 0;
  tgt::say(std::string("dstuck ready (") + cli.get("mode") + ")");

  auto join_done = [&](bool all) {
    for (auto it = jobs.begin(); it != jobs.end();) {
      if (!all && !it->done) {
        ++it;
        continue;
      }
      it->thread.join();
      it = jobs.erase(it);
    }
  };

  for (;;) {
    pollfd p{sfd, POLLIN, 0};
    if (poll(&p, 1, -1) < 0 && errno != EINTR) {
      fprintf(stderr, "%s: poll: %s\n", kProg, strerror(errno));
      return 1;
    }
    while (int sig = tgt::next_signal(sfd)) {
      if (sig == SIGHUP) {
        join_done(false);
        auto* s = new Spawn;
        s->leaky = leaky;
        s->exec = exec.c_str();
        if (leaky && pipe2(s->go, O_CLOEXEC) != 0) {
          errors++;
          fprintf(stderr, "%s: pipe: %s\n", kProg, strerror(errno));
          delete s;
          continue;
        }
        Job& j = jobs.emplace_back();
        try {
          j.thread = std::thread(helper_main, s, &j.done);
        } catch (const std::system_error& e) {
          errors++;
          fprintf(stderr, "%s: start helper thread: %s\n", kProg, e.what());
          for (int fd : s->go)
            if (fd >= 0) close(fd);
          delete s;
          jobs.pop_back();
          continue;
        }
        started++;
        if (leaky) {
          j.thread.detach();  // stuck in clone() for good
          jobs.pop_back();
        }
      } else if (sig == SIGUSR1) {
        fprintf(stderr, "%s: jobs started %llu, spawned %llu, ok %llu, failed %llu, running %zu, errors %llu\n", kProg,
                started, g_spawned.load(), g_ok.load(), g_failed.load(), jobs.size(), errors);
      } else {
        join_done(true);  // fixed mode: each job ends as soon as its program does
        fprintf(stderr, "%s: stopping after %llu jobs (spawned %llu, ok %llu, failed %llu)\n", kProg, started,
                g_spawned.load(), g_ok.load(), g_failed.load());
        close(sfd);
        // Leaky mode: exit_group kills the stuck helpers; their children read EOF. Directly, not
        // through exit(): under ASan the leak check at exit stops every thread with ptrace, and a
        // helper in the vfork wait never stops, so the check would hang.
        if (leaky && started > 0) {
          fflush(nullptr);
          syscall(SYS_exit_group, 0);
        }
        return 0;
      }
    }
  }
}
