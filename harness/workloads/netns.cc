// SPDX-License-Identifier: MIT
// netns: create network namespaces, hold each for `hold`, release.
//
// Design: a few worker threads (one per CPU at most: creation is CPU-bound) each loop
// unshare(CLONE_NEWNET) -> open /proc/thread-self/ns/net (the fd holds the namespace) ->
// options. The thread itself also holds the namespace it is in; the next unshare drops that
// reference, so back to back creations need no setns. Before any wait (pacing, hold, the end)
// the worker setns'es back to the original namespace, so a namespace never outlives its
// release by more than the next creation. Concurrency is split between the workers so the
// live count never exceeds it.
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cerrno>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "harness/base/clock.h"
#include "harness/base/fs.h"
#include "harness/base/units.h"
#include "harness/workloads/kernel_limits.h"
#include "harness/workloads/netlink.h"
#include "harness/workloads/outcome.h"
#include "harness/workloads/pace.h"
#include "harness/workloads/workload.h"

namespace lg {

namespace {

struct NetnsOpts : Churn {
  double hold = 0;
  bool bind_mount = false, process = false, loopback_up = false, veth = false;
  double max_live = -1;  // < 0: not asked
};

// One namespace and what was attached to it; release() undoes what is set.
struct Held {
  int fd = -1;
  double release_at = 0;
  pid_t child = 0;
  std::string file;      // bind mount point created under netns_dir ("" none)
  bool mounted = false;  // the namespace is bind-mounted on `file`
  std::string veth;      // host-side link name ("" none)
};

// Names unique within the process; the pid makes them unique across processes.
std::atomic<uint64_t> g_serial{0};

bool dir_empty(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (!d) return false;
  bool empty = true;
  while (dirent* e = readdir(d)) {
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
      empty = false;
      break;
    }
  }
  closedir(d);
  return empty;
}

class NetnsWorkload : public Workload {
 public:
  explicit NetnsWorkload(const NetnsOpts& o) : o_(o) {}
  void run(const WorkloadContext& ctx) override;

 private:
  void worker(unsigned limit);
  int create(Held& h, Rtnl& rtnl, std::string& call);
  void release(Held& h, Rtnl& rtnl);
  bool prepare_dir(std::string& err);
  void cleanup_dir();

