// SPDX-License-Identifier: MIT
#pragma once
// Test-side handling of a reference target: start it with stdout on a pipe, wait for its
// ready line, ask it for its counters (SIGUSR1 -> one line on stderr), read what it holds
// from /proc, stop it with SIGTERM. Every wait has a generous deadline and fails with a
// message instead of hanging; nothing here asserts on time.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "harness/base/fs.h"
#include "harness/base/strings.h"

namespace tt {

inline std::string bin(const std::string& name) { return std::string(LEAKGUARD_BIN_DIR) + "/" + name; }

// Why the target `name` cannot be tested here, or "": only the Go targets are optional
// (configured with -DLEAKGUARD_GO_TARGETS=OFF). A target that should exist and does not
// is not skipped: the test fails on it.
inline std::string not_built(const std::string& name) {
  bool go = name == "gotuner" || name == "goagent";
  if (go && !LEAKGUARD_GO_TARGETS && access(bin(name).c_str(), X_OK) != 0)
    return name + " was not built: leakguard was configured with -DLEAKGUARD_GO_TARGETS=OFF";
  return "";
}

// Polls `pred` every 5 ms until it holds or `seconds` pass.
inline bool wait_until(const std::function<bool()>& pred, double seconds = 10) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!pred()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// A private temporary directory, removed (when empty) by the destructor.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/lg-targets-XXXXXX";
    if (mkdtemp(tmpl)) path = tmpl;
  }
  ~TempDir() {
    if (!path.empty()) rmdir(path.c_str());
  }
};

class Target {
 public:
  Target() = default;
  Target(const Target&) = delete;
  Target& operator=(const Target&) = delete;
  ~Target() { kill_now(); }

  // Starts `name` with `args`; stderr goes to a file in `tmp` so counters can be read.
  // Returns "" or what went wrong.
  std::string start(const std::string& name, const std::vector<std::string>& args, const std::string& tmp) {
    name_ = name;
    err_path_ = tmp + "/" + name + ".stderr";
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return std::string("pipe: ") + strerror(errno);
    int err_fd = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (err_fd < 0) return "open " + err_path_ + ": " + strerror(errno);
    std::string path = bin(name);
    std::vector<char*> argv{const_cast<char*>(path.c_str())};
    for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test must not leave the target running
      dup2(p[1], 1);
      dup2(err_fd, 2);
      execv(path.c_str(), argv.data());
      _exit(127);
    }
    close(p[1]);
    close(err_fd);
    out_ = p[0];
    if (pid_ < 0) return std::string("fork: ") + strerror(errno);
    return "";
  }

  // The first stdout line, or "" when the target exits or stays silent for `seconds`.
  std::string ready_line(double seconds = 10) {
    std::string line;
    auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (line.find('\n') == std::string::npos) {
      int left =
          (int)std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
      if (left <= 0) return "";
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, left) <= 0) continue;
      char buf[256];
      ssize_t n = read(out_, buf, sizeof buf);
      if (n <= 0) return "";
      line.append(buf, n);
    }
    return line.substr(0, line.find('\n'));
  }

  // Sends SIGUSR1 and returns the new counters line from stderr ("" after `seconds`).
  std::string counters(double seconds = 10) {
    size_t before = lg::read_file(err_path_).size();
    if (!signal(SIGUSR1)) return "";
    std::string line;
    wait_until(
        [&] {
          std::string all = lg::read_file(err_path_);
          size_t nl = all.find('\n', before);
          if (nl == std::string::npos) return false;
          line = all.substr(before, nl - before);
          return true;
        },
        seconds);
    return line;
  }

  std::string stderr_text() const { return lg::read_file(err_path_); }

  // Sends SIGTERM and returns the exit code, or -1 (killed, signalled, or no exit in time).
  int stop(double seconds = 10) {
    signal(SIGTERM);
    return wait_exit(seconds);
  }

  // Waits for the target to exit on its own; the exit code or -1 as stop().
  int wait_exit(double seconds = 10) {
    if (pid_ <= 0) return -1;
    int status = 0;
    bool done = wait_until([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, seconds);
    if (!done) {
      kill_now();
      return -1;
    }
    pid_ = 0;
    close_out();
    unlink(err_path_.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  pid_t pid() const { return pid_; }

  // kill() on the target only: never on 0 or -1 (a group, or everything) when not started.
  bool signal(int sig) { return pid_ > 0 && kill(pid_, sig) == 0; }

 private:
  void kill_now() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = 0;
    }
    close_out();
    if (!err_path_.empty()) unlink(err_path_.c_str());
  }
  void close_out() {
    if (out_ >= 0) close(out_);
    out_ = -1;
  }

  std::string name_, err_path_;
  pid_t pid_ = 0;
  int out_ = -1;
};

