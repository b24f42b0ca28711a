// SPDX-License-Identifier: MIT
#include "harness/attrib/attribution.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "bpf/census.h"
#include "harness/attrib/own_code.h"
#include "harness/attrib/symbolize.h"
#include "harness/base/clock.h"
#include "harness/base/fs.h"
#include "harness/base/metrics.h"
#include "harness/base/procfs.h"
#include "harness/base/safe_file.h"
#include "harness/base/strings.h"
#include "harness/base/units.h"
#include "harness/census/columns.h"

namespace lg {
namespace {

// Timeline categories: fd kinds are 0..CENSUS_FD_KINDS-1.
constexpr int kCatHeld = 100;     // + fd kind of a BPF object the target holds
constexpr int kCatCreated = 200;  // + fd kind of a BPF object the target created, alive
constexpr int kCatNetns = 300, kCatPin = 301, kCatZombie = 302;
constexpr int kCatEntries = 400;  // key: map id; value: entries
constexpr double kTimelineStep = 1.0;

int obj_kind(const std::string& what) {  // "maps" -> CENSUS_FD_BPF_MAP
  if (what == "maps") return CENSUS_FD_BPF_MAP;
  if (what == "progs") return CENSUS_FD_BPF_PROG;
  if (what == "links") return CENSUS_FD_BPF_LINK;
  return -1;
}

int fd_kind(const std::string& metric) {  // "fd.netns" -> CENSUS_FD_NETNS; -2 for fd.total
  if (metric == "fd.total") return -2;
  for (int k = 0; k < CENSUS_FD_KINDS; k++)
    if (metric == metric_name(fd_kind_metric(k))) return k;
  return -1;
}

std::string base_name(const std::string& p) { return p.substr(p.rfind('/') + 1); }

const char* map_type_name(uint32_t t) {
  static const char* names[] = {"unspec",
                                "hash",
                                "array",
                                "prog_array",
                                "perf_event_array",
                                "percpu_hash",
                                "percpu_array",
                                "stack_trace",
                                "cgroup_array",
                                "lru_hash",
                                "lru_percpu_hash",
                                "lpm_trie",
                                "array_of_maps",
                                "hash_of_maps",
                                "devmap",
                                "sockmap",
                                "cpumap",
                                "xskmap",
                                "sockhash",
                                "cgroup_storage",
                                "reuseport_sockarray",
                                "percpu_cgroup_storage",
                                "queue",
                                "stack",
                                "sk_storage",
                                "devmap_hash",
                                "struct_ops",
                                "ringbuf",
                                "inode_storage",
                                "task_storage",
                                "bloom_filter",
                                "user_ringbuf",
                                "cgrp_storage",
                                "arena"};
  return t < sizeof names / sizeof names[0] ? names[t] : "map";
}

std::string syscall_name(uint32_t nr) {
  switch (nr) {
    case 2: return "open";
    case 22: return "pipe";
    case 32: return "dup";
    case 33: return "dup2";
    case 41: return "socket";
    case 43: return "accept";
    case 53: return "socketpair";
    case 72: return "fcntl";
    case 85: return "creat";
    case 213: return "epoll_create";
    case 253: return "inotify_init";
    case 257: return "openat";
    case 272: return "unshare";
    case 282: return "signalfd";
    case 283: return "timerfd_create";
    case 284: return "eventfd";
    case 288: return "accept4";
    case 289: return "signalfd4";
    case 290: return "eventfd2";
    case 291: return "epoll_create1";
    case 292: return "dup3";
    case 293: return "pipe2";
    case 294: return "inotify_init1";
    case 298: return "perf_event_open";
    case 300: return "fanotify_init";
    case 319: return "memfd_create";
    case 321: return "bpf";
    case 323: return "userfaultfd";
    case 425: return "io_uring_setup";
    case 434: return "pidfd_open";
    case 437: return "openat2";
    case LGA_NR_FORK: return "fork";
  }
  return "syscall " + std::to_string(nr);
}

// The syscall and one object, as a site's example: openat "/proc/4711/ns/net".
std::string example_text(const lga_origin& o) {
  std::string detail(o.detail, strnlen(o.detail, sizeof o.detail));
  std::string s = syscall_name(o.nr);
  auto quoted = [](const std::string& d) {
    std::string q = "\"";
    for (char c : d) q += (unsigned char)c < 32 || c == '"' ? '?' : c;
    return q + "\"";
  };
  if (o.nr == 41 || o.nr == 53) {
    const char* fam = o.arg0 == 1    ? "AF_UNIX"
                      : o.arg0 == 2  ? "AF_INET"
                      : o.arg0 == 10 ? "AF_INET6"
                      : o.arg0 == 16 ? "AF_NETLINK"
                      : o.arg0 == 17 ? "AF_PACKET"
                                     : nullptr;
    int type = (int)(o.arg1 & 0xf);
    const char* ty = type == 1 ? "STREAM" : type == 2 ? "DGRAM" : type == 3 ? "RAW" : type == 5 ? "SEQPACKET" : nullptr;
    s += std::string(" ") + (fam ? fam : ("family " + std::to_string(o.arg0)).c_str());
    if (ty) s += std::string(" ") + ty;
    return s;
  }
  if (o.nr == 321) {
    if (o.kind == CENSUS_FD_BPF_MAP)
      return "bpf MAP_CREATE " + std::string(map_type_name((uint32_t)o.arg1)) + " " + quoted(detail) +
             (o.arg2 ? " max_entries " + std::to_string(o.arg2) : "");
    if (o.kind == CENSUS_FD_BPF_PROG) return "bpf PROG_LOAD " + quoted(detail);
    if (o.kind == CENSUS_FD_BPF_LINK) return "bpf LINK_CREATE";
    return o.arg0 == 6 ? "bpf OBJ_PIN" : "bpf";
  }
  if (o.nr == 272) return "unshare CLONE_NEWNET";
  if (o.nr == LGA_NR_FORK) return "fork (by " + detail + ")";
  if (!detail.empty()) s += " " + quoted(detail);
  return s;
}

struct Item {  // objects of one stack
  uint64_t stack = 0;
  uint64_t count = 0;
  std::vector<std::string> details;
};

}  // namespace

const std::vector<std::string>& tracker_metrics() {
  static const std::vector<std::string> m = {"target.bpf_maps", "target.bpf_progs", "target.bpf_links", "target.netns",
                                             "target.bpf_pins"};
  return m;
}

bool attributable(const std::string& m) {
  return starts_with(m, "fd.") || m == "bpf.maps" || m == "bpf.progs" || m == "bpf.links" || m == "bpf.map_entries" ||
         starts_with(m, "target.") || m == "sys.bpf_maps" || m == "sys.bpf_progs" || m == "sys.bpf_links" ||
         m == "sys.netns" || m == "proc.zombies" || m == "sys.zombies";
}

// ---- The census wrapper ----

class AttribCensus : public Census {
 public:
  // a == nullptr: the columns are there, unavailable for `why`.
  AttribCensus(Attribution* a, std::unique_ptr<Census> inner, double t0, const std::string& why = "")
      : a_(a), inner_(std::move(inner)), t0_(t0) {
    names_ = inner_->metrics();
    unavailable_ = inner_->unavailable();
    for (const auto& m : tracker_metrics()) {
      int c = column(names_, m);
      if (c < 0) {
        names_.push_back(m);
        unavailable_.push_back("");
        c = (int)names_.size() - 1;
      }
      unavailable_[c] = a_ ? "" : why;
      if (a_ && m == "target.bpf_pins" && !a_->records())
        unavailable_[c] = "needs creation records (sampling.attribution is off or the tracker cannot record here)";
    }
  }
  Backend kind() const override { return inner_->kind(); }
  const std::vector<TargetMap>* target_maps() const override { return inner_->target_maps(); }
  bool ghosts(bool system, std::vector<GhostTask>& out, std::string& err) override {
    return inner_->ghosts(system, out, err);
  }
  bool sample(std::vector<double>& v, std::string& err) override {
    if (!inner_->sample(v, err)) return false;
    v.resize(names_.size(), kUnavailable);
    if (!a_) return true;
    Snapshot s;
    if (!a_->take(monotonic_seconds() - t0_, s, err)) return false;
    a_->fill_columns(s, v, names_);
    return true;
  }

