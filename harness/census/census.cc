// SPDX-License-Identifier: MIT
// make_census: picks a backend; Auto prefers BPF and says why it fell back.
#include "harness/census/census.h"

#include <linux/bpf.h>

#include "harness/base/cgroup.h"
#include "harness/base/procfs.h"
#include "harness/census/backends.h"

namespace lg {

bool map_can_fill(uint32_t t) {
  return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_HASH_OF_MAPS ||
         t == BPF_MAP_TYPE_LPM_TRIE;
}

census_target_mode target_mode(const CensusScope& s) {
  if (s.kind == CensusScope::System) return CENSUS_TARGET_NONE;
  if (s.kind == CensusScope::Cgroup && !s.cgroup.empty()) return CENSUS_TARGET_CGROUP;
  if (s.tree_root > 0) return CENSUS_TARGET_TREE;
  return CENSUS_TARGET_PID;
}

bool check_census_scope(const CensusScope& s, std::string& err) {
  switch (target_mode(s)) {
    case CENSUS_TARGET_NONE: return true;
    case CENSUS_TARGET_CGROUP: {
      uint64_t id;
      uint32_t level;
      return cgroup_info(s.cgroup, id, level, err);
    }
    case CENSUS_TARGET_TREE:
      if (!process_exists(s.tree_root)) {
        err = "process " + std::to_string(s.tree_root) + " does not exist";
        return false;
      }
      return true;
    case CENSUS_TARGET_PID:
      if (s.kind == CensusScope::Cgroup) {
        err = "cgroup scope needs a cgroup path (or a process-tree root)";
        return false;
      }
      if (!process_exists(s.pid)) {
        err = "process " + std::to_string(s.pid) + " does not exist";
        return false;
      }
      return true;
  }
  return true;
}

std::unique_ptr<Census> make_census(Backend b, const CensusScope& scope, const CensusOptions& opts, std::string& err,
                                    std::string& note) {
  note.clear();
  if (!check_census_scope(scope, err)) return nullptr;
  if (b == Backend::Procfs) return make_procfs_census(scope, opts, err);
  std::string why;
  auto c = make_bpf_census(scope, opts, why);
  if (c || b == Backend::Bpf) {
    if (!c) err = why;
    return c;
  }
  c = make_procfs_census(scope, opts, err);
  if (c) note = "BPF census unavailable (" + why + "); using procfs";
  return c;
}

}  // namespace lg
