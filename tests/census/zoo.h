// SPDX-License-Identifier: MIT
#pragma once
// Starts build/bin/fdzoo (or any argv) with stdin, stdout and stderr on pipes, waits for its
// "ready" line, and stops it by closing stdin (fdzoo then reaps its zombies and exits).
// Shared by tests/census and bench/census_bench.cc.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "harness/base/fs.h"

namespace lg::test {

inline std::string fdzoo_path() { return self_dir() + "/fdzoo"; }

class Zoo {
 public:
  Zoo() = default;
  Zoo(const Zoo&) = delete;
  Zoo& operator=(const Zoo&) = delete;
  ~Zoo() { stop(); }

  // fdzoo with these flags: {"--socket", "4", ...}
  bool start(const std::vector<std::string>& flags) {
    std::vector<std::string> argv = {fdzoo_path()};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return start_argv(argv);
  }

  bool start_argv(const std::vector<std::string>& argv) {
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
      error = std::string("pipe: ") + strerror(errno);
      return false;
    }
    pid = fork();
    if (pid == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      dup2(err[1], 2);
      syscall(SYS_close_range, 3, ~0u, 0);  // the zoo's fds are exactly what it opens
      std::vector<char*> a;
      for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
      a.push_back(nullptr);
      execv(a[0], a.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    in_ = in[1];
    out_ = out[0];
    err_ = err[0];
    if (pid < 0) {
      error = std::string("fork: ") + strerror(errno);
      return false;
    }
    std::string got;
    while (got.find("ready\n") == std::string::npos) {
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 20000) <= 0) break;
      char buf[256];
      ssize_t n = read(out_, buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, n);
    }
    if (got.find("ready\n") != std::string::npos) return true;
    char buf[1024];
    ssize_t n = read(err_, buf, sizeof buf - 1);
    error = argv[0] + " did not get ready: " + (n > 0 ? std::string(buf, n) : got);
    stop();
    return false;
  }

  // Closes stdin and reaps; SIGKILL after 10 s.
  void stop() {
    if (in_ >= 0) close(in_);
    in_ = -1;
    if (pid > 0) {
      for (int i = 0; i < 1000; i++) {
        int st;
        if (waitpid(pid, &st, WNOHANG) != 0) {
          pid = -1;
          break;
        }
        usleep(10000);
      }
      if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
      }
    }
    pid = -1;
    for (int* fd : {&out_, &err_})
      if (*fd >= 0) close(*fd), *fd = -1;
  }

  pid_t pid = -1;
  std::string error;

 private:
  int in_ = -1, out_ = -1, err_ = -1;
};

}  // namespace lg::test