 private:
  Attribution* a_;
  std::unique_ptr<Census> inner_;
  double t0_;
};

std::unique_ptr<Attribution> Attribution::start(const AttributionOptions& o, std::string& err) {
  std::unique_ptr<Attribution> a(new Attribution(o));
  TrackerOptions to;
  to.cgroup = o.cgroup;
  to.tree = o.tree;
  to.syscalls = o.syscalls;
  a->tracker_ = Tracker::create(to, err);
  if (!a->tracker_) return nullptr;
  if (!o.exe.empty()) a->tracker_->prefill_executable(o.exe);
  return a;
}

std::unique_ptr<Census> Attribution::wrap(std::unique_ptr<Census> inner, double t0) {
  return std::make_unique<AttribCensus>(this, std::move(inner), t0);
}

std::unique_ptr<Census> Attribution::without(std::unique_ptr<Census> inner, const std::string& why) {
  return std::make_unique<AttribCensus>(nullptr, std::move(inner), 0, why);
}

bool Attribution::take(double t, Snapshot& out, std::string& err) {
  std::lock_guard<std::mutex> l(mu_);
  if (!tracker_->snapshot(out, err)) {
    last_error_ = err;
    return false;
  }
  out.t = t;
  for (const auto& o : out.objs)
    if (o.held) seen_held_[((uint64_t)o.kind << 32) | o.id] = true;
  if (timeline_.empty() || t - timeline_.back().t >= kTimelineStep) {
    Point p;
    p.t = t;
    for (const auto& f : out.fds)
      if (f.stack) p.counts[{(int)f.kind, f.stack}]++;
    for (const auto& o : out.objs) {
      if (o.held) p.counts[{kCatHeld + (int)o.kind, o.stack}]++;
      if (o.created) p.counts[{kCatCreated + (int)o.kind, o.stack}]++;
      if (o.kind == CENSUS_FD_BPF_MAP && o.held) p.counts[{kCatEntries, o.id}] = o.entries;
    }
    for (const auto& n : out.netns)
      if (n.created) p.counts[{kCatNetns, n.stack}]++;
    for (const auto& pn : out.pins) p.counts[{kCatPin, pn.stack}]++;
    for (const auto& z : out.zombies) p.counts[{kCatZombie, z.stack}]++;
    timeline_.push_back(std::move(p));
  }
  return true;
}

void Attribution::fill_columns(const Snapshot& s, std::vector<double>& v, const std::vector<std::string>& names) {
  double n[3] = {0, 0, 0}, netns = 0;
  if (records()) {
    for (const auto& o : s.objs)
      if (o.created && o.kind >= CENSUS_FD_BPF_MAP && o.kind <= CENSUS_FD_BPF_LINK) n[o.kind - CENSUS_FD_BPF_MAP]++;
    for (const auto& x : s.netns) netns += x.created;
  } else {
    // Fallback: objects seen held by the target at some sample and alive now.
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [key, yes] : seen_held_) {
      if (!std::binary_search(s.live.begin(), s.live.end(), key)) continue;
      uint32_t kind = key >> 32;
      if (kind >= CENSUS_FD_BPF_MAP && kind <= CENSUS_FD_BPF_LINK) n[kind - CENSUS_FD_BPF_MAP]++;
    }
    netns = kUnavailable;
  }
  auto set = [&](const char* m, double x) {
    int c = column(names, m);
    if (c >= 0) v[c] = x;
  };
  set("target.bpf_maps", n[0]);
  set("target.bpf_progs", n[1]);
  set("target.bpf_links", n[2]);
  set("target.netns", s.netns_ok ? netns : kUnavailable);
  set("target.bpf_pins", records() ? (double)s.pins.size() : kUnavailable);
}

