// SPDX-License-Identifier: MIT
// The procfs census: /proc/PID/fd links, /proc/PID/status, /proc/*/stat, fdinfo of BPF fds,
// /proc/slabinfo, and the bpf(2) id lists for the system's BPF objects.
#include <bpf/bpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "harness/base/cgroup.h"
#include "harness/base/fs.h"
#include "harness/base/metrics.h"
#include "harness/base/procfs.h"
#include "harness/base/series.h"
#include "harness/census/proctrack.h"
#include "harness/census/backends.h"
#include "harness/census/columns.h"
#include "harness/census/fd_links.h"
#include "harness/census/own_objects.h"
#include "harness/census/slabs.h"
#include "harness/census/system_files.h"

namespace lg {
namespace {

// Reads a small file relative to a directory fd into buf (NUL-terminated); -1 on failure.
ssize_t read_at(int dirfd, const char* rel, char* buf, size_t size) {
  int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  if (n < 0) return -1;
  buf[n] = 0;
  return n;
}

// utime + stime of /proc/PID/stat (the whole thread group, exited threads included), in
// seconds; 0 for a process that is gone.
double cpu_seconds(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  if (read_at(AT_FDCWD, path, buf, sizeof buf) <= 0) return 0;
  const char* p = strrchr(buf, ')');
  if (!p) return 0;
  // After "pid (comm)": state is field 3; utime and stime are fields 14 and 15.
  unsigned long long ut = 0, st = 0;
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2) return 0;
  static const double tick = (double)sysconf(_SC_CLK_TCK);
  return (double)(ut + st) / tick;
}

bool contains(const std::vector<pid_t>& sorted, pid_t p) { return std::binary_search(sorted.begin(), sorted.end(), p); }

void sort_unique(std::vector<uint32_t>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// Every BPF object of one type, by id (bpf(BPF_*_GET_NEXT_ID)), with its info; one freed
// meanwhile is left out.
template <class Info, class F>
void for_each_bpf_object(int (*next_id)(__u32, __u32*), int (*fd_by_id)(__u32), F f) {
  uint32_t id = 0;
  while (next_id(id, &id) == 0) {
    int fd = fd_by_id(id);
    if (fd < 0) continue;  // freed meanwhile
    Info info{};
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) f(id, info);
    close(fd);
  }
}

class ProcfsCensus : public Census {
 public:
  ProcfsCensus(const CensusScope& scope, const CensusOptions& opts) : scope_(scope), opts_(opts) {
    build_columns(Backend::Procfs, scope, opts, names_, unavailable_, slabs_);
    mode_ = target_mode(scope);
    if (opts.system) {
      // Listing BPF objects by id needs CAP_SYS_ADMIN.
      uint32_t id = 0;
      if (bpf_map_get_next_id(0, &id) != 0 && errno == EPERM) {
        for (MetricId m : {MetricId::sys_bpf_maps, MetricId::sys_bpf_progs, MetricId::sys_bpf_links})
          unavailable_[static_cast<size_t>(m)] = "listing BPF objects (bpf(BPF_MAP_GET_NEXT_ID)) needs CAP_SYS_ADMIN";
      }
      cgroup_root_ = cgroup2_mount();
      if (cgroup_root_.empty())
        unavailable_[static_cast<size_t>(MetricId::sys_dying_cgroups)] =
            "cgroup v2 is not mounted (procfs reads nr_dying_descendants from the root's cgroup.stat; the BPF "
            "backend needs no mount)";
      if (!slabs_.empty() && read_file("/proc/slabinfo").empty()) {
        for (size_t i = 0; i < slabs_.size(); i++) {
          std::string& why = unavailable_[slab_column(i)];
          if (why.empty()) why = "/proc/slabinfo is not readable (needs root)";
        }
      }
    }
  }
  Backend kind() const override { return Backend::Procfs; }
  bool sample(std::vector<double>& values, std::string& err) override;
  bool ghosts(bool system, std::vector<GhostTask>& out, std::string& err) override;

 private:
  bool scan_proc(std::string& err);
  bool target_pids(std::string& err);
  bool count_fds(pid_t pid, std::string& err);
  void system_bpf(std::vector<double>& values);
  const ProcStat* stat_of(pid_t pid) const;

