// SPDX-License-Identifier: MIT
#include "harness/probe/probe.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <nlohmann/json.hpp>

#include "harness/base/fs.h"
#include "harness/base/libbpf_log.h"
#include "harness/base/strings.h"
#include "probe.skel.h"

namespace lg {
namespace {

// Loads only `want` from the probe object; for iterators also attaches and reads once.
bool try_program(const char* want, bool is_iter, bool attach, std::string& why) {
  LibbpfLog log;
  probe_bpf* skel = probe_bpf__open();
  if (!skel) {
    why = "cannot open the BPF object: " + std::string(strerror(errno));
    return false;
  }
  bpf_program* prog = nullptr;
  bpf_program* p;
  bpf_object__for_each_program(p, skel->obj) {
    bool me = strcmp(bpf_program__name(p), want) == 0;
    bpf_program__set_autoload(p, me);
    if (me) prog = p;
  }
  bool ok = false;
  int err = probe_bpf__load(skel);
  if (err) {
    why = libbpf_reason("load failed", err);
  } else if (!attach) {
    ok = true;
  } else {
    bpf_link* link = bpf_program__attach(prog);
    if (!link) {
      why = libbpf_reason("attach failed", errno);
    } else if (is_iter) {
      int fd = bpf_iter_create(bpf_link__fd(link));
      if (fd < 0) {
        why = "iterator create failed: " + std::string(strerror(errno));
      } else {
        char buf[4096];
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0) {
        }
        if (n < 0)
          why = "iterator read failed: " + std::string(strerror(errno));
        else
          ok = true;
        close(fd);
      }
      bpf_link__destroy(link);
    } else {
      getppid();  // fire the syscall tracepoint once
      if (pid_t c = fork(); c == 0)
        _exit(0);  // and sched_process_exit
      else if (c > 0)
        waitpid(c, nullptr, 0);
      ok = skel->bss->hits > 0;
      if (!ok) why = "attached but never fired";
      bpf_link__destroy(link);
    }
  }
  probe_bpf__destroy(skel);
  return ok;
}

// Forks a child that creates a network namespace and exits; leaves nothing behind.
bool try_netns(std::string& why) {
  int pfd[2];
  if (pipe(pfd) != 0) {
    why = strerror(errno);
    return false;
  }
  pid_t pid = fork();
  if (pid < 0) {
    why = std::string("fork: ") + strerror(errno);
    close(pfd[0]);
    close(pfd[1]);
    return false;
  }
  if (pid == 0) {
    close(pfd[0]);
    int e = unshare(CLONE_NEWNET) == 0 ? 0 : errno;
    (void)!write(pfd[1], &e, sizeof e);
    _exit(0);
  }
  close(pfd[1]);
  int e = -1;
  if (read(pfd[0], &e, sizeof e) != (ssize_t)sizeof e) e = EIO;
  close(pfd[0]);
  waitpid(pid, nullptr, 0);
  if (e) why = std::string("unshare(CLONE_NEWNET): ") + strerror(e);
  return e == 0;
}

}  // namespace

const ProbeItem* ProbeReport::find(const std::string& key) const {
  for (const auto& i : items)
    if (i.key == key) return &i;
  return nullptr;
}

unsigned long long parse_cap_eff(const std::string& status) {
  size_t pos = status.find("CapEff:");
  if (pos == std::string::npos) return 0;
  return strtoull(status.c_str() + pos + 7, nullptr, 16);
}

