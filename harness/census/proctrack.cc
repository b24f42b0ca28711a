// SPDX-License-Identifier: MIT
// The target's processes, followed by fork (BPF tracepoints) or by /proc polling.
#include "harness/census/proctrack.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>

#include "bpf/proctrack.h"
#include "harness/base/fs.h"
#include "harness/base/libbpf_log.h"
#include "harness/base/cgroup.h"
#include "harness/base/procfs.h"
#include "harness/base/strings.h"
#include "proctrack.skel.h"

namespace lg {

namespace {

constexpr useconds_t kPollMicros = 50000;

struct Proc {
  pid_t pid = 0, ppid = 0;
  uint64_t start = 0;
  std::string comm;
};

// pid, ppid, comm and start time from /proc/PID/stat ("pid (comm) state ppid ... starttime").
bool read_stat(pid_t pid, Proc& p) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return false;
  buf[n] = 0;
  char* lp = strchr(buf, '(');
  char* rp = strrchr(buf, ')');
  if (!lp || !rp || rp < lp) return false;
  p.pid = pid;
  p.comm.assign(lp + 1, rp - lp - 1);
  // Fields after the comm: 3 state, 4 ppid, ..., 22 starttime.
  char* f = rp + 2;
  char state = 0;
  if (sscanf(f, "%c %d", &state, &p.ppid) != 2) return false;
  if (state == 'Z' || state == 'X') return false;  // dead: nothing left to follow or kill
  for (int field = 3; field < 22 && f; field++) {
    f = strchr(f, ' ');
    if (f) f++;
  }
  p.start = f ? strtoull(f, nullptr, 10) : 0;
  return true;
}

std::vector<pid_t> all_pids() {
  std::vector<pid_t> out;
  DIR* d = opendir("/proc");
  if (!d) return out;
  while (dirent* e = readdir(d))
    if (isdigit((unsigned char)e->d_name[0])) out.push_back(atoi(e->d_name));
  closedir(d);
  return out;
}

// "0::/a/b" of /proc/PID/cgroup -> "/a/b" ("" when gone or not on cgroup v2).
std::string cgroup_path_of(pid_t pid) {
  for (const auto& line : split(read_file("/proc/" + std::to_string(pid) + "/cgroup"), '\n'))
    if (starts_with(line, "0::")) return line.substr(3);
  return "";
}

bool under(const std::string& path, const std::string& dir) {
  return path == dir || (starts_with(path, dir) && path.size() > dir.size() && path[dir.size()] == '/');
}

int pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }
int pidfd_kill(int pidfd) { return (int)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, nullptr, 0); }

}  // namespace

uint64_t proc_start_time(pid_t pid) {
  Proc p;
  return read_stat(pid, p) ? p.start : 0;
}

ProcTracker::~ProcTracker() {
  stop();
  if (skel_) proctrack_bpf__destroy(skel_);
}

bool ProcTracker::start(const std::string& cgroup, const std::string& mount, std::string& note, std::string& err) {
  cgroup_ = cgroup;
  mount_ = mount;
  if (!cgroup.empty() && starts_with(cgroup, mount)) {
    cgroup_rel_ = cgroup.substr(mount.size());
    if (cgroup_rel_.empty()) cgroup_rel_ = "/";
  }
  std::string why;
  {
    LibbpfLog log;
    skel_ = proctrack_bpf__open_and_load();
    if (!skel_) why = libbpf_reason("cannot load the fork-tracking BPF programs", errno);
  }
  if (skel_) {
    proctrack_cfg cfg{};
    if (!cgroup.empty()) {
      uint64_t id = 0;
      uint32_t level = 0;
      if (!cgroup_info(cgroup, id, level, err)) {
        proctrack_bpf__destroy(skel_);
        skel_ = nullptr;
        return false;
      }
      cfg.target_cgid = id;
      cfg.target_level = level;
    }
    __u32 zero = 0;
    LibbpfLog log;
    if (bpf_map_update_elem(bpf_map__fd(skel_->maps.lgc_trk_cfg), &zero, &cfg, BPF_ANY) != 0 ||
        proctrack_bpf__attach(skel_) != 0) {
      why = libbpf_reason("cannot attach the fork-tracking BPF programs", errno);
      proctrack_bpf__destroy(skel_);
      skel_ = nullptr;
    } else {
      map_fd_ = bpf_map__fd(skel_->maps.lgc_tracked);
    }
  }
  note = skel_ ? "processes followed by fork (BPF sched_process_fork/exit, cgroup_attach_task)"
               : "processes followed by /proc polling every 50 ms (" + why + ")";
  thread_ = std::thread([this] { loop(); });
  return true;
}

void ProcTracker::seed_from_child(int map_fd) {
  if (map_fd < 0) return;
  __u32 key = (__u32)getpid();
  proctrack_proc v{};
  bpf_map_update_elem(map_fd, &key, &v, BPF_ANY);
}

void ProcTracker::seed(pid_t pid) {
  if (skel_) {
    __u32 key = (__u32)pid;
    proctrack_proc v{};
    bpf_map_update_elem(map_fd_, &key, &v, BPF_NOEXIST);
    return;
  }
  uint64_t st = proc_start_time(pid);
  std::lock_guard<std::mutex> l(mu_);
  if (st) procs_[pid] = st;
}

