// SPDX-License-Identifier: MIT
#pragma once
// The metric catalogue: every name a scenario, a report or `leakguard census` may use.
// Names are a public contract (docs/metrics.md is checked against this table by a test).
//
// Add a metric: one line in LG_METRICS below (its id is group_name, its name "group.name"),
// its row in docs/metrics.md, and its measurement in each backend that claims it
// (harness/census/census_bpf.cc, census_procfs.cc: `set(values, MetricId::group_name, v)`);
// tests/census checks every backend measures every metric it claims. A family of metrics
// named by the system (sys.slab.<cache>) is one line in LG_METRIC_FAMILIES instead.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "bpf/fd_kinds.h"
#include "harness/base/backend.h"

namespace lg {

enum class Scope { Target, System };

// Backends that can measure a metric, as a mask of backend_bit(Backend).
constexpr unsigned kBpf = backend_bit(Backend::Bpf);
constexpr unsigned kProcfs = backend_bit(Backend::Procfs);
constexpr unsigned kBothBackends = kBpf | kProcfs;
// Measured by the attribution tracker of `leakguard run` (creation records), not by a census.
constexpr unsigned kTracker = 1u << 7;
#define LG_NEEDS_TRACKER "measured by leakguard run's creation tracker (BPF), not by a census: see docs/attribution.md"

// X(group, name, unit, scope, backends, description, procfs_gap), in catalogue order: target
// metrics first, then system ones. procfs_gap says why procfs cannot measure a metric it lacks.
// clang-format off
#define LG_FD_METRIC(X, ID, name, anon, doc) X(fd, name, "fds", Target, kBothBackends, doc, "")
#define LG_METRICS(X) \
  X(fd, total, "fds", Target, kBothBackends, "open file descriptors of the target's processes", "") \
  LG_FD_KINDS(LG_FD_METRIC, X) \
  X(fd, limit_used, "fraction", Target, kBothBackends, \
    "open fds of the target's fullest process over its soft RLIMIT_NOFILE (1: the next open fails with EMFILE)", "") \
  X(proc, processes, "processes", Target, kBothBackends, "live processes (thread-group leaders) of the target", "") \
  X(proc, threads, "threads", Target, kBothBackends, "threads of the target's processes", "") \
  X(proc, zombies, "processes", Target, kBothBackends, "exited children of the target not yet reaped", "") \
  X(proc, dstate, "tasks", Target, kBothBackends, \
    "tasks (threads) of the target in uninterruptible sleep (D in ps; idle kernel waits, I, excluded)", "") \
  X(proc, rss_bytes, "bytes", Target, kBothBackends, "resident set size of the target's processes", "") \
  X(proc, cpu_seconds, "seconds", Target, kBothBackends, \
    "CPU time (user + system) used so far by the target's live processes", "") \
  X(bpf, maps, "maps", Target, kBothBackends, "distinct BPF maps the target holds by fd", "") \
  X(bpf, map_entries, "entries", Target, kBpf, \
    "elements in those maps (hash kinds exact, LPM tries n_entries, arrays max_entries)", \
    "procfs shows no element count for BPF maps (fdinfo has max_entries only)") \
  X(bpf, map_bytes, "bytes", Target, kBothBackends, "memory charged to those maps (memlock)", "") \
  X(bpf, map_fill, "fraction", Target, kBpf, \
    "the fullest of those maps that can fill up: entries / max_entries (hash maps but LRU ones, LPM tries, " \
    "hash of maps)", "procfs shows no element count for BPF maps (fdinfo has max_entries only)") \
  X(bpf, maps_full, "maps", Target, kBpf, \
    "those maps at max_entries: a full map refuses every new key", \
    "procfs shows no element count for BPF maps (fdinfo has max_entries only)") \
  X(bpf, progs, "progs", Target, kBothBackends, "distinct BPF programs the target holds by fd", "") \
  X(bpf, links, "links", Target, kBothBackends, "distinct BPF links the target holds by fd", "") \
  X(target, bpf_maps, "maps", Target, kTracker, \
    "BPF maps the target created that are alive (held, pinned or in use), wherever they are now", LG_NEEDS_TRACKER) \
  X(target, bpf_progs, "progs", Target, kTracker, "BPF programs the target created that are alive", LG_NEEDS_TRACKER) \
  X(target, bpf_links, "links", Target, kTracker, "BPF links the target created that are alive", LG_NEEDS_TRACKER) \
  X(target, netns, "namespaces", Target, kTracker, \
    "network namespaces the target created (unshare, clone) that are alive", LG_NEEDS_TRACKER) \
  X(target, bpf_pins, "pins", Target, kTracker, "BPF objects the target pinned whose pin still exists", \
    LG_NEEDS_TRACKER) \
  X(sys, netns, "namespaces", System, kBpf, "live network namespaces, kernel-wide", \
    "procfs has no list of live network namespaces (namespaces held by fds or mounts only are invisible " \
    "to /proc/*/ns/net); it needs the BPF backend") \
  X(sys, bpf_maps, "maps", System, kBothBackends, "BPF maps alive kernel-wide (leakguard's own excluded)", "") \
  X(sys, bpf_progs, "progs", System, kBothBackends, "BPF programs alive kernel-wide (leakguard's own excluded)", "") \
  X(sys, bpf_links, "links", System, kBothBackends, "BPF links alive kernel-wide (leakguard's own excluded)", "") \
  X(sys, tasks, "tasks", System, kBothBackends, "tasks (threads) alive kernel-wide", "") \
  X(sys, zombies, "processes", System, kBothBackends, "zombie processes kernel-wide", "") \
  X(sys, dstate, "tasks", System, kBothBackends, "tasks in uninterruptible sleep kernel-wide (D in ps)", "") \
  X(sys, file_handles, "files", System, kBothBackends, \
    "file handles allocated kernel-wide (first field of /proc/sys/fs/file-nr; the limit is fs.file-max)", "") \
  X(sys, dying_cgroups, "cgroups", System, kBothBackends, \
    "cgroups removed but not yet freed (nr_dying_descendants of the cgroup v2 root)", "") \
  X(sys, unreclaimable_bytes, "bytes", System, kBothBackends, "unreclaimable slab memory (SUnreclaim)", "")

// X(id, prefix, placeholder, unit, scope, backends, description): metrics named by the system,
// "<prefix><member>" for any member ("sys.slab.filp").
#define LG_METRIC_FAMILIES(X) \
  X(sys_slab, "sys.slab.", "<cache>", "objects", System, kBothBackends, "active objects in the slab cache <cache>")
// clang-format on

// Typed metric ids: MetricId::fd_total is "fd.total". A census's columns start with the whole
// catalogue in this order, so a catalogue metric's column is its id.
enum class MetricId : uint16_t {
#define LG_METRIC_ID(group, name, ...) group##_##name,
  LG_METRICS(LG_METRIC_ID)
#undef LG_METRIC_ID
};
#define LG_METRIC_COUNT(...) +1
constexpr size_t kMetricCount = 0 LG_METRICS(LG_METRIC_COUNT);
#undef LG_METRIC_COUNT

enum class MetricFamilyId : uint8_t {
#define LG_FAMILY_ID(id, ...) id,
  LG_METRIC_FAMILIES(LG_FAMILY_ID)
#undef LG_FAMILY_ID
};

struct MetricInfo {
  std::string name;  // "fd.netns"
  const char* unit;  // "fds", "bytes", "maps", ...
  Scope scope;
  unsigned backends;        // which census backends can measure it (kBpf, kProcfs)
  const char* description;  // one line
  const char* procfs_gap;   // why procfs cannot measure it (when it cannot), else ""
};

struct MetricFamily {
  MetricFamilyId id;
  const char* prefix;       // "sys.slab."
  const char* placeholder;  // "<cache>": how docs and listings write a member
  const char* unit;
  Scope scope;
  unsigned backends;
  const char* description;
  std::string pattern() const { return std::string(prefix) + placeholder; }  // "sys.slab.<cache>"
  std::string member(std::string_view m) const { return prefix + std::string(m); }
};

// The static catalogue, metric_catalogue()[i] has MetricId i.
const std::vector<MetricInfo>& metric_catalogue();
const MetricInfo& metric_info(MetricId id);
inline const std::string& metric_name(MetricId id) { return metric_info(id).name; }
// The fd.<kind> metric of an fd kind of bpf/fd_kinds.h (enum census_fd_kind).
MetricId fd_kind_metric(int census_fd_kind);

const std::vector<MetricFamily>& metric_families();
const MetricFamily& metric_family(MetricFamilyId id);
// The family `name` belongs to ("sys.slab.filp" -> sys_slab), or nullptr.
const MetricFamily* find_metric_family(std::string_view name);

// Looks a name up: a catalogue metric, or a member of a family (any "sys.slab.<cache>").
// Returns nullptr for unknown names.
const MetricInfo* find_metric(std::string_view name);
// Only catalogue metrics; false for family members and unknown names.
bool find_metric_id(std::string_view name, MetricId& id);
bool is_slab_metric(std::string_view name);
std::string slab_metric_name(std::string_view cache);  // "sys.slab.filp"

// The slab caches sampled when a scenario does not list its own.
const std::vector<std::string>& default_slab_caches();
// The slab caches of the running kernel (/sys/kernel/slab, merged aliases included), sorted;
// empty when the kernel does not say.
std::vector<std::string> live_slab_caches();
// "" when `cache` is a slab cache of the running kernel (or the kernel does not list its
// caches); else "no slab cache 'x' on this kernel; did you mean 'y'?".
std::string slab_cache_problem(const std::string& cache);

// Closest catalogue name to `name` (edit distance), or "" when nothing is close.
std::string suggest_metric(std::string_view name);

}  // namespace lg
