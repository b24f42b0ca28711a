// SPDX-License-Identifier: MIT
#include "harness/attrib/tracker.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>
#include <unordered_map>

#include "attrib.skel.h"
#include "bpf/census.h"
#include "harness/attrib/cfi.h"
#include "harness/base/fs.h"
#include "harness/base/libbpf_log.h"
#include "harness/base/cgroup.h"
#include "harness/base/clock.h"
#include "harness/base/procfs.h"
#include "harness/base/strings.h"
#include "harness/census/backends.h"

namespace lg {
namespace {

uint64_t ktime_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);  // bpf_ktime_get_ns is CLOCK_MONOTONIC
  return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

// Every (key, value) of a BPF hash map, in batches (one syscall per batch, not per entry).
template <class K, class V>
void read_hash(int fd, std::vector<std::pair<K, V>>& out) {
  out.clear();
  constexpr uint32_t kBatch = 1024;
  std::vector<K> keys(kBatch);
  std::vector<V> vals(kBatch);
  uint64_t in = 0, outb = 0;
  bool first = true;
  for (;;) {
    uint32_t n = kBatch;
    int r = bpf_map_lookup_batch(fd, first ? nullptr : &in, &outb, keys.data(), vals.data(), &n, nullptr);
    int e = r ? errno : 0;
    for (uint32_t i = 0; i < n; i++) out.emplace_back(keys[i], vals[i]);
    if (r && e == ENOENT) break;
    if (r && e != ENOENT) {
      // Kernels without batch ops: one by one.
      if (!first || n) break;
      out.clear();
      K k{}, next{};
      bool have = false;
      while (bpf_map_get_next_key(fd, have ? &k : nullptr, &next) == 0) {
        V v;
        if (bpf_map_lookup_elem(fd, &next, &v) == 0) out.emplace_back(next, v);
        k = next;
        have = true;
      }
      break;
    }
    in = outb;
    first = false;
  }
}

std::string cstr(const char* s, size_t n) { return std::string(s, strnlen(s, n)); }

// "/usr/lib/x/libc.so.6" for the mapping that starts at `start` in /proc/PID/maps.
std::string maps_path(pid_t pid, uint64_t start) {
  std::string text = read_file("/proc/" + std::to_string(pid) + "/maps");
  char want[32];
  snprintf(want, sizeof want, "%lx-", (unsigned long)start);
  for (const auto& line : split(text, '\n')) {
    if (!starts_with(line, want)) continue;
    // start-end perms offset dev inode path
    size_t pos = 0;
    for (int field = 0; field < 5 && pos != std::string::npos; field++) {
      pos = line.find(' ', pos);
      if (pos != std::string::npos) pos = line.find_first_not_of(' ', pos);
    }
    return pos == std::string::npos ? "" : line.substr(pos);
  }
  return "";
}

}  // namespace

std::unique_ptr<Tracker> Tracker::create(const TrackerOptions& o, std::string& err) {
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
    err = "no kernel BTF (/sys/kernel/btf/vmlinux)";
    return nullptr;
  }
#if !defined(__x86_64__)
  err = "attribution unwinds x86-64 stacks only";
  return nullptr;
#endif
  std::unique_ptr<Tracker> t(new Tracker(o));
  double t0 = monotonic_seconds();
  if (!t->load(err)) return nullptr;
  t->setup_seconds_ = monotonic_seconds() - t0;
  return t;
}

