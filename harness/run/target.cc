// SPDX-License-Identifier: MIT
#include "harness/run/target.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <set>

#include "harness/base/clock.h"
#include "harness/base/fs.h"
#include "harness/base/procfs.h"
#include "harness/base/signals.h"
#include "harness/base/units.h"
#include "harness/run/cgroup.h"

namespace bp = boost::process;

namespace lg {

namespace {

// Every live process (zombies and dead ones are gone already: only their reaper matters).
std::vector<ProcStat> all_procs() {
  std::vector<ProcStat> all, out;
  list_processes(all);
  for (const auto& p : all)
    if (p.state != 'Z' && p.state != 'X') out.push_back(p);
  return out;
}

}  // namespace

std::string describe_wait_status(int st) {
  if (st == -1) return "ended (exit status unknown: reaped by someone else)";
  if (WIFEXITED(st)) return "exited with status " + std::to_string(WEXITSTATUS(st));
  if (WIFSIGNALED(st)) return "killed by " + signal_name(WTERMSIG(st)) + (WCOREDUMP(st) ? " (core dumped)" : "");
  return "ended with wait status " + std::to_string(st);
}

bool environ_has(pid_t pid, const std::string& tag) {
  std::string env = read_file("/proc/" + std::to_string(pid) + "/environ");
  for (size_t pos = 0; pos < env.size();) {
    size_t end = env.find('\0', pos);
    if (end == std::string::npos) end = env.size();
    if (env.compare(pos, end - pos, tag) == 0) return true;
    pos = end + 1;
  }
  return false;
}

std::vector<pid_t> process_tree(pid_t root, const std::string& tag) {
  std::vector<ProcStat> ps = all_procs();
  std::set<pid_t> in;
  for (const auto& p : ps)
    if (p.pid == root || p.pgrp == root || p.sid == root || (!tag.empty() && environ_has(p.pid, tag))) in.insert(p.pid);
  // Descendants by parent chain, to a fixed point (the list is not in tree order).
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& p : ps)
      if (!in.count(p.pid) && in.count(p.ppid)) grew = in.insert(p.pid).second;
  }
  in.erase(getpid());
  return {in.begin(), in.end()};
}

bool Target::launch(const TargetConfig& cfg, std::string& err) {
  cfg_ = cfg;
  if (cfg.argv.empty()) {
    err = "target: empty command";
    return false;
  }
  if (!cfg.ready_pattern.empty()) {
    try {
      ready_re_.emplace(cfg.ready_pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      err = "target.ready.stdout: bad regex /" + cfg.ready_pattern + "/: " + e.what();
      return false;
    }
  }
  uid_t uid = 0;
  gid_t gid = 0;
  bool as_user = !cfg.user.empty();
  if (as_user) {
    passwd pw{}, *res = nullptr;
    char buf[4096];
    if (getpwnam_r(cfg.user.c_str(), &pw, buf, sizeof buf, &res) != 0 || !res) {
      err = "target.user: no user named '" + cfg.user + "'";
      return false;
    }
    uid = pw.pw_uid;
    gid = pw.pw_gid;
  }
  int po[2], pe[2];
  if (pipe2(po, O_CLOEXEC) != 0) {
    err = std::string("target: pipe: ") + strerror(errno);
    return false;
  }
  if (pipe2(pe, O_CLOEXEC) != 0) {
    err = std::string("target: pipe: ") + strerror(errno);
    close(po[0]);
    close(po[1]);
    return false;
  }
  auto open_log = [&](const std::string& p) {
    return p.empty() ? -1 : open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  };
  out_.log = open_log(cfg.stdout_log);
  err_.log = open_log(cfg.stderr_log);

  // Everything the child needs is prepared here: after fork only async-signal-safe calls.
  std::string procs = cfg.cgroup.empty() ? "" : cfg.cgroup + "/cgroup.procs";
  const char* procs_c = procs.c_str();
  const char* cwd_c = cfg.cwd.empty() ? nullptr : cfg.cwd.c_str();
  rlimit nofile{}, nproc{};
  if (cfg.limit_nofile) nofile.rlim_cur = nofile.rlim_max = *cfg.limit_nofile;
  if (cfg.limit_nproc) nproc.rlim_cur = nproc.rlim_max = *cfg.limit_nproc;
  bool lim_nofile = cfg.limit_nofile.has_value(), lim_nproc = cfg.limit_nproc.has_value();
  pid_t parent = getpid();
  int out_w = po[1], err_w = pe[1];

  auto setup = [=](auto& exec) {
    auto fail = [&](const char* what) {
      exec.set_error(std::error_code(errno, std::system_category()), what);
      _exit(127);
    };
    // Dies with leakguard even when the cgroup cannot be cleaned (a backstop to the watchdog).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    if (procs_c[0]) {
      int fd = open(procs_c, O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write(fd, "0", 1) != 1) fail("joining the run's cgroup");
      close(fd);
    }
    // Own process group: a terminal's Ctrl-C reaches leakguard, which stops the target in order.
    setpgid(0, 0);
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    for (int s = 1; s < 32; s++)
      if (s != SIGKILL && s != SIGSTOP) signal(s, SIG_DFL);
    if (dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0) fail("redirecting stdout/stderr");
    // No fd of leakguard's may reach the target: they would count in its fd census.
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    if (cwd_c && chdir(cwd_c) != 0) fail("changing to target.cwd");
    if (lim_nofile && setrlimit(RLIMIT_NOFILE, &nofile) != 0) fail("setting RLIMIT_NOFILE (target.limits.nofile)");
    if (lim_nproc && setrlimit(RLIMIT_NPROC, &nproc) != 0) fail("setting RLIMIT_NPROC (target.limits.pids)");
    if (as_user) {
      if (setgroups(1, &gid) != 0 || setgid(gid) != 0) fail("setgid (target.user)");
      if (setuid(uid) != 0) fail("setuid (target.user)");
    }
  };

  bp::environment env = boost::this_process::environment();
  for (const auto& [k, v] : cfg.env) env[k] = v;
  size_t eq = cfg.tag.find('=');
  if (eq != std::string::npos) env[cfg.tag.substr(0, eq)] = cfg.tag.substr(eq + 1);
  std::vector<std::string> args(cfg.argv.begin() + 1, cfg.argv.end());
  std::error_code ec;
  pid_t failed_pid = -1;
  bp::child c(
      bp::exe = cfg.argv[0], bp::args = args, env, bp::std_in < bp::null, bp::extend::on_exec_setup = setup,
      bp::extend::on_error = [&](auto& exec, const std::error_code&) { failed_pid = exec.pid; }, ec);
  close(po[1]);
  close(pe[1]);
  if (ec || !c.valid()) {
    if (failed_pid > 0) waitpid(failed_pid, nullptr, 0);
    close(po[0]);
    close(pe[0]);
    if (out_.log >= 0) close(out_.log);
    if (err_.log >= 0) close(err_.log);
    out_.log = err_.log = -1;
    err = "cannot start " + cfg.argv[0] + ": " + (ec ? ec.message() : std::string("unknown error"));
    return false;
  }
  pid_ = c.id();
  c.detach();  // we reap it ourselves (waiter thread) and keep the raw wait status
  out_.fd = po[0];
  err_.fd = pe[0];
  waiter_ = std::thread([this] { wait_loop(); });
  out_.thread = std::thread([this] { read_loop(1); });
  err_.thread = std::thread([this] { read_loop(2); });
  return true;
}