ProbeReport run_probe() {
  ProbeReport r;
  auto add = [&](std::string key, std::string label, bool ok, std::string detail, std::string cost = "") {
    r.items.push_back({std::move(key), std::move(label), ok, std::move(detail), ok ? "" : std::move(cost)});
  };

  // Identity and capabilities.
  uid_t euid = geteuid();
  add("uid", "effective uid", true, std::to_string(euid) + (euid == 0 ? " (root)" : ""));
  unsigned long long caps = parse_cap_eff(read_file("/proc/self/status"));
  struct CapInfo {
    const char* key;
    const char* name;
    int bit;
    const char* cost;
  };
  const CapInfo capinfo[] = {
      {"cap.bpf", "CAP_BPF", 39, "cannot load BPF programs: only the procfs census can run"},
      {"cap.perfmon", "CAP_PERFMON", 38, "BPF iterators that read kernel pointers are refused"},
      {"cap.sys_admin", "CAP_SYS_ADMIN", 21, "no cgroups, mounts or namespaces for the run"},
      {"cap.net_admin", "CAP_NET_ADMIN", 12, "netns workloads cannot configure loopback or veth"},
      {"cap.sys_resource", "CAP_SYS_RESOURCE", 24,
       "RLIMIT_MEMLOCK and RLIMIT_NOFILE cannot be raised (BPF memory is charged to the memory cgroup, so this is "
       "usually harmless)"},
  };
  // Since 5.8 the kernel lets CAP_SYS_ADMIN stand in for CAP_BPF and CAP_PERFMON
  // (bpf_capable(), perfmon_capable()): without them but with it, BPF still loads, and the
  // probe must not say it cannot.
  const bool sys_admin = caps & (1ULL << 21);
  for (const auto& c : capinfo) {
    bool has = caps & (1ULL << c.bit);
    bool granted = !has && sys_admin && (c.bit == 39 || c.bit == 38);
    add(c.key, c.name, has || granted,
        has       ? "effective"
        : granted ? "missing, but CAP_SYS_ADMIN grants it"
                  : "missing",
        c.cost);
  }

  // Kernel and BTF.
  utsname u{};
  uname(&u);
  add("kernel", "kernel release", true, u.release);
  bool btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
  add("btf", "kernel BTF (/sys/kernel/btf/vmlinux)", btf, btf ? "present" : "missing",
      "CO-RE BPF programs cannot load: only the procfs census can run");

  // BPF programs, each tried for real.
  struct ProgInfo {
    const char* key;
    const char* label;
    const char* prog;
    bool iter;
    bool attach;
    const char* cost;
  };
  const ProgInfo progs[] = {
      {"iter.task", "BPF iterator task", "probe_iter_task", true, true, "no BPF census of threads and zombies"},
      {"iter.task_file", "BPF iterator task_file", "probe_iter_task_file", true, true, "no BPF census of fds"},
      {"iter.bpf_map", "BPF iterator bpf_map", "probe_iter_bpf_map", true, true, "no BPF census of maps"},
      {"iter.bpf_prog", "BPF iterator bpf_prog", "probe_iter_bpf_prog", true, true, "no BPF census of programs"},
      {"iter.bpf_link", "BPF iterator bpf_link", "probe_iter_bpf_link", true, true, "no BPF census of links"},
      {"iter.kmem_cache", "BPF iterator kmem_cache", "probe_iter_kmem_cache", true, true,
       "slab counts come from /proc/slabinfo instead"},
      {"kfunc.map_sum_elem_count", "kfunc bpf_map_sum_elem_count", "probe_kfunc_sum_elem", true, true,
       "bpf.map_entries is unavailable for hash maps"},
      {"prog.tracepoint", "tracepoint programs (tp/, need tracefs)", "probe_tracepoint", false, true,
       "programs use BTF tracepoints (tp_btf/) instead; mount tracefs at /sys/kernel/tracing for tp/"},
      {"prog.tp_btf", "BTF tracepoint programs (tp_btf/)", "probe_tp_btf", false, true,
       "the maps workload cannot attach programs (progs: true) and pidprof cannot run"},
      {"prog.fentry", "fentry programs", "probe_fentry", false, false, "none: leakguard does not need fentry"},
  };
  for (const auto& p : progs) {
    std::string why;
    bool ok = try_program(p.prog, p.iter, p.attach, why);
    add(p.key, p.label, ok, ok ? "loads and runs" : why, p.cost);
  }

  // Namespaces, cgroups, bpffs, limits.
  std::string why;
  bool netns = try_netns(why);
  add("netns.create", "create a network namespace", netns, netns ? "works" : why, "netns workloads cannot run");

  std::string mounts = read_file("/proc/mounts");
  std::string cg = find_mount(mounts, "cgroup2");
  add("cgroup2", "cgroup v2 mount", !cg.empty(), cg.empty() ? "not mounted" : cg,
      "targets are contained by process tree (subreaper) instead of a cgroup");
  const char* no_groups = "cgroup workloads cannot run";
  if (!cg.empty()) {
    std::string dir = cg + "/leakguard-probe-" + std::to_string(getpid());
    if (mkdir(dir.c_str(), 0755) == 0) {
      bool kill_ok = access((dir + "/cgroup.kill").c_str(), F_OK) == 0;
      rmdir(dir.c_str());
      add("cgroup.create", "create a cgroup v2 group", true, "works under " + cg);
      add("cgroup.kill", "cgroup.kill", kill_ok, kill_ok ? "present" : "missing (kernel < 5.14)",
          "stopping a target kills its cgroup's processes one by one");
    } else {
      std::string why = "cannot create a cgroup under " + cg + ": " + strerror(errno);
      add("cgroup.create", "create a cgroup v2 group", false, why, no_groups);
      add("cgroup.kill", "cgroup.kill", false, why,
          "targets are contained by process tree (subreaper) instead of a cgroup");
    }
  } else {
    add("cgroup.create", "create a cgroup v2 group", false, "cgroup v2 is not mounted", no_groups);
  }
  std::string tracefs = find_mount(mounts, "tracefs");
  add("tracefs", "tracefs mounted", !tracefs.empty(), tracefs.empty() ? "not mounted" : tracefs,
      "tp/ programs cannot attach by name (tp_btf/ ones can)");
  std::string bpffs = find_mount(mounts, "bpf");
  add("bpffs", "bpffs mounted", !bpffs.empty(), bpffs.empty() ? "not mounted" : bpffs,
      "leakguard mounts a private bpffs for pins when it needs one");

  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  auto lim = [](rlim_t v) { return v == RLIM_INFINITY ? std::string("unlimited") : std::to_string(v); };
  add("rlimit.nofile", "RLIMIT_NOFILE soft/hard", true, lim(rl.rlim_cur) + "/" + lim(rl.rlim_max));
  std::string maxns = trim(read_file("/proc/sys/user/max_net_namespaces"));
  add("max_net_namespaces", "/proc/sys/user/max_net_namespaces", !maxns.empty(), maxns.empty() ? "unreadable" : maxns,
      "netns counts cannot be checked against the limit");

  // What it adds up to.
  r.bpf_backend = btf && r.ok("iter.task") && r.ok("iter.task_file") && r.ok("iter.bpf_map") && r.ok("iter.bpf_prog") &&
                  r.ok("iter.bpf_link");
  r.procfs_backend = access("/proc/self/fd", R_OK) == 0;
  // The summary names the first cause, the same one the lines above give.
  std::string cause = !r.ok("cap.bpf") ? "no CAP_BPF (nor CAP_SYS_ADMIN) to load BPF programs"
                      : !btf           ? "the kernel has no BTF"
                                       : "BPF iterators are unavailable (see the no lines above)";
  if (r.bpf_backend)
    r.summary = "the BPF census can run";
  else if (r.procfs_backend)
    r.summary = "only the procfs census can run: " + cause + "; sys.netns and bpf.map_entries will be unavailable";
  else
    r.summary = "no census backend can run: /proc is not readable";
  return r;
}

std::string probe_text(const ProbeReport& r) {
  std::string out;
  size_t w = 0;
  for (const auto& i : r.items) w = std::max(w, i.label.size());
  for (const auto& i : r.items) {
    out += i.label + std::string(w + 2 - i.label.size(), ' ') + (i.ok ? "yes  " : "no   ") + i.detail;
    if (!i.ok && !i.cost.empty()) out += " -- " + i.cost;
    out += '\n';
  }
  out += "\nbackend: " + r.summary + "\n";
  return out;
}

std::string probe_json(const ProbeReport& r) {
  nlohmann::ordered_json j;
  j["bpf_backend"] = r.bpf_backend;
  j["procfs_backend"] = r.procfs_backend;
  j["summary"] = r.summary;
  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  for (const auto& i : r.items)
    items.push_back({{"key", i.key}, {"label", i.label}, {"ok", i.ok}, {"detail", i.detail}, {"cost", i.cost}});
  j["capabilities"] = items;
  return j.dump(2) + "\n";
}

}  // namespace lg