bool Tracker::load(std::string& err) {
  LibbpfLog log;
  skel_ = attrib_bpf__open();
  if (!skel_) {
    err = libbpf_reason("cannot open the attribution BPF object", errno);
    return false;
  }
  auto* ro = skel_->rodata;
  ro->track_syscalls = opts_.syscalls;
  if (opts_.tree) {
    ro->target_mode = LGA_TARGET_TREE;
  } else {
    uint64_t id;
    uint32_t level;
    if (!cgroup_info(opts_.cgroup, id, level, err)) return false;
    ro->target_mode = LGA_TARGET_CGROUP;
    ro->target_cgid = id;
    ro->target_level = level;
  }
  bpf_program__set_autoload(skel_->progs.lga_sys_exit, opts_.syscalls);
  // The fork hook also keeps the process tree: needed without syscalls in tree mode.
  bpf_program__set_autoload(skel_->progs.lga_fork, opts_.syscalls || opts_.tree);
  if (int e = attrib_bpf__load(skel_)) {
    err = libbpf_reason("cannot load the attribution BPF programs", e);
    return false;
  }
  rb_ = ring_buffer__new(bpf_map__fd(skel_->maps.lga_requests), on_request, this, nullptr);
  if (!rb_) {
    err = std::string("attribution ring buffer: ") + strerror(errno);
    return false;
  }
  // Rules of the modules we share with the target, before anything runs.
  if (opts_.syscalls) scan_own_vmas();
  auto attach_iter = [&](bpf_program* p, bpf_link*& l, const char* what) {
    l = bpf_program__attach_iter(p, nullptr);
    if (!l) err = libbpf_reason(std::string("cannot attach ") + what, errno);
    return l != nullptr;
  };
  if (!attach_iter(skel_->progs.lga_files, files_, "iter/task_file") ||
      !attach_iter(skel_->progs.lga_tasks, tasks_, "iter/task") ||
      !attach_iter(skel_->progs.lga_maps, maps_, "iter/bpf_map") ||
      !attach_iter(skel_->progs.lga_progs, progs_, "iter/bpf_prog") ||
      !attach_iter(skel_->progs.lga_links, links_, "iter/bpf_link"))
    return false;
  if (opts_.syscalls && !(exit_ = bpf_program__attach(skel_->progs.lga_sys_exit))) {
    err = libbpf_reason("cannot attach tp_btf/sys_exit", errno);
    return false;
  }
  if ((opts_.syscalls || opts_.tree) && !(fork_ = bpf_program__attach(skel_->progs.lga_fork))) {
    err = libbpf_reason("cannot attach tp_btf/sched_process_fork", errno);
    return false;
  }
  consumer_ = std::thread([this] { consume(); });
  return true;
}

Tracker::~Tracker() {
  stop_ = true;
  if (consumer_.joinable()) consumer_.join();
  for (bpf_link* l : {exit_, fork_, files_, tasks_, maps_, progs_, links_})
    if (l) bpf_link__destroy(l);
  if (rb_) ring_buffer__free(rb_);
  if (skel_) attrib_bpf__destroy(skel_);
  for (auto& [id, m] : modules_)
    if (m.fd >= 0) close(m.fd);
}

void Tracker::consume() {
  while (!stop_) ring_buffer__poll(rb_, 100);
}

int Tracker::on_request(void* ctx, void* data, size_t size) {
  if (size < sizeof(lga_mod_request)) return 0;
  lga_mod_request r;
  memcpy(&r, data, sizeof r);
  static_cast<Tracker*>(ctx)->fill_module(r, false);
  return 0;
}

// Builds the rows of one module and publishes them. The module is the target's: opened
// through /proc/PID/map_files (the very file mapped, whatever its path says), parsed by libdw.
void Tracker::fill_module(const lga_mod_request& r, bool ours) {
  ModuleInfo m;
  m.id = r.id;
  m.dev = r.dev;
  m.ino = r.ino;
  m.path = maps_path(r.pid, r.start);
  char mf[96];
  snprintf(mf, sizeof mf, "/proc/%d/map_files/%lx-%lx", r.pid, (unsigned long)r.start, (unsigned long)r.end);
  m.fd = open(mf, O_RDONLY | O_CLOEXEC);
  if (m.fd < 0 && ours && !m.path.empty()) m.fd = open(m.path.c_str(), O_RDONLY | O_CLOEXEC);
  lga_mod mod{};
  mod.id = r.id;
  mod.state = LGA_MOD_NONE;
  CfiTable t;
  std::string err;
  if (m.fd < 0) {
    m.note = std::string("cannot open ") + mf + ": " + strerror(errno);
  } else {
    m.build_id = elf_build_id(m.fd);
    if (!build_cfi_table(m.fd, t, err)) m.note = err;
  }
  m.cfi = t.source;
  if (!t.rows.empty()) {
    std::lock_guard<std::mutex> l(mu_);
    if (rows_used_ + t.rows.size() > LGA_ROWS) {
      m.note = "unwind table full (" + std::to_string(LGA_ROWS) + " rows)";
    } else {
      mod.first = rows_used_;
      mod.count = t.rows.size();
      rows_used_ += t.rows.size();
    }
  }
  if (mod.count) {
    int fd = bpf_map__fd(skel_->maps.lga_rows);
    std::vector<uint32_t> keys(mod.count);
    for (uint32_t i = 0; i < mod.count; i++) keys[i] = mod.first + i;
    uint32_t done = 0;
    while (done < mod.count) {
      uint32_t n = mod.count - done;
      if (bpf_map_update_batch(fd, keys.data() + done, t.rows.data() + done, &n, nullptr) != 0 && n == 0) {
        for (uint32_t i = done; i < mod.count; i++) bpf_map_update_elem(fd, &keys[i], &t.rows[i], BPF_ANY);
        break;
      }
      done += n;
    }
    mod.state = LGA_MOD_READY;
    m.rows = mod.count;
  }
  lga_mod_key k{r.dev, r.ino};
  bpf_map_update_elem(bpf_map__fd(skel_->maps.lga_mods), &k, &mod, BPF_ANY);
  std::lock_guard<std::mutex> l(mu_);
  modules_[m.id] = std::move(m);
}