void Attribution::keep(double t, Snapshot& into, bool& have) {
  Snapshot s;
  std::string err;
  if (take(t, s, err)) {
    into = std::move(s);
    have = true;
  }
}

void Attribution::mark_end(double t) { keep(t, end_, have_end_); }

void Attribution::mark_residue(double t) { keep(t, residue_, have_residue_); }

std::string Attribution::note() const {
  std::string s = std::string("attribution ") + (records() ? "on" : "off (residue fallback: objects seen held)") +
                  ": tracker loaded in " + format_fixed(tracker_->setup_seconds(), 2) + " s";
  lga_counters c = tracker_->counters();
  uint64_t lost = c.lost_fds + c.lost_stacks + c.lost_objs;
  if (lost) s += "; " + std::to_string(lost) + " creations not recorded (tracker tables full)";
  if (c.lost_mods) s += "; " + std::to_string(c.lost_mods) + " modules without unwind rules (ring buffer full)";
  if (!last_error_.empty()) s += "; a tracker reading failed: " + last_error_;
  return s;
}

std::vector<Diagnosis> Attribution::diagnose(const std::vector<std::string>& metrics, const Series& s) {
  std::vector<Diagnosis> out;
  Symbolizer sym(opts_.debug_dirs);
  std::set<std::string> done;
  for (const auto& m : metrics) {
    if (!attributable(m) || !done.insert(m).second) continue;
    Diagnosis d = diagnose_one(m, s, sym);
    if (d.total || !d.sites.empty()) out.push_back(std::move(d));
  }
  return out;
}

