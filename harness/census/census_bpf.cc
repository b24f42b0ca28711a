// SPDX-License-Identifier: MIT
// The BPF census: bpf/census.bpf.c loaded and its iterators attached once per Census object;
// each sample() creates a fresh fd on every link, reads the binary records and adds them up.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstring>

#include "bpf/census.h"
#include "bpf/proctrack.h"
#include "census.skel.h"
#include "harness/base/cgroup.h"
#include "harness/base/fs.h"
#include "harness/base/libbpf_log.h"
#include "harness/base/metrics.h"
#include "harness/base/procfs.h"
#include "harness/base/series.h"
#include "harness/census/proctrack.h"
#include "harness/base/strings.h"
#include "harness/census/backends.h"
#include "harness/census/columns.h"
#include "harness/census/own_objects.h"
#include "harness/census/slabs.h"
#include "harness/census/system_files.h"

namespace lg {
namespace {

uint32_t numa_node_ids() {
  // "0" or "0-3" or "0,2": the highest id + 1.
  std::string s = trim(read_file("/sys/devices/system/node/possible"));
  uint32_t hi = 0;
  for (const auto& part : split(s, ',')) {
    auto r = split(part, '-');
    if (!r.empty() && !r.back().empty()) hi = std::max(hi, (uint32_t)atoi(r.back().c_str()));
  }
  return hi + 1;
}

uint32_t fd_id(int fd, int kind) {
  if (fd < 0) return 0;
  if (kind == 0) {
    bpf_map_info i{};
    uint32_t n = sizeof i;
    return bpf_obj_get_info_by_fd(fd, &i, &n) == 0 ? i.id : 0;
  }
  if (kind == 1) {
    bpf_prog_info i{};
    uint32_t n = sizeof i;
    return bpf_obj_get_info_by_fd(fd, &i, &n) == 0 ? i.id : 0;
  }
  bpf_link_info i{};
  uint32_t n = sizeof i;
  return bpf_obj_get_info_by_fd(fd, &i, &n) == 0 ? i.id : 0;
}

bool is_zombie(pid_t pid) {
  ProcStat st;
  return parse_proc_stat(read_file("/proc/" + std::to_string(pid) + "/stat"), st) && st.state == 'Z';
}

bool has(const std::vector<uint32_t>& v, uint32_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

class BpfCensus : public Census {
 public:
  BpfCensus(const CensusScope& scope, const CensusOptions& opts) : scope_(scope), opts_(opts) {
    build_columns(Backend::Bpf, scope, opts, names_, unavailable_, slabs_);
    mode_ = target_mode(scope);
    page_ = sysconf(_SC_PAGESIZE);
    if (mode_ == CENSUS_TARGET_CGROUP || mode_ == CENSUS_TARGET_TREE) tracker_ = scope.tracker;
  }
  ~BpfCensus() override {
    for (bpf_link* l : {file_, task_, map_, prog_, link_, slab_, ghost_})
      if (l) bpf_link__destroy(l);
    if (skel_) census_bpf__destroy(skel_);
  }
  Backend kind() const override { return Backend::Bpf; }
  bool init(std::string& err);
  bool sample(std::vector<double>& values, std::string& err) override;
  bool ghosts(bool system, std::vector<GhostTask>& out, std::string& err) override;

 private:
  bool load(bool with_slab, bool with_ghost, std::string& err);
  bool read_iter(bpf_link* l, const char* what, std::string& err);
  // Reads an iterator whose stream is records of T and calls f on each; false (err) when the
  // stream is not whole records.
  template <class T, class F>
  bool read_records(bpf_link* l, const char* what, std::string& err, F f) {
    if (!read_iter(l, what, err)) return false;
    if (len_ % sizeof(T)) {
      err = std::string(what) + " iterator: malformed stream of " + std::to_string(len_) + " bytes";
      return false;
    }
    for (size_t off = 0; off < len_; off += sizeof(T)) {
      T r;
      memcpy(&r, buf_.data() + off, sizeof r);
      f(r);
    }
    return true;
  }
  double map_memlock(pid_t tgid, int fd, uint32_t id);
  void sync_tracked();  // a procfs tracker's processes into lgc_tracked

  CensusScope scope_;
  const ProcTracker* tracker_ = nullptr;
  CensusOptions opts_;
  census_target_mode mode_;
  long page_;
  std::vector<std::string> slabs_;
  bool slab_bpf_ = false, slab_procfs_ = false;
  census_bpf* skel_ = nullptr;
  bpf_link *file_ = nullptr, *task_ = nullptr, *map_ = nullptr, *prog_ = nullptr, *link_ = nullptr, *slab_ = nullptr;
  bpf_link* ghost_ = nullptr;             // lgc_ghost, attached when first needed
  bool ghost_bpf_ = false;                // lgc_ghost loaded (else /proc lists the same)
  std::unique_ptr<Census> ghost_procfs_;  // lists ghosts when lgc_ghost cannot
  std::vector<uint32_t> own_maps_, own_progs_, own_links_;
  std::vector<char> buf_;
  size_t len_ = 0;
  std::vector<census_map> maps_;  // last bpf_map read, in id order
  std::vector<TargetMap> target_maps_;

 public:
  const std::vector<TargetMap>* target_maps() const override { return &target_maps_; }

 private:
  std::vector<census_obj> objs_;  // target's BPF fds, last read
};

bool BpfCensus::load(bool with_slab, bool with_ghost, std::string& err) {
  skel_ = census_bpf__open();
  if (!skel_) {
    err = libbpf_reason("cannot open the census BPF object", errno);
    return false;
  }
  auto* ro = skel_->rodata;
  ro->target_mode = mode_;
  ro->target_pid = mode_ == CENSUS_TARGET_TREE ? scope_.tree_root : scope_.pid;
  ro->nr_nodes = numa_node_ids();
  ro->want_netns = opts_.system;
  if (mode_ == CENSUS_TARGET_CGROUP) {
    uint64_t id;
    uint32_t level;
    if (!cgroup_info(scope_.cgroup, id, level, err)) return false;
    ro->target_cgid = id;
    ro->target_level = level;
  }
  ro->use_tracked = tracker_ != nullptr;
  // The tracker's own map when it runs in BPF (exact, updated by the kernel at each fork and
  // exit); a private one otherwise, filled from the tracker before each reading.
  if (tracker_ && tracker_->map_fd() >= 0) {
    if (int e = bpf_map__reuse_fd(skel_->maps.lgc_tracked, tracker_->map_fd()); e != 0) {
      err = libbpf_reason("cannot share the fork-tracking map with the census", e);
      census_bpf__destroy(skel_);
      skel_ = nullptr;
      return false;
    }
  } else if (!tracker_) {
    bpf_map__set_max_entries(skel_->maps.lgc_tracked, 1);
  }
  bpf_program__set_autoload(skel_->progs.lgc_file, mode_ != CENSUS_TARGET_NONE);
  bpf_program__set_autoload(skel_->progs.lgc_slab, with_slab);
  bpf_program__set_autoload(skel_->progs.lgc_ghost, with_ghost);
  int e = census_bpf__load(skel_);
  if (e) {
    err = libbpf_reason("cannot load the census BPF programs", e);
    census_bpf__destroy(skel_);
    skel_ = nullptr;
    return false;
  }
  return true;
}

bool BpfCensus::init(std::string& err) {
  LibbpfLog log;
  bool want_slab = opts_.system && any_slab_measurable();
  std::string slab_why;
  // Optional programs, each dropped alone before both are: lgc_slab (kernels without
  // iter/kmem_cache read /proc/slabinfo) and lgc_ghost (without it, ghosts come from /proc).
  struct Try {
    bool slab, ghost;
  };
  std::vector<Try> tries = {{want_slab, true}, {want_slab, false}};
  if (want_slab) tries.insert(tries.end(), {{false, true}, {false, false}});
  std::string first_err;
  bool ok = false;
  Try used{};
  for (Try t : tries) {
    if ((ok = load(t.slab, t.ghost, err))) {
      used = t;
      break;
    }
    if (first_err.empty()) first_err = err;
  }
  if (ok && want_slab && !used.slab) slab_why = first_err;
  ghost_bpf_ = ok && used.ghost;
  slab_bpf_ = ok && want_slab && slab_why.empty();
  auto attach = [&](bpf_program* p, bpf_link*& l, const char* what, union bpf_iter_link_info* li) {
    if (!ok) return;
    LIBBPF_OPTS(bpf_iter_attach_opts, o);
    if (li) {
      o.link_info = li;
      o.link_info_len = sizeof *li;
    }
    l = bpf_program__attach_iter(p, li ? &o : nullptr);
    if (!l) {
      err = libbpf_reason(what, errno);
      ok = false;
    }
  };
  if (mode_ != CENSUS_TARGET_NONE) {
    union bpf_iter_link_info li;
    memset(&li, 0, sizeof li);
    li.task.pid = scope_.pid;
    attach(skel_->progs.lgc_file, file_, "cannot attach iter/task_file", mode_ == CENSUS_TARGET_PID ? &li : nullptr);
  }
  attach(skel_->progs.lgc_task, task_, "cannot attach iter/task", nullptr);
  attach(skel_->progs.lgc_map, map_, "cannot attach iter/bpf_map", nullptr);
  attach(skel_->progs.lgc_prog, prog_, "cannot attach iter/bpf_prog", nullptr);
  attach(skel_->progs.lgc_link, link_, "cannot attach iter/bpf_link", nullptr);
  if (ok && slab_bpf_) {
    attach(skel_->progs.lgc_slab, slab_, "cannot attach iter/kmem_cache", nullptr);
    int mfd = bpf_map__fd(skel_->maps.lgc_slab_names);
    for (size_t i = 0; ok && i < slabs_.size(); i++) {
      char key[CENSUS_SLAB_NAME_LEN] = {};
      strncpy(key, slabs_[i].c_str(), sizeof key - 1);
      uint32_t idx = i;
      if (bpf_map_update_elem(mfd, key, &idx, BPF_ANY) != 0) {
        err = std::string("cannot fill the slab name map: ") + strerror(errno);
        ok = false;
      }
    }
  }
  if (!ok) return false;
  if (want_slab && !slab_bpf_) {
    slab_procfs_ = !read_file("/proc/slabinfo").empty();
    if (!slab_procfs_)
      for (size_t i = 0; i < slabs_.size(); i++) {
        std::string& why = unavailable_[slab_column(i)];
        if (why.empty()) why = "iter/kmem_cache unavailable (" + slab_why + ") and /proc/slabinfo unreadable";
      }
  }
  // Our own objects, excluded from sys.*.
  bpf_map* m;
  bpf_object__for_each_map(m, skel_->obj) own_maps_.push_back(fd_id(bpf_map__fd(m), 0));
  bpf_program* p;
  bpf_object__for_each_program(p, skel_->obj) {
    if (bpf_program__fd(p) >= 0) own_progs_.push_back(fd_id(bpf_program__fd(p), 1));
  }
  for (bpf_link* l : {file_, task_, map_, prog_, link_, slab_})
    if (l) own_links_.push_back(fd_id(bpf_link__fd(l), 2));
  // One trial reading, so a backend that loads but cannot read is refused here.
  std::vector<double> v;
  std::string why;
  if (!sample(v, why)) {
    err = "trial census failed: " + why;
    return false;
  }
  return true;
}

bool BpfCensus::read_iter(bpf_link* l, const char* what, std::string& err) {
  len_ = 0;
  int fd = bpf_iter_create(bpf_link__fd(l));
  if (fd < 0) {
    err = std::string("bpf_iter_create(") + what + "): " + strerror(errno);
    return false;
  }
  while (true) {
    if (buf_.size() - len_ < 32768) buf_.resize(std::max<size_t>(buf_.size() * 2, len_ + 65536));
    ssize_t n = read(fd, buf_.data() + len_, buf_.size() - len_);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = std::string("reading the ") + what + " iterator: " + strerror(errno);
      close(fd);
      return false;
    }
    if (n == 0) break;
    len_ += n;
  }
  close(fd);
  return true;
}

// memlock of a map from the holder's fdinfo (the kernel computes it per map type; BPF cannot).
double BpfCensus::map_memlock(pid_t tgid, int fd, uint32_t id) {
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%d/fdinfo/%d", tgid, fd);
  int f = open(path, O_RDONLY | O_CLOEXEC);
  if (f < 0) return 0;
  ssize_t n = read(f, buf, sizeof buf - 1);
  close(f);
  if (n <= 0) return 0;
  buf[n] = 0;
  if (proc_field(buf, "map_id:") != (int64_t)id) return 0;  // fd reused meanwhile
  int64_t mem = proc_field(buf, "memlock:");
  return mem > 0 ? (double)mem : 0;
}

void BpfCensus::sync_tracked() {
  int fd = bpf_map__fd(skel_->maps.lgc_tracked);
  std::vector<pid_t> want = tracker_->pids();
  std::sort(want.begin(), want.end());
  std::vector<__u32> drop;
  __u32 key, next, *prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    if (!std::binary_search(want.begin(), want.end(), (pid_t)next)) drop.push_back(next);
    key = next;
    prev = &key;
  }
  for (__u32 k : drop) bpf_map_delete_elem(fd, &k);
  proctrack_proc v{};
  for (pid_t p : want) {
    __u32 k = (__u32)p;
    bpf_map_update_elem(fd, &k, &v, BPF_ANY);
  }
}

bool BpfCensus::sample(std::vector<double>& values, std::string& err) {
  values.assign(names_.size(), kUnavailable);
  bool target = mode_ != CENSUS_TARGET_NONE;
  if (mode_ == CENSUS_TARGET_PID && !process_exists(scope_.pid)) {
    err = "process " + std::to_string(scope_.pid) + " does not exist";
    return false;
  }
  if (mode_ == CENSUS_TARGET_TREE && !process_exists(scope_.tree_root)) {
    err = "process " + std::to_string(scope_.tree_root) + " does not exist";
    return false;
  }
  if (mode_ == CENSUS_TARGET_CGROUP && access(scope_.cgroup.c_str(), F_OK) != 0) {
    err = "cgroup " + scope_.cgroup + ": " + strerror(errno);
    return false;
  }

  if (tracker_ && tracker_->map_fd() < 0) sync_tracked();
  // Tasks: threads, zombies, RSS, the target's fds by kind, the netns walk.
  if (!read_iter(task_, "task", err)) return false;
  census_task_sum ts;
  if (len_ != sizeof ts) {
    err = "task iterator: malformed stream of " + std::to_string(len_) + " bytes";
    return false;
  }
  memcpy(&ts, buf_.data(), sizeof ts);
  if (ts.magic != CENSUS_TASK_SUM_MAGIC) {
    err = "task iterator: bad summary record";
    return false;
  }
  if (mode_ == CENSUS_TARGET_PID && ts.t_processes == 0 && !is_zombie(scope_.pid)) {
    // Alive but never visited: the iterators walk another pid namespace than the one the
    // process lives in (PID 1 of some sandboxes). Zeros would be a lie.
    err = "process " + std::to_string(scope_.pid) +
          " is invisible to the BPF task iterators "
          "(another pid namespace?); use the procfs backend";
    return false;
  }
  uint64_t bpf_fds = ts.kinds[CENSUS_FD_BPF_MAP] + ts.kinds[CENSUS_FD_BPF_PROG] + ts.kinds[CENSUS_FD_BPF_LINK];
  if (target) {
    double total = 0;
    for (int k = 0; k < CENSUS_FD_KINDS; k++) {
      set(values, fd_kind_metric(k), (double)ts.kinds[k]);
      total += ts.kinds[k];
    }
    set(values, MetricId::fd_total, total);
    set(values, MetricId::proc_processes, ts.t_processes);
    set(values, MetricId::proc_threads, ts.t_threads);
    set(values, MetricId::proc_zombies, ts.t_zombies);
    set(values, MetricId::proc_dstate, ts.t_dstate);
    set(values, MetricId::proc_rss_bytes, (double)ts.t_rss_pages * page_);
    set(values, MetricId::proc_cpu_seconds, (double)ts.t_cpu_ns / 1e9);
    // The fullest fd table against its soft limit (0 when the target has no process).
    set(values, MetricId::fd_limit_used,
        ts.t_limit_nofile || ts.t_limit_fds ? (double)ts.t_limit_fds / std::max<double>(ts.t_limit_nofile, 1) : 0);
  }

  // Maps: system counts, and the element counts of the target's maps.
  maps_.clear();
  if (opts_.system || bpf_fds)
    if (!read_records<census_map>(map_, "bpf_map", err, [&](const census_map& m) { maps_.push_back(m); })) return false;

  if (target) {
    // The ids behind the target's BPF fds, from iter/task_file; only when the walk saw some.
    objs_.clear();
    if (bpf_fds) {
      if (!read_iter(file_, "task_file", err)) return false;
      census_fd_sum sum;
      if (len_ < sizeof sum || (len_ - sizeof sum) % sizeof(census_obj)) {
        err = "task_file iterator: malformed stream of " + std::to_string(len_) + " bytes";
        return false;
      }
      memcpy(&sum, buf_.data() + len_ - sizeof sum, sizeof sum);
      if (sum.magic != CENSUS_FD_SUM_MAGIC) {
        err = "task_file iterator: bad summary record";
        return false;
      }
      objs_.resize((len_ - sizeof sum) / sizeof(census_obj));
      if (!objs_.empty()) memcpy(objs_.data(), buf_.data(), objs_.size() * sizeof(census_obj));
    }
    // Distinct objects: sort by (kind, id), count each once.
    std::sort(objs_.begin(), objs_.end(), [](const census_obj& a, const census_obj& b) {
      return a.kind != b.kind ? a.kind < b.kind : a.id < b.id;
    });
    double nmaps = 0, nprogs = 0, nlinks = 0, entries = 0, bytes = 0, fill = 0, full = 0;
    target_maps_.clear();
    for (size_t i = 0; i < objs_.size(); i++) {
      const census_obj& o = objs_[i];
      if (i > 0 && objs_[i - 1].kind == o.kind && objs_[i - 1].id == o.id) continue;
      if (o.kind == CENSUS_FD_BPF_MAP) {
        nmaps++;
        auto it = std::lower_bound(maps_.begin(), maps_.end(), o.id,
                                   [](const census_map& m, uint32_t id) { return m.id < id; });
        if (it != maps_.end() && it->id == o.id) {
          entries += it->entries;
          TargetMap m;
          m.id = it->id;
          m.type = it->type;
          m.name = std::string(it->name, strnlen(it->name, sizeof it->name));
          m.entries = (double)it->entries;
          m.max_entries = (double)it->max_entries;
          m.can_fill = map_can_fill(it->type) && it->entries_kind != CENSUS_ENTRIES_NONE && it->max_entries > 0;
          if (m.can_fill) {
            fill = std::max(fill, m.entries / m.max_entries);
            full += m.entries >= m.max_entries;
          }
          target_maps_.push_back(std::move(m));
        }
        bytes += map_memlock(o.tgid, o.fd, o.id);
      } else if (o.kind == CENSUS_FD_BPF_PROG) {
        nprogs++;
      } else {
        nlinks++;
      }
    }
    set(values, MetricId::bpf_maps, nmaps);
    set(values, MetricId::bpf_map_entries, entries);
    set(values, MetricId::bpf_map_fill, fill);
    set(values, MetricId::bpf_maps_full, full);
    set(values, MetricId::bpf_map_bytes, bytes);
    set(values, MetricId::bpf_progs, nprogs);
    set(values, MetricId::bpf_links, nlinks);
  }
  if (!opts_.system) return true;

  set(values, MetricId::sys_tasks, ts.tasks);
  set(values, MetricId::sys_zombies, ts.zombies);
  set(values, MetricId::sys_dstate, ts.dstate);
  if (ts.dying_cgroups >= 0) set(values, MetricId::sys_dying_cgroups, (double)ts.dying_cgroups);
  // No BPF view of these kernel counters (their variables are not ksyms here): from /proc.
  system_files("", [&](MetricId id, double v) { set(values, id, v); });
  if (ts.netns_ok) set(values, MetricId::sys_netns, ts.netns);  // else NaN: the walk did not close

  double nmaps = 0;
  for (const auto& m : maps_) nmaps += !has(own_maps_, m.id) && !own_bpf_map_name(m.name);
  set(values, MetricId::sys_bpf_maps, nmaps);

  double nprogs = 0, nlinks = 0;
  if (!read_records<census_prog>(prog_, "bpf_prog", err, [&](const census_prog& p) {
        nprogs += !has(own_progs_, p.id) && !own_bpf_prog_name(p.name);
      }))
    return false;
  set(values, MetricId::sys_bpf_progs, nprogs);
  if (!read_records<census_link>(link_, "bpf_link", err, [&](const census_link& l) {
        nlinks += !has(own_links_, l.id) && !has(own_progs_, l.prog_id) && !own_bpf_prog_name(l.prog_name);
      }))
    return false;
  set(values, MetricId::sys_bpf_links, nlinks);

  if (slab_bpf_) {
    auto slab = [&](const census_slab& s) {
      if (s.index < slabs_.size()) set_column(values, slab_column(s.index), (double)s.active);
    };
    if (!read_records<census_slab>(slab_, "kmem_cache", err, slab)) return false;
  } else if (slab_procfs_) {
    slabs_from_procfs(slabs_, [&](size_t i, double v) { set_column(values, slab_column(i), v); });
  }
  return true;
}

std::string fixed_string(const char* s, size_t n) { return std::string(s, strnlen(s, n)); }

bool BpfCensus::ghosts(bool system, std::vector<GhostTask>& out, std::string& err) {
  out.clear();
  if (ghost_bpf_ && !ghost_) {
    ghost_ = bpf_program__attach_iter(skel_->progs.lgc_ghost, nullptr);
    ghost_bpf_ = ghost_ != nullptr;
    if (ghost_) own_links_.push_back(fd_id(bpf_link__fd(ghost_), 2));
  }
  if (!ghost_bpf_) {
    // The procfs census of the same scope lists them, with stacks from /proc.
    if (!ghost_procfs_) ghost_procfs_ = make_procfs_census(scope_, opts_, err);
    if (!ghost_procfs_) return false;
    return ghost_procfs_->ghosts(system, out, err);
  }
  skel_->bss->ghost_system = system;
  if (!read_iter(ghost_, "ghost task", err)) return false;
  if (len_ % sizeof(census_ghost)) {
    err = "ghost iterator: malformed stream of " + std::to_string(len_) + " bytes";
    return false;
  }
  for (size_t off = 0; off < len_; off += sizeof(census_ghost)) {
    census_ghost r;
    memcpy(&r, buf_.data() + off, sizeof r);
    GhostTask g;
    g.kind = r.kind == CENSUS_GHOST_ZOMBIE        ? GhostTask::Zombie
             : r.kind == CENSUS_GHOST_VFORK_CHILD ? GhostTask::VforkChild
                                                  : GhostTask::DState;
    g.target = r.flags & CENSUS_GHOST_TARGET;
    g.tid = r.tid;
    g.pid = r.tgid;
    g.ppid = r.ppid;
    g.parent_tid = r.parent_tid;
    g.exit_code = r.exit_code;
    g.comm = fixed_string(r.comm, sizeof r.comm);
    g.process_comm = fixed_string(r.pcomm, sizeof r.pcomm);
    g.parent_comm = fixed_string(r.parent_comm, sizeof r.parent_comm);
    if (r.nframes > 0) {
      g.stack.assign(r.stack, r.stack + std::min<int>(r.nframes, CENSUS_GHOST_DEPTH));
    } else {
      // No stack from BPF (CONFIG_STACKTRACE off, or the task is running): /proc has the rest.
      pid_t whose = g.kind == GhostTask::Zombie ? g.ppid : g.pid;
      kernel_stack_from_proc(whose, g.kind == GhostTask::Zombie ? g.ppid : g.tid, g);
    }
    out.push_back(std::move(g));
  }
  return true;
}

}  // namespace

std::unique_ptr<Census> make_bpf_census(const CensusScope& scope, const CensusOptions& opts, std::string& err) {
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
    err = "no kernel BTF (/sys/kernel/btf/vmlinux): CO-RE programs cannot load";
    return nullptr;
  }
  auto c = std::make_unique<BpfCensus>(scope, opts);
  if (!c->init(err)) return nullptr;
  return c;
}

}  // namespace lg
