// SPDX-License-Identifier: MIT
// reaper: a supervisor that, on each SIGHUP, starts a short-lived worker process and a
// helper thread that waits for the worker's result. It imitates supervisors that never
// handled SIGCHLD: exited workers stay zombies and the helpers wait forever for a wake-up
// that only the reaping code would send.
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "targets/common.h"

namespace {

const char* kProg = "reaper";
const char* kSummary =
    "On each SIGHUP starts a worker process that exits after --worker-time, and a helper\n"
    "thread that waits for its exit status. Leaky mode never reaps workers (zombies) and\n"
    "its helpers block forever (threads).";
const char* kSignals =
    "SIGHUP starts a worker and its helper; SIGUSR1 prints counters on stderr; SIGTERM/SIGINT stop (exit 0)";

// One worker and the helper that waits for it. The reaper fills status and wakes the helper.
struct Job {
  pid_t pid = 0;
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  int status = 0;
  std::thread helper;
};

std::atomic<unsigned long long> g_ok{0}, g_failed{0};

void helper_main(Job* j) {
  std::unique_lock<std::mutex> lk(j->m);
  j->cv.wait(lk, [j] { return j->done; });
  if (WIFEXITED(j->status) && WEXITSTATUS(j->status) == 0)
    g_ok++;
  else
    g_failed++;
}

pid_t start_worker(long long worker_us) {
  // LEAK-SITE: reaper-zombie
  pid_t pid = fork();
  if (pid == 0) {
    tgt::unblock_all_signals();
    timespec ts{(time_t)(worker_us / 1000000), (long)(worker_us % 1000000) * 1000};
    nanosleep(&ts, nullptr);
    _exit(0);
  }
  return pid;
}

void finish(std::unordered_map<pid_t, Job*>& jobs, pid_t pid, int status) {
  auto it = jobs.find(pid);
  if (it == jobs.end()) return;
  Job* j = it->second;
  {
    std::lock_guard<std::mutex> lk(j->m);
    j->done = true;
    j->status = status;
  }
  j->cv.notify_one();
  j->helper.join();
  delete j;
  jobs.erase(it);
}

}  // namespace

int main(int argc, char** argv) {
  tgt::Cli cli = tgt::parse_cli(argc, argv, kProg, kSummary, kSignals,
                                {{"worker-time", "DUR", "how long each worker lives", "10ms"}});
  bool fixed = cli.mode() == tgt::Mode::Fixed;
  long long worker_us = cli.duration_us("worker-time");

  // The bug is the missing SIGCHLD handling: leaky mode leaves SIGCHLD at its default.
  int sfd = fixed ? tgt::signal_fd(kProg, {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGCHLD})
                  : tgt::signal_fd(kProg, {SIGTERM, SIGINT, SIGHUP, SIGUSR1});

  std::unordered_map<pid_t, Job*> jobs;
  unsigned long long started = 0, errors = 0;
  tgt::say(std::string("reaper ready (") + cli.get("mode") + ")");

  for (;;) {
    tgt::wait_signal(kProg, sfd);
    while (int sig = tgt::next_signal(sfd)) {
      if (sig == SIGHUP) {
        pid_t pid = start_worker(worker_us);
        if (pid < 0) {
          errors++;
          fprintf(stderr, "%s: fork worker: %s\n", kProg, strerror(errno));
          continue;
        }
        Job* j = new Job;
        j->pid = pid;
        try {
          // LEAK-SITE: reaper-thread
          j->helper = std::thread(helper_main, j);
        } catch (const std::system_error& e) {
          // The worker still runs and is reaped; only its status goes unrecorded.
          errors++;
          fprintf(stderr, "%s: start helper thread for worker %d: %s\n", kProg, pid, e.what());
          delete j;
          continue;
        }
        started++;
        if (fixed)
          jobs[pid] = j;
        else
          j->helper.detach();  // nobody will ever wake it: the Job is forgotten with it
      } else if (sig == SIGCHLD) {
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) finish(jobs, pid, status);
      } else if (sig == SIGUSR1) {
        fprintf(stderr, "%s: workers started %llu, ok %llu, failed %llu, running %zu, errors %llu\n", kProg, started,
                g_ok.load(), g_failed.load(), jobs.size(), errors);
      } else {
        if (fixed) {
          // Workers live only --worker-time: wait for each, then let its helper finish.
          while (!jobs.empty()) {
            int status = 0;
            pid_t pid = waitpid(-1, &status, 0);
            if (pid < 0) {
              // No child left (ECHILD): release the helpers still waiting.
              while (!jobs.empty()) finish(jobs, jobs.begin()->first, 0);
              break;
            }
            finish(jobs, pid, status);
          }
        }
        fprintf(stderr, "%s: stopping after %llu workers (ok %llu, failed %llu)\n", kProg, started, g_ok.load(),
                g_failed.load());
        close(sfd);
        return 0;
      }
    }
  }
}