Diagnosis Attribution::diagnose_one(const std::string& metric, const Series& series, Symbolizer& sym) {
  Diagnosis d;
  d.metric = metric;
  d.title = "Where they come from";
  std::vector<Item> items;
  std::map<std::string, uint64_t> unexplained;
  std::vector<int> cats;  // timeline categories of this metric
  bool per_map = false;
  std::map<uint64_t, size_t> by_stack;
  auto add = [&](uint64_t stack, uint64_t n, const std::string& detail = "") {
    auto it = by_stack.find(stack);
    if (it == by_stack.end()) {
      it = by_stack.emplace(stack, items.size()).first;
      items.push_back(Item{stack, 0, {}});
    }
    items[it->second].count += n;
    if (!detail.empty() && items[it->second].details.size() < 5) items[it->second].details.push_back(detail);
  };
  const Snapshot& end = end_;
  const Snapshot& res = residue_;
  int fk = fd_kind(metric);
  std::string tail = metric.substr(metric.find('.') + 1);
  if (fk != -1) {
    if (!have_end_) return d;
    d.noun = "fds";
    d.scope = "alive at the end";
    for (const auto& f : end.fds) {
      if (fk >= 0 && (int)f.kind != fk) continue;
      d.total++;
      if (f.stack)
        add(f.stack, 1);
      else
        unexplained[f.why == Unexplained::Stdio    ? "inherited at launch (stdio)"
                    : f.why == Unexplained::Before ? "attribution is off: creations were not recorded"
                                                   : "not created by a call the tracker sees (inherited at launch, "
                                                     "received over a socket, io_uring, an ioctl, CLONE_PIDFD) or "
                                                     "not recorded"]++;
    }
    if (fk >= 0)
      cats.push_back(fk);
    else
      for (int k = 0; k < CENSUS_FD_KINDS; k++) cats.push_back(k);
  } else if (starts_with(metric, "bpf.") && obj_kind(tail) >= 0) {
    if (!have_end_) return d;
    int k = obj_kind(tail);
    d.noun = tail;
    d.scope = "held at the end";
    for (const auto& o : end.objs) {
      if (!o.held || (int)o.kind != k) continue;
      d.total++;
      if (o.stack)
        add(o.stack, 1, o.name.empty() ? "" : "\"" + o.name + "\" id " + std::to_string(o.id));
      else
        unexplained["fd not created by a call the tracker sees, or not recorded"]++;
    }
    cats.push_back(kCatHeld + k);
  } else if (metric == "bpf.map_entries") {
    if (!have_end_) return d;
    d.noun = "entries";
    d.scope = "in the target's maps at the end";
    per_map = true;
  } else if (starts_with(metric, "target.bpf_") || (starts_with(metric, "sys.bpf_") && metric != "sys.bpf_pins")) {
    if (!have_residue_) return d;
    std::string what = metric.substr(metric.find("bpf_") + 4);
    int k = obj_kind(what);
    if (k < 0 && what != "pins") return d;
    d.noun = what;
    d.scope = "alive after the target stopped and the system settled";
    if (what == "pins") {
      for (const auto& p : res.pins) {
        d.total++;
        add(p.stack, 1, p.path);
      }
      cats.push_back(kCatPin);
    } else {
      for (const auto& o : res.objs) {
        if (!o.created || (int)o.kind != k) continue;
        d.total++;
        add(o.stack, 1, (o.name.empty() ? "" : "\"" + o.name + "\" ") + "id " + std::to_string(o.id));
      }
      cats.push_back(kCatCreated + k);
    }
  } else if (metric == "target.netns" || metric == "sys.netns") {
    if (!have_residue_) return d;
    d.noun = "namespaces";
    d.scope = "alive after the target stopped and the system settled";
    for (const auto& n : res.netns)
      if (n.created) {
        d.total++;
        add(n.stack, 1, "net:[" + std::to_string(n.inum) + "]");
      }
    cats.push_back(kCatNetns);
  } else if (metric == "proc.zombies" || metric == "sys.zombies") {
    if (!have_end_) return d;
    d.noun = "zombies";
    d.scope = "not reaped at the end";
    for (const auto& z : end.zombies) {
      d.total++;
      std::string det = "pid " + std::to_string(z.pid) + " (" + z.comm + "), parent " + std::to_string(z.ppid) + " (" +
                        z.parent_comm + ") did not reap it";
      if (z.stack)
        add(z.stack, 1, det);
      else
        unexplained["forked before tracking began, or not recorded"]++;
    }
    cats.push_back(kCatZombie);
  } else {
    return d;
  }

  // Machine-wide residue: what the target did not create is someone else's.
  if (starts_with(metric, "sys.") && metric != "sys.zombies") {
    int c = series.metric_index(metric);
    if (c >= 0 && c < (int)series.pre_launch.size() && c < (int)series.post_settle.size() &&
        available(series.pre_launch[c]) && available(series.post_settle[c])) {
      double r = series.post_settle[c] - series.pre_launch[c];
      if (r > (double)d.total) {
        unexplained["not created by the target (other processes on the machine)"] += (uint64_t)(r - d.total);
        d.total = (uint64_t)r;
      }
    }
  }

  std::map<uint32_t, SymModule> mods;
  std::set<uint32_t> own;  // leakguard's own executable: the child it forks to exec the target
  char self[4096];
  ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
  std::string self_exe = sl > 0 ? std::string(self, sl) : "";
  for (const auto& m : tracker_->modules()) {
    mods[m.id] = SymModule{m.path, m.build_id, m.fd};
    if (!self_exe.empty() && m.path == self_exe) own.insert(m.id);
  }
  // Objects made by leakguard's launcher between joining the target's cgroup and exec (the
  // target's stdio pipes) are what the target got at launch, not its own creations.
  auto launcher = [&](uint64_t stack) {
    StackInfo st;
    if (own.empty() || !stack || !tracker_->stack(stack, st)) return false;
    for (uint64_t f : st.frames)
      if (own.count((uint32_t)(f >> LGA_FRAME_OFF_BITS))) return true;
    return false;
  };
  for (auto it = items.begin(); it != items.end();) {
    if (launcher(it->stack)) {
      unexplained["inherited at launch (stdio)"] += it->count;
      it = items.erase(it);
    } else {
      ++it;
    }
  }
  // Frames of a stack, symbolised; the headline frame: the innermost of the target's own code.
  auto frames_of = [&](uint64_t stack, lga_origin* origin) {
    std::vector<Frame> fr;
    StackInfo st;
    if (!stack || !tracker_->stack(stack, st)) return fr;
    if (origin) *origin = st.origin;
    for (uint64_t f : st.frames) {
      uint32_t id = f >> LGA_FRAME_OFF_BITS;
      auto it = mods.find(id);
      if (it == mods.end()) {
        Frame x;
        x.module = "[anonymous]";
        x.offset = f & LGA_FRAME_OFF_MASK;
        fr.push_back(x);
        continue;
      }
      for (Frame x : sym.symbolize(it->second, f & LGA_FRAME_OFF_MASK)) {
        x.target_code = own_code(x, sym.is_go(it->second));
        x.file = base_name(x.file);  // as the model shows it: "nstuner.cc"
        fr.push_back(x);
      }
    }
    return fr;
  };

  struct Group {
    Site site;
    uint64_t best = 0;
    std::set<uint64_t> stacks;
  };
  std::map<std::string, Group> groups;
  if (per_map) {
    for (const auto& o : end.objs) {
      if (!o.held || o.kind != CENSUS_FD_BPF_MAP) continue;
      d.total += o.entries;
      if (!o.entries) continue;
      Site site;
      site.count = o.entries;
      lga_origin origin{};
      site.frames = frames_of(o.stack, &origin);
      const Frame* h = nullptr;
      for (const auto& f : site.frames)
        if (f.target_code && f.line > 0 && !h) h = &f;
      std::string where = h                     ? h->function + " (" + h->file + ":" + std::to_string(h->line) + ")"
                          : site.frames.empty() ? "an unknown place"
                                                : frame_text(site.frames.front());
      site.headline = "map \"" + o.name + "\" (id " + std::to_string(o.id) + ", " + map_type_name(o.type) +
                      "): " + format_number((double)o.entries) + " of " + format_number((double)o.max_entries) +
                      " entries, created at " + where;
      site.example = "bpf MAP_CREATE " + std::string(map_type_name(o.type)) + " \"" + o.name + "\" max_entries " +
                     std::to_string(o.max_entries);
      (void)origin;
      for (const auto& p : timeline_) {
        auto it = p.counts.find({kCatEntries, o.id});
        if (it == p.counts.end()) continue;
        site.t.push_back(p.t);
        site.counts.push_back((double)it->second);
      }
      groups["map " + std::to_string(o.id)] = Group{site, o.entries, {o.stack}};
    }
  } else {
    for (const auto& it : items) {
      lga_origin origin{};
      std::vector<Frame> fr = frames_of(it.stack, &origin);
      const Frame* h = nullptr;
      for (const auto& f : fr)
        if (f.target_code && f.line > 0) {
          h = &f;
          break;
        }
      if (!h)
        for (const auto& f : fr)
          if (f.target_code) {
            h = &f;
            break;
          }
      std::string key = h            ? (h->line ? h->file + ":" + std::to_string(h->line) : frame_text(*h))
                        : fr.empty() ? "?"
                                     : frame_text(fr.front());
      Group& g = groups[key];
      g.site.count += it.count;
      g.stacks.insert(it.stack);
      for (const auto& det : it.details)
        if (g.site.details.size() < 5) g.site.details.push_back(det);
      if (it.count > g.best) {
        g.best = it.count;
        g.site.frames = fr;
        g.site.example = example_text(origin);
        std::string where =
            h ? (h->line ? h->function + " (" + h->file + ":" + std::to_string(h->line) + ")" : frame_text(*h))
            : fr.empty() ? "an unknown place"
                         : frame_text(fr.front());
        g.site.headline = (metric == "proc.zombies" || metric == "sys.zombies" ? "forked at " : "created at ") + where;
      }
    }
    for (auto& [key, g] : groups) {
      if (g.stacks.size() > 1) g.site.details.push_back(std::to_string(g.stacks.size()) + " distinct stacks");
      for (const auto& p : timeline_) {
        double n = 0;
        for (int c : cats)
          for (uint64_t st : g.stacks) {
            auto it = p.counts.find({c, st});
            if (it != p.counts.end()) n += (double)it->second;
          }
        g.site.t.push_back(p.t);
        g.site.counts.push_back(n);
      }
    }
  }
  for (auto& [key, g] : groups) d.sites.push_back(std::move(g.site));
  std::sort(d.sites.begin(), d.sites.end(), [](const Site& a, const Site& b) { return a.count > b.count; });
  for (const auto& [reason, n] : unexplained) d.unexplained.push_back({reason, n});
  std::set<std::string> used;
  for (const auto& site : d.sites)
    for (const auto& f : site.frames) used.insert(f.module);
  for (const auto& [path, id] : sym.missing_debug_info())
    if (used.count(path))
      d.notes.push_back("no debug info for " + path + (id.empty() ? "" : " (build-id " + id + ")") +
                        ": install its -dbgsym package or build with -g");
  if (!records()) d.notes.push_back("attribution is off: creations were not recorded (sampling.attribution)");
  lga_counters c = tracker_->counters();
  if (c.lost_fds + c.lost_stacks + c.lost_objs)
    d.notes.push_back(std::to_string(c.lost_fds + c.lost_stacks + c.lost_objs) +
                      " creations were not recorded: the tracker's tables were full");
  return d;
}

