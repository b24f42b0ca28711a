// SPDX-License-Identifier: MIT
#include "harness/base/metrics.h"

#include <dirent.h>

#include <algorithm>
#include <memory>

namespace lg {
namespace {

const char* kNoNetnsList =
    "procfs has no list of live network namespaces (namespaces held by fds or mounts only "
    "are invisible to /proc/*/ns/net); it needs the BPF backend";

std::vector<MetricInfo> build_catalogue() {
  auto T = Scope::Target;
  auto S = Scope::System;
  auto B = kBackendBoth;
  return {
      {"fd.total", "fds", T, B, "open file descriptors of the target's processes", ""},
      {"fd.file", "fds", T, B, "regular files", ""},
      {"fd.dir", "fds", T, B, "directories", ""},
      {"fd.socket", "fds", T, B, "sockets of any family", ""},
      {"fd.pipe", "fds", T, B, "pipes and FIFOs", ""},
      {"fd.chr", "fds", T, B, "character devices", ""},
      {"fd.netns", "fds", T, B, "network namespace fds (nsfs, CLONE_NEWNET)", ""},
      {"fd.nsfs_other", "fds", T, B, "namespace fds of other kinds (mnt, pid, uts, ...)", ""},
      {"fd.bpf_map", "fds", T, B, "BPF map fds", ""},
      {"fd.bpf_prog", "fds", T, B, "BPF program fds", ""},
      {"fd.bpf_link", "fds", T, B, "BPF link fds", ""},
      {"fd.perf_event", "fds", T, B, "perf_event fds", ""},
      {"fd.eventfd", "fds", T, B, "eventfds", ""},
      {"fd.epoll", "fds", T, B, "epoll instances", ""},
      {"fd.timerfd", "fds", T, B, "timerfds", ""},
      {"fd.signalfd", "fds", T, B, "signalfds", ""},
      {"fd.pidfd", "fds", T, B, "pidfds", ""},
      {"fd.anon_other", "fds", T, B, "other anonymous-inode fds (io_uring, userfaultfd, ...)", ""},
      {"fd.other", "fds", T, B, "fds of any other kind (block devices, sockets of odd fs, ...)", ""},
      {"proc.processes", "processes", T, B, "live processes (thread-group leaders) of the target", ""},
      {"proc.threads", "threads", T, B, "threads of the target's processes", ""},
      {"proc.zombies", "processes", T, B, "exited children of the target not yet reaped", ""},
      {"proc.rss_bytes", "bytes", T, B, "resident set size of the target's processes", ""},
      {"bpf.maps", "maps", T, B, "distinct BPF maps the target holds by fd", ""},
      {"bpf.map_entries", "entries", T, kBackendBpf,
       "elements in those maps (hash kinds exact, LPM tries n_entries, arrays max_entries)",
       "procfs shows no element count for BPF maps (fdinfo has max_entries only)"},
      {"bpf.map_bytes", "bytes", T, B, "memory charged to those maps (memlock)", ""},
      {"bpf.progs", "progs", T, B, "distinct BPF programs the target holds by fd", ""},
      {"bpf.links", "links", T, B, "distinct BPF links the target holds by fd", ""},
      {"sys.netns", "namespaces", S, kBackendBpf, "live network namespaces, kernel-wide", kNoNetnsList},
      {"sys.bpf_maps", "maps", S, B, "BPF maps alive kernel-wide (leakguard's own excluded)", ""},
      {"sys.bpf_progs", "progs", S, B, "BPF programs alive kernel-wide (leakguard's own excluded)", ""},
      {"sys.bpf_links", "links", S, B, "BPF links alive kernel-wide (leakguard's own excluded)", ""},
      {"sys.tasks", "tasks", S, B, "tasks (threads) alive kernel-wide", ""},
      {"sys.zombies", "processes", S, B, "zombie processes kernel-wide", ""},
  };
}

}  // namespace

const std::vector<MetricInfo>& metric_catalogue() {
  static const std::vector<MetricInfo> c = build_catalogue();
  return c;
}

bool is_slab_metric(std::string_view name) { return name.size() > 9 && name.substr(0, 9) == "sys.slab."; }

std::string slab_metric_name(std::string_view cache) { return "sys.slab." + std::string(cache); }

const MetricInfo* find_metric(std::string_view name) {
  for (const auto& m : metric_catalogue())
    if (m.name == name) return &m;
  if (is_slab_metric(name)) {
    // One entry per cache name asked for, kept for the life of the program.
    static std::vector<std::unique_ptr<MetricInfo>> slabs;
    for (const auto& m : slabs)
      if (m->name == name) return m.get();
    slabs.push_back(std::make_unique<MetricInfo>(
        MetricInfo{std::string(name), "objects", Scope::System, kBackendBoth,
                   "active objects in this slab cache (iter/kmem_cache, /proc/slabinfo)", ""}));
    return slabs.back().get();
  }
  return nullptr;
}

const std::vector<std::string>& default_slab_caches() {
  static const std::vector<std::string> c = {"net_namespace", "filp", "task_struct", "sock_inode_cache"};
  return c;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); j++) prev[j] = j;
  for (size_t i = 1; i <= a.size(); i++) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); j++)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest_match(std::string_view word, const std::vector<std::string>& choices) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : choices) {
    size_t d = edit_distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best;
}

std::string suggest_metric(std::string_view name) {
  std::vector<std::string> names;
  for (const auto& m : metric_catalogue()) names.push_back(m.name);
  return closest_match(name, names);
}

std::vector<std::string> live_slab_caches() {
  std::vector<std::string> out;
  DIR* d = opendir("/sys/kernel/slab");
  if (!d) return out;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.' && e->d_name[0] != ':') out.push_back(e->d_name);  // ":a-0000192": merged ids
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::string slab_cache_problem(const std::string& cache) {
  std::vector<std::string> live = live_slab_caches();
  if (live.empty() || std::binary_search(live.begin(), live.end(), cache)) return "";
  std::string m = closest_match(cache, live);
  return "no slab cache '" + cache + "' on this kernel" + (m.empty() ? "" : "; did you mean '" + m + "'?") +
         " (/sys/kernel/slab lists them)";
}

}  // namespace lg