std::vector<pid_t> ProcTracker::pids() const {
  std::vector<pid_t> out;
  if (skel_) {
    __u32 key, next;
    __u32* prev = nullptr;
    while (bpf_map_get_next_key(map_fd_, prev, &next) == 0) {
      out.push_back((pid_t)next);
      key = next;
      prev = &key;
    }
    return out;
  }
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [p, st] : procs_) out.push_back(p);
  return out;
}

size_t ProcTracker::kill_all() {
  size_t n = 0;
  for (pid_t p : pids()) {
    if (p <= 1 || p == getpid()) continue;
    int fd = pidfd_open(p);
    if (fd < 0) continue;
    // Still the process we track? (Its pid cannot be reused while it is tracked: the entry
    // goes at its exit, the pid only after its reaping.)
    bool tracked;
    if (skel_) {
      __u32 key = (__u32)p;
      proctrack_proc v;
      tracked = bpf_map_lookup_elem(map_fd_, &key, &v) == 0;
    } else {
      std::lock_guard<std::mutex> l(mu_);
      auto it = procs_.find(p);
      tracked = it != procs_.end() && it->second == proc_start_time(p);
    }
    if (tracked && pidfd_kill(fd) == 0) n++;
    close(fd);
  }
  return n;
}

std::vector<ProcTracker::Escape> ProcTracker::escapes() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Escape> out;
  for (const auto& [p, e] : escapes_) out.push_back(e);
  return out;
}

uint64_t ProcTracker::lost() const {
  if (!skel_) return 0;
  __u32 zero = 0;
  proctrack_cfg cfg{};
  bpf_map_lookup_elem(bpf_map__fd(skel_->maps.lgc_trk_cfg), &zero, &cfg);
  return cfg.lost;
}

void ProcTracker::stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  thread_.join();
  // A last look, so an escape just before the stop is not missed.
  if (skel_)
    poll_bpf();
  else
    poll_procfs();
}

void ProcTracker::escaped(const Escape& e) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!escapes_.emplace(e.pid, e).second) return;
  }
  if (on_escape_) on_escape_(e);
}

void ProcTracker::loop() {
  while (!stop_) {
    if (skel_)
      poll_bpf();
    else
      poll_procfs();
    for (useconds_t slept = 0; slept < kPollMicros && !stop_; slept += 10000) usleep(10000);
  }
}

void ProcTracker::poll_bpf() {
  int fd = bpf_map__fd(skel_->maps.lgc_escapes);
  __u32 key, next;
  __u32* prev = nullptr;
  std::vector<Escape> found;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    key = next;
    prev = &key;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (escapes_.count((pid_t)key)) continue;
    }
    proctrack_escape v{};
    if (bpf_map_lookup_elem(fd, &key, &v) != 0) continue;
    Escape e;
    e.pid = (pid_t)v.tgid;
    e.comm.assign(v.comm, strnlen(v.comm, sizeof v.comm));
    e.cgroup.assign(v.cgroup, strnlen(v.cgroup, sizeof v.cgroup));
    e.born_outside = v.born_outside;
    if (e.born_outside || e.cgroup.empty()) {
      std::string now = cgroup_path_of(e.pid);
      if (!now.empty()) e.cgroup = now;
    }
    found.push_back(e);
  }
  for (const auto& e : found) escaped(e);
}

void ProcTracker::poll_procfs() {
  std::vector<pid_t> members;
  std::string err;
  if (!cgroup_.empty()) cgroup_pids(cgroup_, true, members, err);
  std::set<pid_t> in_cgroup(members.begin(), members.end());
  std::map<pid_t, Proc> live;
  for (pid_t p : all_pids()) {
    Proc x;
    if (read_stat(p, x)) live[p] = x;
  }
  std::vector<Escape> found;
  {
    std::lock_guard<std::mutex> l(mu_);
    // Gone, or the pid now belongs to another process.
    for (auto it = procs_.begin(); it != procs_.end();) {
      auto lv = live.find(it->first);
      if (lv == live.end() || lv->second.start != it->second)
        it = procs_.erase(it);
      else
        ++it;
    }
    for (pid_t p : members)
      if (live.count(p)) procs_.emplace(p, live[p].start);
    // Children of known processes, to a fixed point (the list is not in tree order).
    for (bool grew = true; grew;) {
      grew = false;
      for (const auto& [p, x] : live)
        if (!procs_.count(p) && procs_.count(x.ppid) && p != getpid()) grew |= procs_.emplace(p, x.start).second;
    }
    if (!cgroup_rel_.empty())
      for (const auto& [p, st] : procs_) {
        if (in_cgroup.count(p) || escapes_.count(p)) continue;
        std::string where = cgroup_path_of(p);
        if (where.empty() || under(where, cgroup_rel_)) continue;
        Escape e;
        e.pid = p;
        e.comm = live[p].comm;
        e.cgroup = where;
        found.push_back(e);
      }
  }
  for (const auto& e : found) escaped(e);
}

}  // namespace lg