// ---- attribution.json ----

std::string attribution_json(const std::vector<Diagnosis>& ds, const std::string& note) {
  nlohmann::ordered_json j;
  j["format"] = "leakguard-attribution";
  j["format_version"] = 1;
  j["note"] = note;
  nlohmann::ordered_json arr = nlohmann::ordered_json::array();
  for (const auto& d : ds) {
    nlohmann::ordered_json jd;
    jd["metric"] = d.metric;
    jd["title"] = d.title;
    jd["noun"] = d.noun;
    jd["scope"] = d.scope;
    jd["total"] = d.total;
    nlohmann::ordered_json sites = nlohmann::ordered_json::array();
    for (const auto& s : d.sites) {
      nlohmann::ordered_json js;
      js["count"] = s.count;
      js["headline"] = s.headline;
      js["example"] = s.example;
      js["details"] = s.details;
      nlohmann::ordered_json frames = nlohmann::ordered_json::array();
      for (const auto& f : s.frames) {
        char off[32];
        snprintf(off, sizeof off, "0x%llx", (unsigned long long)f.offset);
        frames.push_back({{"function", f.function},
                          {"file", f.file},
                          {"line", f.line},
                          {"module", f.module},
                          {"build_id", f.build_id},
                          {"offset", off},
                          {"target_code", f.target_code}});
      }
      js["frames"] = frames;
      js["t"] = s.t;
      js["counts"] = s.counts;
      sites.push_back(js);
    }
    jd["sites"] = sites;
    nlohmann::ordered_json un = nlohmann::ordered_json::array();
    for (const auto& [reason, n] : d.unexplained) un.push_back({{"reason", reason}, {"count", n}});
    jd["unexplained"] = un;
    jd["notes"] = d.notes;
    arr.push_back(jd);
  }
  j["diagnoses"] = arr;
  return j.dump(1) + "\n";
}