// The number after `key` in a counters line: counter("visited 21, tuned 21", "tuned ") == 21.
inline long long counter(const std::string& line, const std::string& key) {
  size_t at = line.find(key);
  if (at == std::string::npos) return -1;
  return strtoll(line.c_str() + at + key.size(), nullptr, 10);
}

// Sends SIGHUP (a reload) and waits until the target reports generation `gen`: maploader
// and goagent print "generation N" in their counters.
inline bool reload_to(Target& t, long long gen) {
  if (!t.signal(SIGHUP)) return false;
  return wait_until([&] { return counter(t.counters(), "generation ") >= gen; });
}

// Generation directories (all digits) and the pins in them under a bpffs directory, as
// maploader and goagent pin: DIR/<generation>/<map>.
inline void count_pins(const std::string& dir, int& gens, int& pins) {
  gens = pins = 0;
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    gens++;
    if (DIR* g = opendir((dir + "/" + e->d_name).c_str())) {
      while (dirent* f = readdir(g))
        if (f->d_name[0] != '.') pins++;
      closedir(g);
    }
  }
  closedir(d);
}

// Open fds of `pid` whose link starts with `prefix` ("net:[", "anon_inode:bpf-map").
inline int count_fds(pid_t pid, const std::string& prefix) {
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = opendir(dir.c_str());
  if (!d) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    char link[256];
    ssize_t len = readlink((dir + "/" + e->d_name).c_str(), link, sizeof link - 1);
    if (len > 0 && std::string(link, len).rfind(prefix, 0) == 0) n++;
  }
  closedir(d);
  return n;
}

// Ids of the BPF maps `pid` holds, from the map_id line of each bpf-map fd's fdinfo.
inline std::vector<unsigned> map_ids(pid_t pid) {
  std::vector<unsigned> ids;
  std::string dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* d = opendir(dir.c_str());
  if (!d) return ids;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    char link[256];
    ssize_t len = readlink((dir + "/" + e->d_name).c_str(), link, sizeof link - 1);
    if (len <= 0 || std::string(link, len) != "anon_inode:bpf-map") continue;
    std::string info = lg::read_file("/proc/" + std::to_string(pid) + "/fdinfo/" + e->d_name);
    size_t at = info.find("map_id:");
    if (at != std::string::npos) ids.push_back((unsigned)strtoul(info.c_str() + at + 7, nullptr, 10));
  }
  closedir(d);
  return ids;
}

// The threads ThreadSanitizer's runtime adds to a program once it has started its first thread
// (its background thread): the targets are built with the tests' sanitizer.
#if defined(__SANITIZE_THREAD__)
constexpr int kRuntimeThreads = 1;
#else
constexpr int kRuntimeThreads = 0;
#endif

inline int threads(pid_t pid) {
  std::string s = lg::read_file("/proc/" + std::to_string(pid) + "/status");
  size_t at = s.find("\nThreads:");
  return at == std::string::npos ? -1 : atoi(s.c_str() + at + 9);
}