  CensusScope scope_;
  CensusOptions opts_;
  census_target_mode mode_;
  std::vector<std::string> slabs_;
  std::vector<ProcStat> stats_;  // every process, from /proc/*/stat
  std::vector<pid_t> targets_;   // live target processes, sorted
  uint64_t kinds_[CENSUS_FD_KINDS] = {};
  std::vector<uint32_t> maps_, progs_, links_;
  double map_bytes_ = 0;
  std::string cgroup_root_;  // the cgroup v2 mount, for sys.dying_cgroups
};

const ProcStat* ProcfsCensus::stat_of(pid_t pid) const {
  for (const auto& s : stats_)
    if (s.pid == pid) return &s;
  return nullptr;
}

bool ProcfsCensus::scan_proc(std::string& err) {
  if (list_processes(stats_)) return true;
  err = std::string("cannot list /proc: ") + strerror(errno);
  return false;
}

bool ProcfsCensus::target_pids(std::string& err) {
  targets_.clear();
  auto find = [&](pid_t p) { return stat_of(p); };
  if (mode_ == CENSUS_TARGET_PID || mode_ == CENSUS_TARGET_TREE) {
    pid_t root = mode_ == CENSUS_TARGET_PID ? scope_.pid : scope_.tree_root;
    const ProcStat* s = find(root);
    if (!s) {
      err = "process " + std::to_string(root) + " does not exist";
      return false;
    }
    if (!s->zombie()) targets_.push_back(root);
    if (mode_ == CENSUS_TARGET_TREE) {
      // Descendants: grow the set until no process has its parent in it.
      std::vector<pid_t> tree = {root};
      for (size_t i = 0; i < tree.size(); i++)
        for (const auto& c : stats_)
          if (c.ppid == tree[i] && c.pid != root) {
            tree.push_back(c.pid);
            if (!c.zombie()) targets_.push_back(c.pid);
          }
    }
  } else if (mode_ == CENSUS_TARGET_CGROUP) {
    std::vector<pid_t> pids;
    if (!cgroup_pids(scope_.cgroup, true, pids, err)) return false;
    for (pid_t p : pids) {
      const ProcStat* s = find(p);
      if (s && !s->zombie()) targets_.push_back(p);
    }
  }
  // Processes followed by fork count wherever they went (another cgroup, another session).
  if (scope_.tracker && (mode_ == CENSUS_TARGET_CGROUP || mode_ == CENSUS_TARGET_TREE))
    for (pid_t p : scope_.tracker->pids()) {
      const ProcStat* s = find(p);
      if (s && !s->zombie()) targets_.push_back(p);
    }
  std::sort(targets_.begin(), targets_.end());
  targets_.erase(std::unique(targets_.begin(), targets_.end()), targets_.end());
  return true;
}

// A process that exited since the scan counts nothing; one we may not look into is an error
// (zeros would be a lie).
bool ProcfsCensus::count_fds(pid_t pid, std::string& err) {
  char path[64], link[512], info[4096];
  snprintf(path, sizeof path, "/proc/%d/fd", pid);
  int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* d = dfd >= 0 ? fdopendir(dfd) : nullptr;
  if (!d) {
    if (dfd >= 0) close(dfd);
    if (errno == ENOENT || errno == ESRCH) return true;
    err = std::string("cannot list ") + path + ": " + strerror(errno);
    return false;
  }
  int infodir = -1;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    ssize_t n = readlinkat(dfd, e->d_name, link, sizeof link - 1);
    if (n < 0) {
      if (errno == ENOENT) continue;  // closed meanwhile
      err = std::string("cannot read ") + path + "/" + e->d_name + ": " + strerror(errno);
      if (infodir >= 0) close(infodir);
      closedir(d);
      return false;
    }
    link[n] = 0;
    int kind = classify_proc_fd(pid, e->d_name, std::string_view(link, n));
    if (kind < 0) continue;  // closed meanwhile
    kinds_[kind]++;
    if (kind != CENSUS_FD_BPF_MAP && kind != CENSUS_FD_BPF_PROG && kind != CENSUS_FD_BPF_LINK) continue;
    if (infodir < 0) {
      char ipath[64];
      snprintf(ipath, sizeof ipath, "/proc/%d/fdinfo", pid);
      infodir = open(ipath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (infodir < 0) continue;
    }
    if (read_at(infodir, e->d_name, info, sizeof info) <= 0) continue;
    if (kind == CENSUS_FD_BPF_MAP) {
      int64_t id = proc_field(info, "map_id:");
      if (id < 0) continue;
      if (std::find(maps_.begin(), maps_.end(), (uint32_t)id) == maps_.end()) {
        maps_.push_back((uint32_t)id);
        int64_t mem = proc_field(info, "memlock:");
        if (mem > 0) map_bytes_ += mem;
      }
    } else if (kind == CENSUS_FD_BPF_PROG) {
      int64_t id = proc_field(info, "prog_id:");
      if (id >= 0) progs_.push_back((uint32_t)id);
    } else {
      int64_t id = proc_field(info, "link_id:");
      if (id >= 0) links_.push_back((uint32_t)id);
    }
  }
  if (infodir >= 0) close(infodir);
  closedir(d);
  return true;
}

// Every BPF object by id; leakguard's own are recognised by name.
void ProcfsCensus::system_bpf(std::vector<double>& values) {
  if (!measurable(MetricId::sys_bpf_maps)) return;
  double maps = 0, progs = 0, links = 0;
  for_each_bpf_object<bpf_map_info>(bpf_map_get_next_id, bpf_map_get_fd_by_id,
                                    [&](uint32_t, const bpf_map_info& i) { maps += !own_bpf_map_name(i.name); });
  std::vector<uint32_t> own_progs;
  for_each_bpf_object<bpf_prog_info>(bpf_prog_get_next_id, bpf_prog_get_fd_by_id,
                                     [&](uint32_t id, const bpf_prog_info& i) {
                                       if (own_bpf_prog_name(i.name))
                                         own_progs.push_back(id);
                                       else
                                         progs++;
                                     });
  for_each_bpf_object<bpf_link_info>(
      bpf_link_get_next_id, bpf_link_get_fd_by_id, [&](uint32_t, const bpf_link_info& i) {
        links += std::find(own_progs.begin(), own_progs.end(), i.prog_id) == own_progs.end();
      });
  set(values, MetricId::sys_bpf_maps, maps);
  set(values, MetricId::sys_bpf_progs, progs);
  set(values, MetricId::sys_bpf_links, links);
}

bool ProcfsCensus::sample(std::vector<double>& values, std::string& err) {
  values.assign(names_.size(), kUnavailable);
  bool target = mode_ != CENSUS_TARGET_NONE;
  if (!scan_proc(err)) return false;
  if (target) {
    if (!target_pids(err)) return false;
    for (auto& k : kinds_) k = 0;
    maps_.clear();
    progs_.clear();
    links_.clear();
    map_bytes_ = 0;
    double threads = 0, rss = 0, cpu = 0, limit_used = 0;
    char path[64], buf[4096];
    for (pid_t p : targets_) {
      snprintf(path, sizeof path, "/proc/%d/status", p);
      if (read_at(AT_FDCWD, path, buf, sizeof buf) > 0) {
        int64_t t = proc_field(buf, "Threads:");
        int64_t r = proc_field(buf, "VmRSS:");
        if (t > 0) threads += t;
        if (r > 0) rss += r * 1024.0;
      }
      cpu += cpu_seconds(p);
      uint64_t before = 0, after = 0;
      for (auto k : kinds_) before += k;
      if (!count_fds(p, err)) return false;
      for (auto k : kinds_) after += k;
      // fd.limit_used: this process's fds over its soft RLIMIT_NOFILE; the fullest one counts.
      snprintf(path, sizeof path, "/proc/%d/limits", p);
      if (read_at(AT_FDCWD, path, buf, sizeof buf) > 0) {
        double soft = limits_nofile_soft(buf);
        if (soft >= 0) limit_used = std::max(limit_used, (double)(after - before) / std::max(soft, 1.0));
      }
    }
    double total = 0;
    for (int k = 0; k < CENSUS_FD_KINDS; k++) {
      set(values, fd_kind_metric(k), (double)kinds_[k]);
      total += kinds_[k];
    }
    set(values, MetricId::fd_total, total);
    double zombies = 0;
    for (const auto& s : stats_) zombies += s.zombie() && contains(targets_, s.ppid);
    set(values, MetricId::fd_limit_used, limit_used);
    set(values, MetricId::proc_processes, (double)targets_.size());
    set(values, MetricId::proc_threads, threads);
    set(values, MetricId::proc_zombies, zombies);
    set(values, MetricId::proc_rss_bytes, rss);
    set(values, MetricId::proc_cpu_seconds, cpu);
    sort_unique(progs_);
    sort_unique(links_);
    set(values, MetricId::bpf_maps, (double)maps_.size());
    set(values, MetricId::bpf_map_bytes, map_bytes_);
    set(values, MetricId::bpf_progs, (double)progs_.size());
    set(values, MetricId::bpf_links, (double)links_.size());
  }
  // D-state tasks: the target's and, with system metrics, everyone's, in one pass.
  if (opts_.system || target) {
    int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    double sys_d = 0, target_d = 0;
    std::vector<ProcStat> stuck;
    for (const auto& s : stats_) {
      bool mine = target && contains(targets_, s.pid);
      if ((!opts_.system && !mine) || proc < 0) continue;
      stuck.clear();
      dstate_tasks(proc, s, stuck);
      sys_d += stuck.size();
      if (mine) target_d += stuck.size();
    }
    if (proc >= 0) close(proc);
    if (target) set(values, MetricId::proc_dstate, target_d);
    if (opts_.system) set(values, MetricId::sys_dstate, sys_d);
  }
  if (opts_.system) {
    double tasks = 0, zombies = 0;
    for (const auto& s : stats_) {
      tasks += s.threads > 0 ? s.threads : 1;
      zombies += s.zombie();
    }
    set(values, MetricId::sys_tasks, tasks);
    set(values, MetricId::sys_zombies, zombies);
    system_files(cgroup_root_, [&](MetricId id, double v) { set(values, id, v); });
    system_bpf(values);
    if (any_slab_measurable())
      slabs_from_procfs(slabs_, [&](size_t i, double v) { set_column(values, slab_column(i), v); });
  }
  return true;
}

bool ProcfsCensus::ghosts(bool system, std::vector<GhostTask>& out, std::string& err) {
  out.clear();
  bool target = mode_ != CENSUS_TARGET_NONE;
  if (!scan_proc(err)) return false;
  if (target && !target_pids(err)) return false;
  auto comm_of = [&](pid_t p) {
    const ProcStat* s = stat_of(p);
    return s ? s->comm : std::string();
  };
  int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc < 0) {
    err = std::string("cannot open /proc: ") + strerror(errno);
    return false;
  }
  std::vector<ProcStat> stuck;
  for (const auto& s : stats_) {
    if (s.zombie()) {
      if (!target || !contains(targets_, s.ppid)) continue;
      GhostTask g;
      g.kind = GhostTask::Zombie;
      g.target = true;
      g.tid = g.pid = s.pid;
      g.ppid = g.parent_tid = s.ppid;
      g.comm = g.process_comm = s.comm;
      g.parent_comm = comm_of(s.ppid);
      g.exit_code = s.exit_code;
      kernel_stack_from_proc(s.ppid, s.ppid, g);  // where the parent is instead of reaping
      out.push_back(std::move(g));
      continue;
    }
    bool mine = target && contains(targets_, s.pid);
    if (!mine && !system) continue;
    stuck.clear();
    dstate_tasks(proc, s, stuck);
    for (const auto& t : stuck) {
      GhostTask g;
      g.kind = GhostTask::DState;
      g.target = mine;
      g.tid = t.pid;
      g.pid = s.pid;
      g.ppid = g.parent_tid = s.ppid;
      g.comm = t.comm;
      g.process_comm = s.comm;
      g.parent_comm = comm_of(s.ppid);
      kernel_stack_from_proc(s.pid, t.pid, g);
      out.push_back(std::move(g));
    }
  }
  close(proc);
  return true;
}

}  // namespace

std::unique_ptr<Census> make_procfs_census(const CensusScope& scope, const CensusOptions& opts, std::string& err) {
  if (access("/proc/self/fd", R_OK) != 0) {
    err = "/proc is not readable: " + std::string(strerror(errno));
    return nullptr;
  }
  return std::make_unique<ProcfsCensus>(scope, opts);
}

}  // namespace lg