bool read_attribution_json(const std::string& path, std::vector<Diagnosis>& out, std::string& err) {
  out.clear();
  // A run directory may be hostile: no FIFO, device or link to a huge file is read.
  std::string text, rerr;
  if (!read_regular_file(path, 256u << 20, text, rerr)) {
    err = path + ": " + rerr;
    return false;
  }
  if (text.empty()) {
    err = path + ": empty";
    return false;
  }
  try {
    auto j = nlohmann::json::parse(text);
    if (j.value("format", "") != "leakguard-attribution" || j.value("format_version", 0) != 1) {
      err = path + ": not a leakguard attribution file of format version 1";
      return false;
    }
    for (const auto& jd : j.at("diagnoses")) {
      Diagnosis d;
      d.metric = jd.at("metric").get<std::string>();
      d.title = jd.value("title", "");
      d.noun = jd.value("noun", "");
      d.scope = jd.value("scope", "");
      d.total = jd.value("total", (uint64_t)0);
      for (const auto& js : jd.at("sites")) {
        Site s;
        s.count = js.value("count", (uint64_t)0);
        s.headline = js.value("headline", "");
        s.example = js.value("example", "");
        s.details = js.value("details", std::vector<std::string>{});
        for (const auto& jf : js.at("frames")) {
          Frame f;
          f.function = jf.value("function", "");
          f.file = jf.value("file", "");
          f.line = jf.value("line", 0);
          f.module = jf.value("module", "");
          f.build_id = jf.value("build_id", "");
          f.offset = strtoull(jf.value("offset", "0").c_str(), nullptr, 16);
          f.target_code = jf.value("target_code", false);
          s.frames.push_back(f);
        }
        s.t = js.value("t", std::vector<double>{});
        s.counts = js.value("counts", std::vector<double>{});
        d.sites.push_back(std::move(s));
      }
      for (const auto& ju : jd.at("unexplained"))
        d.unexplained.push_back({ju.value("reason", ""), ju.value("count", (uint64_t)0)});
      d.notes = jd.value("notes", std::vector<std::string>{});
      out.push_back(std::move(d));
    }
  } catch (const std::exception& e) {
    err = path + ": " + e.what();
    return false;
  }
  return true;
}

void merge_diagnosis(std::vector<Diagnosis>& into, Diagnosis d) {
  for (auto& x : into)
    if (x.metric == d.metric) {
      for (auto& s : d.sites) x.sites.push_back(std::move(s));
      std::sort(x.sites.begin(), x.sites.end(), [](const Site& a, const Site& b) { return a.count > b.count; });
      for (auto& u : d.unexplained) x.unexplained.push_back(std::move(u));
      for (auto& n : d.notes) x.notes.push_back(std::move(n));
      x.total = std::max(x.total, d.total);
      return;
    }
  into.push_back(std::move(d));
}

}  // namespace lg

namespace lg {

void attach_diagnoses(RunResult& r, const std::vector<Diagnosis>& ds) {
  std::set<std::string> failed;
  for (const auto& v : r.verdicts)
    if (v.outcome == Outcome::Fail) failed.insert(v.check.metric);
  for (const auto& d : ds)
    if (failed.count(d.metric)) merge_diagnosis(r.diagnoses, d);
}

}  // namespace lg