// Zombie children of `pid`, from the state and ppid fields of every /proc/*/stat.
inline int zombie_children(pid_t pid) {
  DIR* d = opendir("/proc");
  if (!d) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    std::string s = lg::read_file(std::string("/proc/") + e->d_name + "/stat");
    size_t close_paren = s.rfind(')');
    if (close_paren == std::string::npos || close_paren + 4 > s.size()) continue;
    char state = s[close_paren + 2];
    long ppid = strtol(s.c_str() + close_paren + 4, nullptr, 10);
    if (state == 'Z' && ppid == pid) n++;
  }
  closedir(d);
  return n;
}

// Runs `body` in a forked child inside a private mount namespace (so mounts it makes vanish
// with it) and returns the key=value results it wrote, plus "error" when it failed. The
// child must not use gtest assertions: it reports, the parent asserts.
using Results = std::map<std::string, std::string>;
inline Results in_private_mount_ns(const std::function<void(Results&)>& body, double seconds = 50) {
  Results r;
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    r["error"] = std::string("pipe: ") + strerror(errno);
    return r;
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    Results out;
    if (unshare(CLONE_NEWNS) != 0)
      out["error"] = std::string("unshare(CLONE_NEWNS): ") + strerror(errno);
    else if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
      out["error"] = std::string("make / private: ") + strerror(errno);
    else
      body(out);
    std::string text;
    for (auto& [k, v] : out) text += k + "=" + v + "\n";
    if (write(p[1], text.data(), text.size()) < 0) _exit(1);
    _exit(0);
  }
  close(p[1]);
  if (pid < 0) {
    close(p[0]);
    r["error"] = std::string("fork: ") + strerror(errno);
    return r;
  }
  std::string text;
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    pollfd pf{p[0], POLLIN, 0};
    if (poll(&pf, 1, 100) > 0) {
      char buf[4096];
      ssize_t n = read(p[0], buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, n);
    } else if (std::chrono::steady_clock::now() > end) {
      kill(pid, SIGKILL);
      r["error"] = "the test body did not finish in time";
      break;
    }
  }
  close(p[0]);
  waitpid(pid, nullptr, 0);
  for (auto& line : lg::split(text, '\n')) {
    size_t eq = line.find('=');
    if (eq != std::string::npos) r[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return r;
}

// Runs `name` with `args` + `--pin DIR`, DIR being `sub` under a fresh bpffs mounted in a
// private mount namespace (DIR is the mount itself when `sub` is ""), sends `reloads`
// reloads, and counts generations and pins while it runs and after it stopped. Results:
// pin_dir, ready, running_gens, running_pins, exit, after_gens, after_pins, error.
inline Results pins_across_reloads(const std::string& name, std::vector<std::string> args, const std::string& tmp,
                                   const std::string& sub, int reloads) {
  std::string bpffs = tmp + "/bpffs";
  if (mkdir(bpffs.c_str(), 0700) != 0) return {{"error", "mkdir " + bpffs + ": " + strerror(errno)}};
  std::string pin_dir = sub.empty() ? bpffs : bpffs + "/" + sub;
  args.insert(args.end(), {"--pin", pin_dir});
  Results r = in_private_mount_ns([&](Results& out) {
    if (mount("bpf", bpffs.c_str(), "bpf", 0, nullptr) != 0) {
      out["error"] = std::string("mount bpffs: ") + strerror(errno);
      return;
    }
    Target t;
    std::string err = t.start(name, args, tmp);
    out["ready"] = err.empty() ? t.ready_line() : err;
    for (int i = 1; i <= reloads; i++)
      if (!reload_to(t, 1 + i)) out["error"] = "reload " + std::to_string(i) + " not seen";
    int gens, pins;
    count_pins(pin_dir, gens, pins);
    out["running_gens"] = std::to_string(gens);
    out["running_pins"] = std::to_string(pins);
    out["exit"] = std::to_string(t.stop());
    count_pins(pin_dir, gens, pins);
    out["after_gens"] = std::to_string(gens);
    out["after_pins"] = std::to_string(pins);
    umount2(bpffs.c_str(), MNT_DETACH);  // frees whatever was left pinned
  });
  rmdir(bpffs.c_str());
  r["pin_dir"] = pin_dir;
  return r;
}

}  // namespace tt