// Our own executable mappings, through the same iterator view the BPF side has (the kernel's
// dev/inode of each file, right on overlay filesystems too).
void Tracker::scan_own_vmas() {
  union bpf_iter_link_info li;
  memset(&li, 0, sizeof li);
  li.task.pid = getpid();
  LIBBPF_OPTS(bpf_iter_attach_opts, o, .link_info = &li, .link_info_len = sizeof li);
  bpf_link* l = bpf_program__attach_iter(skel_->progs.lga_vmas, &o);
  if (!l) return;
  std::vector<char> buf;
  std::string err;
  bool ok = read_iter(l, buf, err);
  bpf_link__destroy(l);
  if (!ok) return;
  int mods = bpf_map__fd(skel_->maps.lga_mods);
  std::set<std::pair<uint64_t, uint64_t>> done;
  for (size_t off = 0; off + sizeof(lga_mod_request) <= buf.size(); off += sizeof(lga_mod_request)) {
    lga_mod_request r;
    memcpy(&r, buf.data() + off, sizeof r);
    if (!done.insert({r.dev, r.ino}).second) continue;
    lga_mod_key k{r.dev, r.ino};
    lga_mod existing;
    if (bpf_map_lookup_elem(mods, &k, &existing) == 0) continue;
    r.id = __atomic_add_fetch(&skel_->bss->next_mod_id, 1, __ATOMIC_SEQ_CST);
    lga_mod pending{};
    pending.id = r.id;
    pending.state = LGA_MOD_PENDING;
    if (bpf_map_update_elem(mods, &k, &pending, BPF_NOEXIST) != 0) continue;
    fill_module(r, true);
  }
}

void Tracker::prefill_executable(const std::string& path) {
  if (!opts_.syscalls) return;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
    close(fd);
    return;
  }
  // Mapped executable for a moment, so the iterator shows its kernel identity.
  void* p = mmap(nullptr, st.st_size, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED) return;
  scan_own_vmas();
  munmap(p, st.st_size);
}

void Tracker::add_root(pid_t pid) {
  uint32_t k = pid;
  uint8_t one = 1;
  bpf_map_update_elem(bpf_map__fd(skel_->maps.lga_tracked), &k, &one, BPF_ANY);
}

bool Tracker::read_iter(bpf_link* l, std::vector<char>& buf, std::string& err) {
  buf.clear();
  int fd = bpf_iter_create(bpf_link__fd(l));
  if (fd < 0) {
    err = std::string("bpf_iter_create: ") + strerror(errno);
    return false;
  }
  size_t len = 0;
  for (;;) {
    if (buf.size() - len < 16384) buf.resize(std::max<size_t>(buf.size() * 2, len + 65536));
    ssize_t n = read(fd, buf.data() + len, buf.size() - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = std::string("reading an attribution iterator: ") + strerror(errno);
      close(fd);
      return false;
    }
    if (n == 0) break;
    len += n;
  }
  close(fd);
  buf.resize(len);
  return true;
}

