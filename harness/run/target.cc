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
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <algorithm>
#include <set>

#include "harness/base/clock.h"
#include "harness/base/fs.h"
#include "harness/base/procfs.h"
#include "harness/base/signals.h"
#include "harness/base/strings.h"
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

bool clean_stop_status(const StopSpec& s, int st, std::string& why) {
  why.clear();
  if (st == -1) return false;
  if (WIFSIGNALED(st)) return WTERMSIG(st) == s.signal;
  if (!WIFEXITED(st)) return false;
  int code = WEXITSTATUS(st);
  if (code == 0) return true;
  if (code == s.signal) {
    why = "the stop signal's number";
  } else if (code == 128 + s.signal) {
    why = "128 + the stop signal's number";
  } else if (std::find(s.exit_codes.begin(), s.exit_codes.end(), code) != s.exit_codes.end()) {
    why = "listed in target.stop.exit_codes";
  } else {
    return false;
  }
  return true;
}

bool tcp_port_listening(pid_t pid, int port) {
  for (const char* f : {"tcp", "tcp6"}) {
    std::string text = read_file("/proc/" + std::to_string(pid) + "/net/" + f);
    // "  sl  local_address rem_address   st ...": local "0100007F:1F90", st 0A is LISTEN.
    for (const auto& line : split(text, '\n')) {
      char local[128], remote[128];
      unsigned st = 0;
      if (sscanf(line.c_str(), " %*[0-9]: %127s %127s %x", local, remote, &st) != 3) continue;
      const char* colon = strrchr(local, ':');
      if (st == 0x0A && colon && strtol(colon + 1, nullptr, 16) == port) return true;
    }
  }
  return false;
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
      err = std::string("target.ready.") + (cfg.ready_stream == 2 ? "stderr" : "stdout") + ": bad regex /" +
            cfg.ready_pattern + "/: " + e.what();
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
  out_.log = cfg.stdout_log_fd;
  err_.log = cfg.stderr_log_fd;
  cfg_.stdout_log_fd = cfg_.stderr_log_fd = -1;  // ours now
  int track_fd = cfg.tracker ? cfg.tracker->map_fd() : -1;

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
    // Followed by fork from now on, before it can run a single instruction of its own.
    ProcTracker::seed_from_child(track_fd);
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
  if (cfg.tracker && track_fd < 0) cfg.tracker->seed(pid_);
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
    log_bytes(s, buf, n);
    std::lock_guard<std::mutex> l(mu_);
    s.partial.append(buf, n);
    size_t pos;
    while ((pos = s.partial.find('\n')) != std::string::npos) {
      std::string line = s.partial.substr(0, pos);
      s.partial.erase(0, pos + 1);
      if (which == cfg_.ready_stream && ready_re_ && !ready_seen_ && std::regex_search(line, *ready_re_)) {
        ready_seen_ = true;
        cv_.notify_all();
      }
      s.tail.push_back(std::move(line));
      if (s.tail.size() > cfg_.tail_lines) s.tail.pop_front();
    }
  }
  log_finish(s);
  if (which == 1) {
    std::lock_guard<std::mutex> l(mu_);
    out_eof_ = true;
    cv_.notify_all();
  }
}

namespace {
std::string size_text(size_t n) {
  return n % (1 << 20) == 0 ? std::to_string(n >> 20) + " MiB" : format_number((double)n) + " bytes";
}

void write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t k = write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return;  // a full disk: the log is cut, the run goes on
    p += k;
    n -= k;
  }
}
}  // namespace

void Target::log_bytes(Stream& s, const char* buf, size_t n) {
  if (s.log < 0) return;
  size_t head = s.logged < cfg_.log_head ? std::min<uint64_t>(n, cfg_.log_head - s.logged) : 0;
  if (head) {
    write_all(s.log, buf, head);
    s.logged += head;
  }
  if (head == n) return;
  // Past the head: keep only the latest bytes (at most twice the tail, trimmed in one go).
  s.over += n - head;
  s.last.append(buf + head, n - head);
  if (s.last.size() > 2 * cfg_.log_tail + 65536) s.last.erase(0, s.last.size() - cfg_.log_tail);
}