  NetnsOpts o_;
  const WorkloadContext* ctx_ = nullptr;
  Pacer* pacer_ = nullptr;
  FirstError err_;
  int orig_fd_ = -1;
  pid_t pid_ = 0;
  std::string dir_;
  bool created_dir_ = false, self_bound_ = false;
  std::atomic<uint64_t> created_{0};
  std::mutex mu_;
  double last_create_ = 0;  // under mu_
};

bool NetnsWorkload::prepare_dir(std::string& err) {
  struct stat st;
  created_dir_ = stat(dir_.c_str(), &st) != 0;
  if (!make_dirs(dir_, err)) return false;
  // As `ip netns add`: the directory is a shared mount so the namespaces mounted in it show
  // in every peer mount namespace; when it is not a mount point yet, bind it onto itself.
  if (mount("", dir_.c_str(), "none", MS_SHARED | MS_REC, nullptr) != 0) {
    if (errno != EINVAL) {
      err = "mount --make-rshared " + dir_ + ": " + strerror(errno);
      return false;
    }
    if (mount(dir_.c_str(), dir_.c_str(), "none", MS_BIND | MS_REC, nullptr) != 0) {
      err = "mount --bind " + dir_ + " " + dir_ + ": " + strerror(errno);
      return false;
    }
    self_bound_ = true;
    if (mount("", dir_.c_str(), "none", MS_SHARED | MS_REC, nullptr) != 0) {
      err = "mount --make-rshared " + dir_ + ": " + strerror(errno);
      return false;
    }
  }
  return true;
}

// Undoes prepare_dir() unless someone else put something in the directory meanwhile.
void NetnsWorkload::cleanup_dir() {
  if (!dir_empty(dir_)) return;
  if (self_bound_ && umount2(dir_.c_str(), MNT_DETACH) != 0)
    outcome_.warnings.push_back("umount " + dir_ + ": " + strerror(errno));
  if (created_dir_) rmdir(dir_.c_str());
}

int NetnsWorkload::create(Held& h, Rtnl& rtnl, std::string& call) {
  if (unshare(CLONE_NEWNET) != 0) {
    call = "unshare(CLONE_NEWNET)";
    return errno;
  }
  int e = 0;
  h.fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (h.fd < 0) {
    e = errno;
    call = "open(/proc/thread-self/ns/net)";
  }
  if (!e && o_.loopback_up && (e = loopback_up()) != 0) call = "ioctl(SIOCSIFFLAGS, lo up)";
  if (!e && o_.bind_mount) {
    char name[64];
    snprintf(name, sizeof name, "lg-%d-%llu", (int)pid_, (unsigned long long)g_serial++);
    std::string path = dir_ + "/" + name;
    int f = open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
    if (f < 0) {
      e = errno;
      call = "create " + path;
    } else {
      close(f);
      h.file = path;
      if (mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0) {
        e = errno;
        call = "mount --bind /proc/thread-self/ns/net " + path;
      } else {
        h.mounted = true;
      }
    }
  }
  if (!e && o_.process) {
    // The child inherits this thread's (new) namespace and sleeps there; SIGKILL at release.
    // PDEATHSIG follows the forking thread, which always reaps before it ends.
    pid_t parent = pid_;
    pid_t c = fork();
    if (c == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(0);
      for (;;) pause();
    }
    if (c < 0) {
      e = errno;
      call = "fork";
    } else {
      h.child = c;
    }
  }
  if (!e && o_.veth) {
    char name[IFNAMSIZ];
    snprintf(name, sizeof name, "lg%06x%07llx", (unsigned)pid_ & 0xffffff,
             (unsigned long long)(g_serial++ & 0xfffffff));
    if ((e = rtnl.add_veth(name, "eth0", h.fd)) != 0) {
      call = std::string("RTM_NEWLINK veth ") + name;
    } else {
      h.veth = name;
    }
  }
  // On failure go back now; on success the caller goes back before it next waits.
  if (e && setns(orig_fd_, CLONE_NEWNET) != 0)
    err_.set(errno, std::string("setns(original netns): ") + strerror(errno));
  return e;
}

void NetnsWorkload::release(Held& h, Rtnl& rtnl) {
  // Deleting one end deletes both; ENODEV: already gone with its peer.
  if (!h.veth.empty()) {
    int e = rtnl.del_link(h.veth);
    if (e && e != ENODEV) err_.set(e, "RTM_DELLINK " + h.veth + ": " + strerror(e));
  }
  if (h.child > 0) {
    kill(h.child, SIGKILL);
    while (waitpid(h.child, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  if (h.mounted && umount2(h.file.c_str(), MNT_DETACH) != 0)
    err_.set(errno, "umount " + h.file + ": " + strerror(errno));
  if (!h.file.empty()) unlink(h.file.c_str());
  if (h.fd >= 0) close(h.fd);
  h = Held{};
}

void NetnsWorkload::worker(unsigned limit) {
  Rtnl rtnl;
  if (o_.veth) {
    if (int e = rtnl.open(); e != 0) {
      err_.set(e, std::string("socket(NETLINK_ROUTE): ") + strerror(e));
      pacer_->abort();
      return;
    }
  }
  std::deque<Held> held;
  double last = 0;
  bool away = false;  // the thread is in the namespace it created last
  auto home = [&] {
    if (away && setns(orig_fd_, CLONE_NEWNET) != 0) {
      err_.set(errno, std::string("setns(original netns): ") + strerror(errno));
      pacer_->abort();
    }
    away = false;
  };
  auto release_front = [&] {
    release(held.front(), rtnl);
    held.pop_front();
    events_.fetch_add(1, std::memory_order_relaxed);
  };
  auto release_expired = [&] {
    double now = monotonic_seconds();
    while (!held.empty() && held.front().release_at <= now) release_front();
  };
  for (;;) {
    double due;
    if (!pacer_->take(due)) break;
    // Room first: the oldest namespace goes when its hold is over.
    if (held.size() >= limit) home();
    while (held.size() >= limit && sleep_until(held.front().release_at, *pacer_)) release_front();
    if (pacer_->stopped()) break;
    // Wait for the ticket's time, releasing namespaces whose hold ends meanwhile.
    for (;;) {
      release_expired();
      double now = monotonic_seconds();
      if (now >= due) break;
      double wake = held.empty() ? due : std::min(due, held.front().release_at);
      home();
      if (!sleep_until(wake, *pacer_)) break;
    }
    // Teardown is asynchronous in the kernel: wait while too many are still alive.
    if (o_.max_live >= 0 && ctx_->live_netns) {
      while (ctx_->live_netns() > o_.max_live) {
        home();
        release_expired();
        if (!sleep_until(monotonic_seconds() + 0.005, *pacer_)) break;
      }
    }
    if (pacer_->stopped()) break;
    Held h;
    std::string call;
    if (int e = create(h, rtnl, call); e != 0) {
      release(h, rtnl);
      err_.failed(e, call);
      pacer_->abort();
      break;
    }
    away = true;
    created_.fetch_add(1, std::memory_order_relaxed);
    last = monotonic_seconds();
    h.release_at = last + o_.hold;
    if (o_.hold <= 0) {
      release(h, rtnl);
      events_.fetch_add(1, std::memory_order_relaxed);
    } else {
      held.push_back(std::move(h));
    }
  }
  // Keep the rest for their hold unless the run is stopping; then release everything.
  home();
  while (!held.empty()) {
    sleep_until(held.front().release_at, *pacer_);
    release_front();
  }
  std::lock_guard<std::mutex> l(mu_);
  last_create_ = std::max(last_create_, last);
}

void NetnsWorkload::run(const WorkloadContext& ctx) {
  ctx_ = &ctx;
  pid_ = getpid();
  Pacer pacer(o_.count, o_.rate, ctx.stop);
  pacer_ = &pacer;
  // An error counts the namespaces made before it; the active time ends at the last creation.
  auto finish = [&] { finish_run(err_, created_.load(), pacer, last_create_, ctx, "netns"); };
  if (o_.max_live >= 0 && !ctx.live_netns)
    outcome_.warnings.push_back("max_live ignored: live network namespaces are not measured in this run");
  orig_fd_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (orig_fd_ < 0) {
    err_.set(errno, std::string("open(/proc/thread-self/ns/net): ") + strerror(errno));
    finish();
    return;
  }
  std::string err;
  if (o_.bind_mount) {
    dir_ = ctx.netns_dir.empty() ? "/run/netns" : ctx.netns_dir;
    if (!prepare_dir(err)) {
      err_.set(errno, "netns bind_mount: " + err);
      cleanup_dir();
      close(orig_fd_);
      finish();
      return;
    }
  }
  uint64_t workers = std::min<uint64_t>(cpu_count(), o_.concurrency);
  if (o_.count) workers = std::min(workers, o_.count);
  workers = std::max<uint64_t>(workers, 1);
  std::vector<std::thread> threads;
  for (uint64_t i = 0; i < workers; i++) {
    unsigned limit = (unsigned)(o_.concurrency / workers + (i < o_.concurrency % workers ? 1 : 0));
    threads.emplace_back([this, limit] { worker(limit); });
  }
  for (auto& t : threads) t.join();
  if (o_.bind_mount) cleanup_dir();
  close(orig_fd_);
  finish();
}

std::unique_ptr<Workload> make_netns(const Params& p) {
  NetnsOpts o;
  static_cast<Churn&>(o) = churn_of(p);
  o.hold = p.number("hold");
  o.bind_mount = p.flag("bind_mount");
  o.process = p.flag("process");
  o.loopback_up = p.flag("loopback_up");
  o.veth = p.flag("veth");
  o.max_live = p.has("max_live") ? p.number("max_live") : -1;
  return std::make_unique<NetnsWorkload>(o);
}

// The namespaces alive at once, min(count, concurrency), must fit the kernel's limit and the
// open-files limit (one fd each); max_live must be a count the kernel allows.
std::vector<FieldProblem> check_netns(const Params& p) {
  const char* kMaxNs = "/proc/sys/user/max_net_namespaces";
  std::vector<FieldProblem> out;
  check_alive_at_once(p, kMaxNs, 1, "network namespaces", out);
  auto limit = kernel_limit(kMaxNs);
  if (limit && p.has("max_live") && p.count("max_live") > *limit)
    out.push_back({"max_live", "max_live " + std::to_string(p.count("max_live")) + " is above " + kMaxNs + " (" +
                                   std::to_string(*limit) + ")"});
  int64_t alive = alive_at_once(p);
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (uint64_t)alive + 64 > rl.rlim_cur) {
    const char* f = alive < p.count("count") ? "concurrency" : "count";
    out.push_back({f, std::string(f) + " " + format_number((double)alive) +
                          " needs one open file per namespace alive at once: above the open-files limit " +
                          format_number((double)rl.rlim_cur)});
  }
  return out;
}

std::vector<KernelNeed> needs_netns(const Params&) { return {{"netns.create", " needs network namespaces"}}; }

}  // namespace

// extern: a namespace-scope const has internal linkage otherwise; registry.cc refers to it.
extern const WorkloadKind netns_workload = {
    "netns",
    "create network namespaces (unshare on worker threads, held by fd), hold, release",
    "network namespace created and released",
    churn_fields(
        {},
        {.things = "namespaces",
         .verb = "create",
         .per_second = "creations",
         .alive = "alive",
         .count = "1000",
         .concurrency = "64"},
        {
            {"hold", FieldType::Duration, "0ms", "how long each namespace is kept"},
            {"bind_mount", FieldType::Bool, "false", "bind-mount each under /run/netns/ as `ip netns add` does"},
            {"process", FieldType::Bool, "false", "keep a sleeping process inside each (a pod's pause container)"},
            {"loopback_up", FieldType::Bool, "false", "bring lo up inside each"},
            {"veth", FieldType::Bool, "false", "add a veth pair to the host namespace for each"},
            {"max_live", FieldType::Count, "",
             "pace on sys.netns: wait while this many namespaces are alive kernel-wide"},
        }),
    make_netns,
    check_netns,
    needs_netns,
};

}  // namespace lg
