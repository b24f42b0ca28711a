// SPDX-License-Identifier: MIT
// cgroup: cgroup v2 groups coming and going, as containers do.
//
// Design: one worker thread (mkdir and rmdir in cgroupfs are serialised by the kernel's
// cgroup_mutex, a second thread adds nothing) keeps the live groups in creation order; since
// every group is held for the same `hold`, that is also the order they are due for removal.
// Each step it removes what is due, then creates the next group when its ticket is due and
// fewer than `concurrency` are alive. Groups are made with mkdirat/unlinkat relative to the
// parent's fd. With `procs`, each group gets that many processes started inside it by the
// run's spawner (clone3 CLONE_INTO_CGROUP: they never run anywhere else); removal kills them,
// waits until they are reaped, then removes the group.
//
// The parent directory belongs to the run: <cgroup2 mount>/leakguard-<pid>/churn by default
// (exported as LEAKGUARD_CGROUP_PARENT), or `parent` under the mount. It is created when the
// first workload needs it and removed when the last one is done; the watchdog is told first,
// so a SIGKILL of leakguard leaves nothing either.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>

#include "harness/base/clock.h"
#include "harness/base/fs.h"
#include "harness/workloads/cgroup_parent.h"
#include "harness/workloads/kernel_limits.h"
#include "harness/workloads/outcome.h"
#include "harness/workloads/pace.h"
#include "harness/workloads/spawner.h"
#include "harness/workloads/workload.h"

namespace lg {

namespace {

struct CgroupOpts : Churn {
  double hold = 0;
  uint64_t procs = 0;
  std::string parent;  // relative to the cgroup2 mount; "" : the run's
};

struct Group {
  uint64_t serial = 0;
  bool made = false;  // the directory exists
  double release_at = 0;
  uint64_t procs = 0;  // processes alive inside it
};

// Workload instances sharing a parent directory get distinct group names.
std::atomic<uint64_t> g_instance{0};

class CgroupWorkload : public Workload {
 public:
  explicit CgroupWorkload(const CgroupOpts& o) : o_(o) {}
  void run(const WorkloadContext& ctx) override;

 private:
  bool create(Group& g);
  bool release(Group& g);
  // Waits for spawner events until group `serial` has `want` processes alive.
  bool wait_procs(Group& g, uint64_t want);
  std::string name(uint64_t serial) const { return "lg-" + std::to_string(instance_) + "-" + std::to_string(serial); }

