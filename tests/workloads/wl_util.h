// SPDX-License-Identifier: MIT
#pragma once
// Helpers shared by the workload tests: build Params, run a workload the way the run does
// (its own thread, events() read concurrently), look at what the process holds.
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "harness/base/fs.h"
#include "harness/base/strings.h"
#include "harness/base/units.h"
#include "harness/workloads/workload.h"

namespace lg::test {

inline Params P(std::initializer_list<std::pair<const std::string, ParamValue>> kv) {
  Params p;
  p.values = kv;
  return p;
}

struct Ran {
  WorkloadOutcome out;
  uint64_t events = 0;    // events() after run() returned
  bool monotonic = true;  // events() never went down while sampled
  uint64_t samples = 0;
};

// Runs `kind` with `p` on its own thread; sets the stop flag after `stop_after` seconds when
// >= 0. `during` is called about every 5 ms while it runs (to observe live objects).
inline Ran run_kind(const char* kind, const Params& p, WorkloadContext ctx = {}, double stop_after = -1,
                    const std::function<void()>& during = {}) {
  Ran r;
  const WorkloadKind* k = find_workload_kind(kind);
  if (!k || !k->make) return r;
  auto w = make_workload(*k, p);
  std::atomic<bool> stop{false}, done{false};
  ctx.stop = &stop;
  std::thread t([&] {
    w->run(ctx);
    done = true;
  });
  auto start = std::chrono::steady_clock::now();
  uint64_t prev = 0;
  while (!done) {
    uint64_t e = w->events();
    if (e < prev) r.monotonic = false;
    prev = e;
    r.samples++;
    if (during) during();
    if (stop_after >= 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= stop_after)
      stop = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  t.join();
  r.out = w->outcome();
  r.events = w->events();
  if (r.events < prev) r.monotonic = false;
  return r;
}

// The first error kind.check finds in p (defaults filled as the loader does), "" when none;
// `field` gets the field it is about.
inline std::string check_error(const char* kind, Params p, std::string& field) {
  const WorkloadKind* k = find_workload_kind(kind);
  if (!k || !k->check) return "no check for " + std::string(kind);
  fill_defaults(k->fields, p);
  for (const auto& problem : k->check(p))
    if (!problem.warning) {
      field = problem.field;
      return problem.message;
    }
  return "";
}

inline bool is_root() { return geteuid() == 0; }

// Open fds of this process whose link starts with `prefix` ("net:[", "" for all).
inline int count_fds(const std::string& prefix = "") {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  if (!d) return -1;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    char buf[256];
    std::string p = std::string("/proc/self/fd/") + e->d_name;
    ssize_t len = readlink(p.c_str(), buf, sizeof buf - 1);
    if (len < 0) continue;
    buf[len] = 0;
    if (starts_with(buf, prefix)) n++;
  }
  closedir(d);
  return n - (prefix.empty() ? 1 : 0);  // the directory fd itself
}

// Children of every thread of process `pid` (zombies included); "self" for this process.
inline std::vector<pid_t> children(const std::string& pid = "self") {
  std::vector<pid_t> out;
  DIR* d = opendir(("/proc/" + pid + "/task").c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    for (const auto& w : split(trim(read_file("/proc/" + pid + "/task/" + e->d_name + "/children")), ' '))
      if (!w.empty()) out.push_back(atoi(w.c_str()));
  }
  closedir(d);
  return out;
}

// Children of this process's children: the processes a spawner (spawner.h) forked for us.
inline std::vector<pid_t> grandchildren() {
  std::vector<pid_t> out;
  for (pid_t c : children())
    for (pid_t g : children(std::to_string(c))) out.push_back(g);
  return out;
}

// Threads of this process. A thread is started and joined once first: ThreadSanitizer's runtime
// starts a thread of its own with a program's first thread, and it must be in every count.
inline int thread_count() {
  static bool warm = [] {
    std::thread([] {}).join();
    return true;
  }();
  (void)warm;
  int n = 0;
  DIR* d = opendir("/proc/self/task");
  if (!d) return -1;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

// Runs `fn` in a forked child (for private namespaces or lowered limits that must not touch
// the test process). Returns "" when fn returned "", else its message or how the child died.
inline std::string in_child(const std::function<std::string()>& fn) {
  int p[2];
  if (pipe(p) != 0) return "pipe failed";
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    std::string msg = fn();
    if (write(p[1], msg.data(), msg.size()) < 0) _exit(3);
    _exit(msg.empty() ? 0 : 1);
  }
  close(p[1]);
  std::string msg;
  char buf[512];
  ssize_t n;
  while ((n = read(p[0], buf, sizeof buf)) > 0) msg.append(buf, n);
  close(p[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  if (!WIFEXITED(st)) return "child died: status " + std::to_string(st) + " " + msg;
  if (WEXITSTATUS(st) != 0 && msg.empty()) return "child exit " + std::to_string(WEXITSTATUS(st));
  return msg;
}

}  // namespace lg::test