void Target::wait_loop() {
  int st = 0;
  while (waitpid(pid_, &st, 0) < 0) {
    if (errno != EINTR) {
      // Someone else reaped it (a waitpid(-1) somewhere): the status is lost; say so.
      st = -1;
      break;
    }
  }
  std::lock_guard<std::mutex> l(mu_);
  status_ = st;
  exit_time_ = monotonic_seconds();
  exited_ = true;
  cv_.notify_all();
}

void Target::read_loop(int which) {
  Stream& s = which == 1 ? out_ : err_;
  char buf[8192];
  while (true) {
    pollfd p{s.fd, POLLIN, 0};
    int r = poll(&p, 1, 100);
    if (r == 0) {
      // Descendants that escaped the kill could hold the pipe open forever; stop anyway.
      if (readers_stop_) break;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    ssize_t n = read(s.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (s.log >= 0 && write(s.log, buf, n) < 0) {
    }
    std::lock_guard<std::mutex> l(mu_);
    s.partial.append(buf, n);
    size_t pos;
    while ((pos = s.partial.find('\n')) != std::string::npos) {
      std::string line = s.partial.substr(0, pos);
      s.partial.erase(0, pos + 1);
      if (which == 1 && ready_re_ && !ready_seen_ && std::regex_search(line, *ready_re_)) {
        ready_seen_ = true;
        cv_.notify_all();
      }
      s.tail.push_back(std::move(line));
      if (s.tail.size() > cfg_.tail_lines) s.tail.pop_front();
    }
  }
}

std::string Target::tail(int which) const {
  const Stream& s = which == 1 ? out_ : err_;
  std::lock_guard<std::mutex> l(mu_);
  std::string out;
  for (const auto& line : s.tail) out += line + "\n";
  if (!s.partial.empty()) out += s.partial + "\n";
  return out;
}

std::string Target::stderr_last(size_t n) const {
  std::lock_guard<std::mutex> l(mu_);
  std::string out;
  size_t start = err_.tail.size() > n ? err_.tail.size() - n : 0;
  for (size_t i = start; i < err_.tail.size(); i++) out += err_.tail[i] + "\n";
  if (!err_.partial.empty()) out += err_.partial + "\n";
  return out;
}

bool Target::wait_exit(double seconds) {
  std::unique_lock<std::mutex> l(mu_);
  return cv_.wait_for(l, std::chrono::duration<double>(seconds), [this] { return exited_.load(); });
}

bool Target::wait_ready(const ReadySpec& r, const std::atomic<bool>* cancel, std::string& msg) {
  double start = monotonic_seconds();
  double limit = r.kind == ReadySpec::Delay ? r.delay : r.kind == ReadySpec::None ? 0 : r.timeout;
  while (true) {
    if (exited_) {
      msg = describe_wait_status(status_) + " before ready";
      return false;
    }
    if (r.kind == ReadySpec::Stdout && ready_seen_) return true;
    if (r.kind == ReadySpec::File && access(r.file.c_str(), F_OK) == 0) return true;
    if (cancel && *cancel) {
      msg = "interrupted before ready";
      return false;
    }
    double elapsed = monotonic_seconds() - start;
    if (elapsed >= limit) {
      if (r.kind == ReadySpec::None || r.kind == ReadySpec::Delay) return true;
      msg = "not ready after " + format_duration(r.timeout) +
            (r.kind == ReadySpec::Stdout ? ": no stdout line matched /" + r.pattern + "/"
                                         : ": " + r.file + " did not appear");
      return false;
    }
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, std::chrono::duration<double>(std::min(0.02, limit - elapsed)));
  }
}

bool Target::group_empty() const { return pids().empty(); }

std::vector<pid_t> Target::pids() const {
  if (pid_ <= 0) return {};
  if (!cfg_.cgroup.empty()) return cgroup_pids(cfg_.cgroup, true);
  return process_tree(pid_, cfg_.tag);
}

void Target::kill_all() {
  if (pid_ <= 0) return;
  if (!cfg_.cgroup.empty()) {
    cgroup_kill(cfg_.cgroup);
    for (int i = 0; i < 20 && !cgroup_wait_empty(cfg_.cgroup, 0.25); i++) cgroup_kill(cfg_.cgroup);
  } else {
    double end = monotonic_seconds() + 5;
    while (monotonic_seconds() < end) {
      std::vector<pid_t> ps = process_tree(pid_, cfg_.tag);
      if (!exited_) ps.push_back(pid_);
      if (ps.empty()) break;
      for (pid_t p : ps) {
        kill(p, SIGKILL);
        // Orphans reparented to us (we are their subreaper) must be reaped by us.
        if (p != pid_) waitpid(p, nullptr, WNOHANG);
      }
      usleep(5000);
    }
  }
  wait_exit(5);
}

LifecycleStep Target::stop(const StopSpec& s, const std::function<bool()>& hurry) {
  LifecycleStep step;
  step.name = "stopped cleanly";
  double t0 = monotonic_seconds();
  if (exited_) {
    // Ended before we asked: a crash or an early exit, both fail the run.
    step.ok = false;
    bool crash = status_ != -1 && WIFSIGNALED(status_);
    step.message = (crash ? "crashed mid-run: " : "exited early: ") + describe_wait_status(status_);
    step.detail = stderr_last(20);
    size_t left = pids().size();
    if (left) step.message += "; " + std::to_string(left) + " leftover processes killed";
    kill_all();
  } else {
    kill(pid_, s.signal);
    bool fast = hurry && hurry();
    bool done = false;
    for (double end = t0 + s.grace; !fast && !done;) {
      double left = end - monotonic_seconds();
      if (left <= 0) break;
      done = wait_exit(std::min(left, 0.05));
      fast = hurry && hurry();
    }
    if (done) {
      int st = status_;
      bool by_our_signal = st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == s.signal;
      bool clean = (WIFEXITED(st) && WEXITSTATUS(st) == 0) || by_our_signal;
      step.ok = clean;
      step.message = describe_wait_status(st) + " after " + signal_name(s.signal);
      if (!clean) step.detail = stderr_last(20);
      // Descendants get what is left of the grace to follow their parent out.
      double left_grace = s.grace - (monotonic_seconds() - t0);
      if (!cfg_.cgroup.empty()) cgroup_wait_empty(cfg_.cgroup, std::max(0.0, left_grace));
      size_t left = pids().size();
      if (left) step.message += "; " + std::to_string(left) + " leftover processes killed after grace";
    } else {
      size_t n = pids().size();
      step.message = fast ? "killed without grace (second interrupt): " + std::to_string(n) + " processes"
                          : "killed after grace " + format_duration(s.grace) + " (" + signal_name(s.signal) +
                                " ignored; " + std::to_string(n) + " processes killed)";
    }
    kill_all();
  }
  readers_stop_ = true;
  step.seconds = monotonic_seconds() - t0;
  return step;
}

Target::~Target() {
  if (pid_ > 0 && (!exited_ || !group_empty())) kill_all();
  readers_stop_ = true;
  if (waiter_.joinable()) {
    if (!exited_) kill(pid_, SIGKILL);
    waiter_.join();
  }
  if (out_.thread.joinable()) out_.thread.join();
  if (err_.thread.joinable()) err_.thread.join();
  for (int fd : {out_.fd, out_.log, err_.fd, err_.log})
    if (fd >= 0) close(fd);
}

}  // namespace lg
