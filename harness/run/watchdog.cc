// SPDX-License-Identifier: MIT
#include "harness/run/watchdog.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/base/fs.h"
#include "harness/census/proctrack.h"
#include "harness/base/strings.h"
#include "harness/run/cgroup.h"
#include "harness/run/target.h"

namespace lg {

void watchdog_cleanup(const std::string& lines) {
  std::vector<std::string> cgroups, dirs, tags;
  std::vector<pid_t> pids;
  std::vector<std::pair<pid_t, uint64_t>> procs;
  for (const auto& l : split(lines, '\n')) {
    if (starts_with(l, "proc ")) {
      auto w = split(l, ' ');
      if (w.size() == 3) procs.emplace_back(atoi(w[1].c_str()), strtoull(w[2].c_str(), nullptr, 10));
    }
    if (starts_with(l, "cgroup ")) cgroups.push_back(l.substr(7));
    if (starts_with(l, "dir ")) dirs.push_back(l.substr(4));
    if (starts_with(l, "tag ")) tags.push_back(l.substr(4));
    if (starts_with(l, "pid ")) pids.push_back(atoi(l.c_str() + 4));
    if (starts_with(l, "unpid ")) {
      pid_t p = atoi(l.c_str() + 6);
      for (auto& q : pids)
        if (q == p) q = 0;
    }
  }
  for (pid_t p : pids)
    if (p > 0) kill(p, SIGKILL);
  // Processes that left the run's cgroup: only while their pid still names them.
  for (const auto& [p, start] : procs)
    if (p > 1 && proc_start_time(p) == start) kill(p, SIGKILL);
  // Tagged processes can fork while we kill: a few rounds until none is left.
  for (const auto& t : tags)
    for (int round = 0; round < 50; round++) {
      std::vector<pid_t> ps = process_tree(-1, t);
      if (ps.empty()) break;
      for (pid_t p : ps) kill(p, SIGKILL);
      usleep(10000);
    }
  for (const auto& c : cgroups) cgroup_kill(c);
  std::string err;
  for (const auto& c : cgroups) {
    // Without cgroup.kill a forking tree needs several rounds.
    for (int i = 0; i < 10 && !cgroup_wait_empty(c, 0.3); i++) cgroup_kill(c);
    cgroup_remove(c, err);
  }
  // The directories are mount points only in the run's private mount namespace, which
  // the watchdog is not in: here they are plain empty directories.
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) rmdir(it->c_str());
}

bool Watchdog::start(std::string& err) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    err = std::string("watchdog: pipe: ") + strerror(errno);
    return false;
  }
  pid_t pid = fork();
  if (pid < 0) {
    err = std::string("watchdog: fork: ") + strerror(errno);
    close(p[0]);
    close(p[1]);
    return false;
  }
  if (pid == 0) {
    // Out of the terminal's process group: Ctrl-C is for leakguard, which then tells us.
    setpgid(0, 0);
    prctl(PR_SET_NAME, "lg-watchdog");
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    // Hold nothing of leakguard's: a test reading leakguard's stdout must see EOF when
    // leakguard exits, not when we do.
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    dup2(p[0], 3);
    close_range(4, ~0U, 0);
    std::string lines;
    char buf[4096];
    while (true) {
      ssize_t n = read(3, buf, sizeof buf);
      if (n > 0) {
        lines.append(buf, n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      break;
    }
    watchdog_cleanup(lines);
    _exit(0);
  }
  close(p[0]);
  fd_ = p[1];
  pid_ = pid;
  return true;
}

void Watchdog::send(const std::string& line) {
  if (fd_ < 0) return;
  std::string s = line + "\n";  // short writes: lines are far below PIPE_BUF
  while (write(fd_, s.data(), s.size()) < 0 && errno == EINTR) {
  }
}

void Watchdog::finish() {
  if (fd_ < 0) return;
  close(fd_);
  fd_ = -1;
  while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  pid_ = 0;
}

Watchdog::~Watchdog() { finish(); }

}  // namespace lg