void Target::log_finish(Stream& s) {
  if (s.log < 0 || s.over == 0) return;
  size_t keep = std::min<size_t>(s.last.size(), cfg_.log_tail);
  uint64_t dropped = s.over - keep;
  if (dropped) {
    std::string note = "\n[leakguard: " + format_number((double)dropped) +
                       " bytes of output dropped here; this log keeps the first " + size_text(cfg_.log_head) +
                       " and the last " + size_text(cfg_.log_tail) + "]\n";
    write_all(s.log, note.data(), note.size());
  }
  write_all(s.log, s.last.data() + s.last.size() - keep, keep);
  s.last.clear();
  s.last.shrink_to_fit();
  s.dropped = dropped;
}

void Target::finish_output() {
  readers_stop_ = true;
  if (out_.thread.joinable()) out_.thread.join();
  if (err_.thread.joinable()) err_.thread.join();
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
  // Ready at once: what happens next (an early exit) is the stop step's to report.
  if (r.kind == ReadySpec::None) return true;
  double start = monotonic_seconds();
  double limit = r.kind == ReadySpec::Delay ? r.delay : r.timeout;
  while (true) {
    if (exited_) {
      // Everything it wrote before it exited counts, however fast it exited: read its stdout
      // to the end before deciding, so a ready-then-exit target is ready on every run.
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait_for(l, std::chrono::seconds(1), [this] { return out_eof_.load(); });
      }
      if (r.kind == ReadySpec::Stdout && ready_seen_) return true;
      if (r.kind == ReadySpec::File && access(r.file.c_str(), F_OK) == 0) return true;
      msg = describe_wait_status(status_) + " before ready";
      return false;
    }
    if ((r.kind == ReadySpec::Stdout || r.kind == ReadySpec::Stderr) && ready_seen_) return true;
    if (r.kind == ReadySpec::File && access(r.file.c_str(), F_OK) == 0) return true;
    if (r.kind == ReadySpec::Port && tcp_port_listening(pid_, r.port)) return true;
    if (cancel && *cancel) {
      msg = "interrupted before ready";
      return false;
    }
    double elapsed = monotonic_seconds() - start;
    if (elapsed >= limit) {
      if (r.kind == ReadySpec::None || r.kind == ReadySpec::Delay) return true;
      std::string why = r.kind == ReadySpec::Stdout   ? "no stdout line matched /" + r.pattern + "/"
                        : r.kind == ReadySpec::Stderr ? "no stderr line matched /" + r.pattern + "/"
                        : r.kind == ReadySpec::Port
                            ? "nothing listens on TCP port " + std::to_string(r.port) + " in its network namespace"
                            : r.file + " did not appear";
      msg = "not ready after " + format_duration(r.timeout) + ": " + why;
      return false;
    }
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, std::chrono::duration<double>(std::min(0.02, limit - elapsed)));
  }
}

bool Target::group_empty() const { return pids().empty(); }

std::vector<pid_t> Target::pids() const {
  if (pid_ <= 0) return {};
  std::vector<pid_t> out = !cfg_.cgroup.empty() ? cgroup_pids(cfg_.cgroup, true) : process_tree(pid_, cfg_.tag);
  if (cfg_.tracker) {
    for (pid_t p : cfg_.tracker->pids()) out.push_back(p);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
  return out;
}

void Target::kill_all() {
  if (pid_ <= 0) return;
  // Processes that left the cgroup first (they may be forking outside it), then the group.
  // (A killed process leaves the tracked set at its exit, so this ends; no waitpid(-1) here:
  // it could steal the main pid's status from the waiter thread.)
  for (int i = 0; cfg_.tracker && i < 200 && cfg_.tracker->kill_all() > 0; i++) usleep(5000);
  if (!cfg_.cgroup.empty()) {
    cgroup_kill(cfg_.cgroup);
    for (int i = 0; i < 20 && !cgroup_wait_empty(cfg_.cgroup, 0.25); i++) cgroup_kill(cfg_.cgroup);
    if (cfg_.tracker) cfg_.tracker->kill_all();
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
      std::string why;
      bool clean = clean_stop_status(s, st, why);
      step.ok = clean;
      step.message = describe_wait_status(st) + " after " + signal_name(s.signal);
      if (clean && !why.empty()) step.message += " (a clean stop: " + why + ")";
      if (!clean && WIFEXITED(st))
        step.message += " (not a clean stop: add it to target.stop.exit_codes if the program means it)";
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
  finish_output();
  for (int fd : {out_.fd, out_.log, err_.fd, err_.log})
    if (fd >= 0) close(fd);
  for (int fd : {cfg_.stdout_log_fd, cfg_.stderr_log_fd})  // never launched
    if (fd >= 0) close(fd);
}

}  // namespace lg