  CgroupOpts o_;
  uint64_t instance_ = 0;
  int parent_fd_ = -1;
  std::string parent_;
  Pacer* pacer_ = nullptr;
  FirstError err_;
  std::unique_ptr<SpawnChannel> ch_;
  std::deque<Group> live_;
};

bool CgroupWorkload::wait_procs(Group& g, uint64_t want) {
  while (g.procs != want) {
    SpawnEvent ev;
    int r = ch_->next(ev, 1000);
    if (r == 0) continue;  // the spawner answers; a stop must not leave a group half made
    if (r < 0) {
      err_.failed(errno, "spawner");
      return false;
    }
    Group* owner = ev.cookie == g.serial ? &g : nullptr;
    for (auto& l : live_)
      if (l.serial == ev.cookie) owner = &l;
    if (ev.step) {
      err_.failed(ev.err, spawn_step_call(ev.step));
      return false;
    }
    if (owner) owner->procs += ev.started ? 1 : -1;
  }
  return true;
}

bool CgroupWorkload::create(Group& g) {
  std::string n = name(g.serial);
  if (mkdirat(parent_fd_, n.c_str(), 0755) != 0) {
    err_.failed(errno, "mkdir(" + parent_ + "/" + n + ")");
    return false;
  }
  g.made = true;
  if (!o_.procs) return true;
  int fd = openat(parent_fd_, n.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    err_.failed(errno, "open(" + parent_ + "/" + n + ")");
    return false;
  }
  bool ok = true;
  for (uint64_t i = 0; i < o_.procs && ok; i++) ok = ch_->spawn(g.serial, fd);
  close(fd);
  if (!ok) {
    err_.failed(errno, "spawner");
    return false;  // the caller releases it (the channel is gone: so are its processes)
  }
  return wait_procs(g, o_.procs);
}

bool CgroupWorkload::release(Group& g) {
  std::string n = name(g.serial);
  bool ok = true;
  if (g.procs) {
    ok = ch_->kill(g.serial) && wait_procs(g, 0);
    if (!ok && !err_.any()) err_.failed(errno, "spawner");
  }
  // A group whose last process just exited can read busy for a moment.
  for (int i = 0; i < 200; i++) {
    if (unlinkat(parent_fd_, n.c_str(), AT_REMOVEDIR) == 0 || errno == ENOENT) return ok;
    if (errno != EBUSY) break;
    usleep(5000);
  }
  err_.failed(errno, "rmdir(" + parent_ + "/" + n + ")");
  return false;
}

void CgroupWorkload::run(const WorkloadContext& ctx) {
  Pacer pacer(o_.count, o_.rate, ctx.stop);
  pacer_ = &pacer;
  instance_ = ++g_instance;
  double last = 0;
  auto finish = [&] { finish_run(err_, events(), pacer, last, ctx, "cgroups"); };
  std::string e;
  CgroupParent parent(o_.parent, ctx.own_cgroup);
  if (!parent.acquire(e)) {
    err_.set(errno, e);
    finish();
    return;
  }
  parent_ = parent.dir();
  parent_fd_ = parent.fd();
  Spawner own;
  if (o_.procs) {
    Spawner* sp = ctx.spawner;
    if (!sp) {  // outside a run: a private spawner, forked now
      if (!own.start(e)) {
        err_.set(errno, e);
        finish();
        return;
      }
      sp = &own;
    }
    SpawnSpec spec;
    spec.pause = true;
    spec.report_start = true;
    ch_ = sp->open(spec, e);
    if (!ch_) {
      err_.set(errno, e);
      finish();
      return;
    }
  }
  bool have = false, exhausted = false, failed = false;
  double due = 0;
  uint64_t serial = 0;
  while (!failed && !pacer.stopped()) {
    if (!have && !exhausted) {
      have = pacer.take(due);
      exhausted = !have;
    }
    double now = monotonic_seconds();
    while (!live_.empty() && live_.front().release_at <= now) {
      Group g = live_.front();
      live_.pop_front();
      if (!release(g)) {
        failed = true;
        break;
      }
      events_.fetch_add(1, std::memory_order_relaxed);
    }
    if (failed) break;
    bool room = live_.size() < o_.concurrency;
    if (have && room && due <= now) {
      Group g;
      g.serial = ++serial;
      if (!create(g)) {
        if (g.made) release(g);  // its processes too; the first error stays the one reported
        failed = true;
        break;
      }
      last = monotonic_seconds();
      g.release_at = last + o_.hold;
      live_.push_back(g);
      have = false;
      continue;
    }
    if (!have && live_.empty()) break;  // count reached, everything released
    // Sleep until the next group is due for removal or the next ticket may start.
    double next = live_.empty() ? due : live_.front().release_at;
    if (have && room) next = std::min(next, due);
    if (next > now && !sleep_until(next, pacer)) break;
  }
  if (failed) pacer.abort();
  // What is still alive goes, newest first; an error here is reported if none came before.
  while (!live_.empty()) {
    Group g = live_.back();
    live_.pop_back();
    if (release(g)) events_.fetch_add(1, std::memory_order_relaxed);
  }
  ch_.reset();
  if (!parent.release(e) && !err_.any()) err_.set(errno, e);
  finish();
}

std::unique_ptr<Workload> make_cgroup(const Params& p) {
  CgroupOpts o;
  static_cast<Churn&>(o) = churn_of(p);
  o.hold = p.number("hold");
  o.procs = (uint64_t)std::max<int64_t>(0, p.count("procs"));
  o.parent = p.str("parent");
  return std::make_unique<CgroupWorkload>(o);
}

std::vector<FieldProblem> check_cgroup(const Params& p) {
  std::vector<FieldProblem> out;
  std::string why = cgroup_parent_problem(p.str("parent"));
  if (!why.empty()) out.push_back({"parent", why});
  if (p.count("procs") > 10000)
    out.push_back({"procs", "procs " + std::to_string(p.count("procs")) + " per group is more than 10000"});
  // The processes of the groups alive at once take pids: min(count, concurrency) x procs.
  auto pid_max = kernel_limit("/proc/sys/kernel/pid_max");
  int64_t pids = alive_at_once(p) * p.count("procs");
  if (pid_max && p.count("procs") <= 10000 && pids > *pid_max)
    out.push_back({"procs", "procs " + std::to_string(p.count("procs")) + " in each of " +
                                std::to_string(alive_at_once(p)) + " groups alive at once is " + std::to_string(pids) +
                                " processes, above /proc/sys/kernel/pid_max (" + std::to_string(*pid_max) + ")"});
  return out;
}

std::vector<KernelNeed> needs_cgroup(const Params&) {
  return {{"cgroup.create", " needs cgroup v2 groups (a writable cgroup2 mount)"}};
}

// The parent exists from before the target starts (an agent watching it must find it) until
// the target has stopped.
struct HeldParent : Prepared {
  explicit HeldParent(const Params& p, const WorkloadContext& ctx) : parent(p.str("parent", ""), ctx.own_cgroup) {}
  CgroupParent parent;
};

std::unique_ptr<Prepared> prepare_cgroup(const Params& p, const WorkloadContext& ctx, std::string& err) {
  auto h = std::make_unique<HeldParent>(p, ctx);
  if (!h->parent.acquire(err)) return nullptr;
  return h;
}

}  // namespace

extern const WorkloadKind cgroup_workload = {
    "cgroup",
    "cgroup v2 groups created and removed, as containers come and go; optionally with processes inside",
    "cgroup created and removed",
    churn_fields(
        {},
        {.things = "groups",
         .verb = "create",
         .per_second = "creations",
         .alive = "alive",
         .count = "1000",
         .concurrency = "16",
         .count_zero = false},
        {
            {"hold", FieldType::Duration, "0ms", "how long each group lives"},
            {"procs", FieldType::Count, "0", "processes started inside each group (they pause until it goes)", {}, 0},
            {"parent", FieldType::String, "",
             "directory of the groups, relative to the cgroup2 mount, created and removed by the run (absent: "
             "leakguard-<pid>/churn, also in $LEAKGUARD_CGROUP_PARENT)"},
        }),
    make_cgroup,
    check_cgroup,
    needs_cgroup,
    prepare_cgroup,
};

}  // namespace lg
