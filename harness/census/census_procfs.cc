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
#include "harness/census/backends.h"
#include "harness/census/columns.h"
#include "harness/census/fd_links.h"
#include "harness/census/own_objects.h"
#include "harness/census/slabs.h"

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

 private:
  bool scan_proc(std::string& err);
  bool target_pids(std::string& err);
  bool count_fds(pid_t pid, std::string& err);
  void system_bpf(std::vector<double>& values);

  CensusScope scope_;
  CensusOptions opts_;
  census_target_mode mode_;
  std::vector<std::string> slabs_;
  std::vector<ProcStat> stats_;  // every process, from /proc/*/stat
  std::vector<pid_t> targets_;   // live target processes, sorted
  uint64_t kinds_[CENSUS_FD_KINDS] = {};
  std::vector<uint32_t> maps_, progs_, links_;
  double map_bytes_ = 0;
};

bool ProcfsCensus::scan_proc(std::string& err) {
  if (list_processes(stats_)) return true;
  err = std::string("cannot list /proc: ") + strerror(errno);
  return false;
}

bool ProcfsCensus::target_pids(std::string& err) {
  targets_.clear();
  auto find = [&](pid_t p) -> const ProcStat* {
    for (const auto& s : stats_)
      if (s.pid == p) return &s;
    return nullptr;
  };
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
    int kind = fd_kind_from_link(std::string_view(link, n));
    if (kind < 0) {
      struct stat st;
      if (fstatat(dfd, e->d_name, &st, 0) != 0) continue;
      kind = census_fd_kind_of_mode(st.st_mode);
    }
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
    double threads = 0, rss = 0;
    char path[64], buf[4096];
    for (pid_t p : targets_) {
      snprintf(path, sizeof path, "/proc/%d/status", p);
      if (read_at(AT_FDCWD, path, buf, sizeof buf) > 0) {
        int64_t t = proc_field(buf, "Threads:");
        int64_t r = proc_field(buf, "VmRSS:");
        if (t > 0) threads += t;
        if (r > 0) rss += r * 1024.0;
      }
      if (!count_fds(p, err)) return false;
    }
    double total = 0;
    for (int k = 0; k < CENSUS_FD_KINDS; k++) {
      set(values, fd_kind_metric(k), (double)kinds_[k]);
      total += kinds_[k];
    }
    set(values, MetricId::fd_total, total);
    double zombies = 0;
    for (const auto& s : stats_) zombies += s.zombie() && contains(targets_, s.ppid);
    set(values, MetricId::proc_processes, (double)targets_.size());
    set(values, MetricId::proc_threads, threads);
    set(values, MetricId::proc_zombies, zombies);
    set(values, MetricId::proc_rss_bytes, rss);
    sort_unique(progs_);
    sort_unique(links_);
    set(values, MetricId::bpf_maps, (double)maps_.size());
    set(values, MetricId::bpf_map_bytes, map_bytes_);
    set(values, MetricId::bpf_progs, (double)progs_.size());
    set(values, MetricId::bpf_links, (double)links_.size());
  }
  if (opts_.system) {
    double tasks = 0, zombies = 0;
    for (const auto& s : stats_) {
      tasks += s.threads > 0 ? s.threads : 1;
      zombies += s.zombie();
    }
    set(values, MetricId::sys_tasks, tasks);
    set(values, MetricId::sys_zombies, zombies);
    system_bpf(values);
    if (any_slab_measurable())
      slabs_from_procfs(slabs_, [&](size_t i, double v) { set_column(values, slab_column(i), v); });
  }
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