bool Tracker::snapshot(Snapshot& out, std::string& err) {
  out = Snapshot{};
  // Modules asked for are symbolised from their ModuleInfo: let the consumer catch up first.
  for (int i = 0; i < 100; i++) {
    uint32_t asked = __atomic_load_n(&skel_->bss->next_mod_id, __ATOMIC_SEQ_CST);
    {
      std::lock_guard<std::mutex> l(mu_);
      if (modules_.size() + skel_->bss->counters.lost_mods >= asked) break;
    }
    usleep(10000);
  }
  skel_->bss->gen = ++gen_;
  uint64_t t_start = ktime_ns();
  std::vector<char> buf;

  // What the target holds.
  if (!read_iter(files_, buf, err)) return false;
  std::vector<lga_file_rec> files(buf.size() / sizeof(lga_file_rec));
  if (!files.empty()) memcpy(files.data(), buf.data(), files.size() * sizeof(lga_file_rec));

  // Zombies, and the net list walk that marks live namespaces.
  if (!read_iter(tasks_, buf, err)) return false;
  size_t nz = buf.size() >= sizeof(lga_task_end) ? (buf.size() - sizeof(lga_task_end)) / sizeof(lga_zombie_rec) : 0;
  std::vector<lga_zombie_rec> zombies(nz);
  if (nz) memcpy(zombies.data(), buf.data(), nz * sizeof(lga_zombie_rec));
  lga_task_end end{};
  if (buf.size() >= sizeof end) memcpy(&end, buf.data() + buf.size() - sizeof end, sizeof end);
  out.netns_ok = end.magic == LGA_TASK_END_MAGIC && end.netns_ok;

  // Every BPF object alive (marks the target's own in lga_objs).
  std::unordered_map<uint64_t, lga_live_obj> live;
  for (bpf_link* l : {maps_, progs_, links_}) {
    if (!read_iter(l, buf, err)) return false;
    for (size_t off = 0; off + sizeof(lga_live_obj) <= buf.size(); off += sizeof(lga_live_obj)) {
      lga_live_obj o;
      memcpy(&o, buf.data() + off, sizeof o);
      live[((uint64_t)o.kind << 32) | o.id] = o;
    }
  }

  for (const auto& [k, o] : live) out.live.push_back(k);
  std::sort(out.live.begin(), out.live.end());

  // The records.
  std::vector<std::pair<lga_fd_key, lga_fd>> fdrecs;
  std::vector<std::pair<lga_obj_key, lga_obj>> objrecs;
  std::vector<std::pair<uint64_t, lga_netns>> nsrecs;
  std::vector<std::pair<uint64_t, lga_pin>> pinrecs;
  std::vector<std::pair<uint32_t, lga_kid>> kidrecs;
  if (opts_.syscalls) {
    read_hash(bpf_map__fd(skel_->maps.lga_fds), fdrecs);
    read_hash(bpf_map__fd(skel_->maps.lga_objs), objrecs);
    read_hash(bpf_map__fd(skel_->maps.lga_netns_map), nsrecs);
    read_hash(bpf_map__fd(skel_->maps.lga_pins), pinrecs);
    read_hash(bpf_map__fd(skel_->maps.lga_kids), kidrecs);
  }

  // fds: the record of (tgid, fd) when it names the same file; else a record of the same file
  // in another process (inherited across fork); else unexplained.
  std::unordered_map<uint64_t, const lga_fd*> by_key;
  std::unordered_map<uint64_t, const lga_fd*> by_file;
  for (const auto& [k, v] : fdrecs) {
    by_key[((uint64_t)k.tgid << 32) | (uint32_t)k.fd] = &v;
    by_file.emplace(v.file, &v);
  }
  std::set<uint64_t> matched;
  for (const auto& f : files) {
    FdObs o;
    o.tgid = f.tgid;
    o.fd = f.fd;
    o.kind = f.kind;
    o.id = f.id;
    o.cookie = f.cookie;
    uint64_t key = ((uint64_t)f.tgid << 32) | (uint32_t)f.fd;
    auto it = by_key.find(key);
    if (it != by_key.end() && it->second->file == f.file) {
      o.stack = it->second->stack;
      matched.insert(key);
    } else if (auto jt = by_file.find(f.file); jt != by_file.end()) {
      o.stack = jt->second->stack;
      o.inherited = true;
    } else if (!opts_.syscalls) {
      o.why = Unexplained::Before;
    } else {
      o.why = f.fd <= 2 ? Unexplained::Stdio : Unexplained::NotSeen;
    }
    out.fds.push_back(o);
  }
  // Records that name no open fd and are older than this reading are stale (closed by exec,
  // exit or close_range, which the tracker does not see): dropped, so the table stays small.
  if (opts_.syscalls) {
    int fdm = bpf_map__fd(skel_->maps.lga_fds);
    std::set<uint64_t> open_files;
    for (const auto& f : files) open_files.insert(f.file);
    for (const auto& [k, v] : fdrecs) {
      uint64_t key = ((uint64_t)k.tgid << 32) | (uint32_t)k.fd;
      if (v.ts < t_start && !matched.count(key)) {
        // Keep a record whose file another process still holds (its fds point back to it).
        if (!open_files.count(v.file)) bpf_map_delete_elem(fdm, &k);
      }
    }
  }

  // BPF objects: created by the target (record, still alive) or held by it now.
  std::unordered_map<uint64_t, ObjObs> objs;
  for (const auto& [k, v] : objrecs) {
    uint64_t key = ((uint64_t)k.kind << 32) | k.id;
    auto it = live.find(key);
    if (it == live.end() || v.seen != gen_) {
      if (v.ts < t_start) bpf_map_delete_elem(bpf_map__fd(skel_->maps.lga_objs), &k);  // freed
      continue;
    }
    ObjObs o;
    o.kind = k.kind;
    o.id = k.id;
    o.type = it->second.type;
    o.max_entries = it->second.max_entries;
    o.entries = it->second.entries;
    o.name = cstr(it->second.name, sizeof it->second.name);
    o.stack = v.stack;
    o.created = true;
    o.tgid = v.tgid;
    objs[key] = o;
  }
  for (const auto& f : out.fds) {
    if (f.kind != CENSUS_FD_BPF_MAP && f.kind != CENSUS_FD_BPF_PROG && f.kind != CENSUS_FD_BPF_LINK) continue;
    uint64_t key = ((uint64_t)f.kind << 32) | f.id;
    auto it = objs.find(key);
    if (it != objs.end()) {
      it->second.held = true;
      continue;
    }
    auto lt = live.find(key);
    ObjObs o;
    o.kind = f.kind;
    o.id = f.id;
    if (lt != live.end()) {
      o.type = lt->second.type;
      o.max_entries = lt->second.max_entries;
      o.entries = lt->second.entries;
      o.name = cstr(lt->second.name, sizeof lt->second.name);
    }
    o.stack = f.stack;  // the fd's origin (OBJ_GET, GET_FD_BY_ID, ...)
    o.held = true;
    o.tgid = f.tgid;
    objs[key] = o;
  }
  for (auto& [k, o] : objs) out.objs.push_back(o);
  std::sort(out.objs.begin(), out.objs.end(),
            [](const ObjObs& a, const ObjObs& b) { return a.kind != b.kind ? a.kind < b.kind : a.id < b.id; });

  // Network namespaces: created (record, found in the net list) or held by an fd.
  std::map<uint64_t, NetnsObs> ns;
  for (const auto& [cookie, v] : nsrecs) {
    if (!out.netns_ok || v.seen != gen_) {
      if (out.netns_ok && v.ts < t_start) bpf_map_delete_elem(bpf_map__fd(skel_->maps.lga_netns_map), &cookie);
      continue;
    }
    ns[cookie] = NetnsObs{cookie, v.inum, v.stack, v.tgid, true};
  }
  for (const auto& f : out.fds)
    if (f.kind == CENSUS_FD_NETNS && f.cookie && !ns.count(f.cookie))
      ns[f.cookie] = NetnsObs{f.cookie, 0, f.stack, f.tgid, false};
  for (auto& [c, n] : ns) out.netns.push_back(n);

  // Pins that still exist, on a bpf filesystem (paths are the target's: only stat'ed).
  for (const auto& [seq, v] : pinrecs) {
    std::string path = cstr(v.path, sizeof v.path);
    struct statfs sf;
    struct stat st;
    if (path.empty() || path[0] != '/' || lstat(path.c_str(), &st) != 0 || statfs(path.c_str(), &sf) != 0 ||
        sf.f_type != 0xcafe4a11 /* BPF_FS_MAGIC */)
      continue;
    out.pins.push_back(PinObs{path, v.kind, v.id, v.stack, v.tgid});
  }

  // Zombies: where each was forked (the record of its pid, if it is the same process).
  std::unordered_map<uint32_t, const lga_kid*> kids;
  for (const auto& [pid, v] : kidrecs) kids[pid] = &v;
  for (const auto& z : zombies) {
    ZombieObs o;
    o.pid = z.pid;
    o.ppid = z.ppid;
    o.comm = cstr(z.comm, sizeof z.comm);
    o.parent_comm = cstr(z.parent_comm, sizeof z.parent_comm);
    auto it = kids.find(z.pid);
    if (it != kids.end() && it->second->start_time == z.start_time) o.stack = it->second->stack;
    out.zombies.push_back(o);
  }
  // Children records of processes that are gone (reaped) are dropped when the table fills up.
  if (kidrecs.size() > 8192) {
    for (const auto& [pid, v] : kidrecs)
      if (v.ts < t_start && !process_exists(pid)) bpf_map_delete_elem(bpf_map__fd(skel_->maps.lga_kids), &pid);
  }
  return true;
}

bool Tracker::stack(uint64_t hash, StackInfo& out) const {
  lga_stack s;
  if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.lga_stacks), &hash, &s) != 0) return false;
  out.frames.assign(s.frames, s.frames + std::min<uint32_t>(s.n, LGA_MAX_FRAMES));
  out.origin = s.origin;
  return true;
}

std::vector<ModuleInfo> Tracker::modules() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<ModuleInfo> v;
  for (const auto& [id, m] : modules_) v.push_back(m);
  return v;
}

lga_counters Tracker::counters() const { return skel_->bss->counters; }

}  // namespace lg
