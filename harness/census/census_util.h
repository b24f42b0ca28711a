// SPDX-License-Identifier: MIT
#pragma once
// Pieces both census backends share: column set-up, fd classification from procfs link text,
// /proc parsing, cgroup v2 helpers, and which BPF objects are leakguard's own.
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bpf/census.h"
#include "harness/census/census.h"

namespace lg {

// Column names and reasons for a backend (Bpf or Procfs): the catalogue in MetricId order,
// then one sys.slab.<cache> column per configured cache. `slabs` gets the cache names, in
// column order; the first slab column is kMetricCount.
void build_columns(Backend backend, const CensusScope& scope, const CensusOptions& opts,
                   std::vector<std::string>& names, std::vector<std::string>& unavailable,
                   std::vector<std::string>& slabs);
int column(const std::vector<std::string>& names, std::string_view name);  // -1 when absent

// Why a slab cache cannot be counted on this kernel ("" when it exists on its own).
std::string slab_cache_gap(const std::string& cache);

// Classifies a /proc/PID/fd link. Returns -1 for a path ("/..."), whose kind needs stat().
int fd_kind_from_link(std::string_view link);
int fd_kind_from_mode(mode_t mode);

// "Threads:\t3\n" -> 3 for key "Threads:"; -1 when missing. Reads the first number after key.
int64_t proc_field(std::string_view text, std::string_view key);

struct ProcStat {
  pid_t pid = 0, ppid = 0;
  char state = '?';
  int64_t threads = 0;
  // A zombie waiting to be reaped: state Z and no live thread left (a leader whose other
  // threads still run shows Z too).
  bool zombie() const { return state == 'Z' && threads <= 1; }
};
bool parse_proc_stat(std::string_view text, ProcStat& out);  // /proc/PID/stat

// Active objects per cache name from /proc/slabinfo text; -1 when the cache is not listed.
int64_t slabinfo_active(std::string_view text, std::string_view cache);
// Reads /proc/slabinfo once and calls set(i, active objects) for each caches[i] it lists.
void slabs_from_procfs(const std::vector<std::string>& caches, const std::function<void(size_t, double)>& set);

// Checks `path` is a cgroup v2 directory; sets its id (inode number = kernfs id) and level
// (depth below the mount). One-line error naming the path on failure.
bool cgroup_info(const std::string& path, uint64_t& id, uint32_t& level, std::string& err);
// Pids in cgroup.procs of `path` and every cgroup below it.
bool cgroup_pids(const std::string& path, std::vector<pid_t>& pids, std::string& err);

// True for maps/programs leakguard itself creates: the census skeleton's (by name, for other
// census objects in this or another leakguard process) and libbpf's feature probes.
bool own_bpf_map_name(std::string_view name);
bool own_bpf_prog_name(std::string_view name);

bool process_exists(pid_t pid);

}  // namespace lg

namespace lg {

// Which tasks are the target: System -> none; Cgroup with a path -> that cgroup and below;
// a tree_root -> that process and its descendants; Pid -> that process.
census_target_mode target_mode(const CensusScope& scope);

// The two backends (census_bpf.cc, census_procfs.cc); nullptr and err when they cannot run.
std::unique_ptr<Census> make_bpf_census(const CensusScope& scope, const CensusOptions& opts, std::string& err);
std::unique_ptr<Census> make_procfs_census(const CensusScope& scope, const CensusOptions& opts, std::string& err);

}  // namespace lg
