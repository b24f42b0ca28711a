// SPDX-License-Identifier: MIT
#pragma once
// Helpers for the tests that run `leakguard run` as a subprocess: a scratch directory, leakguard
// as a child with its console in a file, waiting for a condition, reading what targets record.
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "harness/base/fs.h"
#include "harness/base/safe_file.h"
#include "harness/base/strings.h"

extern char** environ;

namespace run_test {

inline std::string bin(const char* name) { return std::string(LEAKGUARD_BIN_DIR) + "/" + name; }

inline double now_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

inline bool eventually(double seconds, const std::function<bool()>& f) {
  for (double end = now_s() + seconds; now_s() < end; usleep(20000))
    if (f()) return true;
  return f();
}

struct TempDir {
  std::string path;
  TempDir() {
    char t[] = "/tmp/lg-run-e2e-XXXXXX";
    path = mkdtemp(t);
  }
  ~TempDir() { (void)!system(("rm -rf " + path).c_str()); }
  std::string write(const std::string& name, const std::string& text) const {
    std::string p = path + "/" + name, err;
    lg::write_file(p, text, err);
    return p;
  }
};

// leakguard as a child, stdout+stderr to OUT/console.log.
struct Leakguard {
  pid_t pid = -1;
  std::string log;
  // `leakguard run ARGS...`; with a first word "judge" (or another subcommand) that instead.
  Leakguard(const TempDir& d, std::vector<std::string> args, const char* extra_env = nullptr,
            const std::string& console = "console.log") {
    log = d.path + "/" + console;
    if (args.empty() || (args[0] != "judge" && args[0] != "probe")) args.insert(args.begin(), "run");
    args.insert(args.begin(), bin("leakguard"));
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    std::vector<char*> env;
    for (char** e = environ; *e; e++) env.push_back(*e);
    std::string extra = extra_env ? extra_env : "";
    if (extra_env) env.push_back(extra.data());
    env.push_back(nullptr);
    if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), env.data()) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  // Exit code, or -signal; kills it after `timeout` seconds (a test failure, not a hang).
  int wait(double timeout = 60) {
    int st = 0;
    for (double end = now_s() + timeout; waitpid(pid, &st, WNOHANG) == 0; usleep(10000))
      if (now_s() > end) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        ADD_FAILURE() << "leakguard did not finish in " << timeout << "s";
        break;
      }
    pid = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
  }
  std::string output() const { return lg::read_file(log); }
  ~Leakguard() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

inline bool alive(pid_t p) {
  std::string s = lg::read_file("/proc/" + std::to_string(p) + "/stat");
  size_t rp = s.rfind(')');
  return rp != std::string::npos && rp + 2 < s.size() && s[rp + 2] != 'Z';
}

inline std::vector<pid_t> read_pids(const std::string& file) {
  std::vector<pid_t> out;
  for (const auto& l : lg::split(lg::read_file(file), '\n'))
    if (!l.empty()) out.push_back(atoi(l.c_str()));
  return out;
}

inline std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  DIR* d = opendir("/proc");
  while (dirent* e = d ? readdir(d) : nullptr) {
    if (!isdigit((unsigned char)e->d_name[0])) continue;
    std::string s = lg::read_file(std::string("/proc/") + e->d_name + "/stat");
    size_t rp = s.rfind(')');
    int ppid = 0;
    char st;
    if (rp != std::string::npos && sscanf(s.c_str() + rp + 1, " %c %d", &st, &ppid) == 2 && ppid == parent)
      out.push_back(atoi(e->d_name));
  }
  if (d) closedir(d);
  return out;
}

// Processes whose mount namespace is `ns` ("mnt:[4026...]").
inline int procs_in_mntns(const std::string& ns) {
  int n = 0;
  DIR* d = opendir("/proc");
  while (dirent* e = d ? readdir(d) : nullptr) {
    if (!isdigit((unsigned char)e->d_name[0])) continue;
    char buf[64];
    ssize_t k = readlink((std::string("/proc/") + e->d_name + "/ns/mnt").c_str(), buf, sizeof buf - 1);
    if (k > 0 && std::string(buf, k) == ns && alive(atoi(e->d_name))) n++;
  }
  if (d) closedir(d);
  return n;
}

}  // namespace run_test

using namespace run_test;
