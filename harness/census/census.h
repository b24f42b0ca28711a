// SPDX-License-Identifier: MIT
#pragma once
// The census: one reading of every metric for a target (pid or cgroup) and the system.
// Two backends: BPF iterators (census_bpf.cc + bpf/census.bpf.c) and procfs (census_procfs.cc).
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace lg {

class ProcTracker;

struct CensusScope {
  enum Kind { Pid, Cgroup, System } kind = System;
  pid_t pid = 0;       // Pid: this process (all its threads) and its zombie children
  std::string cgroup;  // Cgroup: absolute path of a cgroup v2 directory
  // Process-tree fallback when cgroup v2 is missing: the target's main pid; its descendants
  // (found from /proc/*/stat ppid chains) count as the target.
  pid_t tree_root = 0;
  // Cgroup and tree scopes: the processes this tracker follows count as the target's too,
  // wherever they went (harness/census/proctrack.h). nullptr: membership alone.
  const ProcTracker* tracker = nullptr;
};

struct CensusOptions {
  std::vector<std::string> slab_caches;  // empty: default_slab_caches()
  bool system = true;                    // also read system metrics (sys.*)
};

class Census {
 public:
  virtual ~Census() = default;
  virtual const char* backend() const = 0;  // "bpf" or "procfs"
  // Column names, fixed for the life of the object: catalogue metrics then sys.slab.<cache>.
  const std::vector<std::string>& metrics() const { return names_; }
  // Why a column cannot be measured by this backend here ("" when it can).
  const std::vector<std::string>& unavailable() const { return unavailable_; }
  // One reading; values[i] for metrics()[i], NaN where unavailable. Returns false and sets
  // err on a failure that makes the whole reading worthless.
  virtual bool sample(std::vector<double>& values, std::string& err) = 0;

 protected:
  std::vector<std::string> names_;
  std::vector<std::string> unavailable_;
};

enum class CensusBackend { Auto, Bpf, Procfs };

// Checks the scope names something that exists now (the pid lives, the cgroup is a cgroup v2
// directory). Returns false with a one-line error naming it otherwise.
bool check_census_scope(const CensusScope& scope, std::string& err);

// Makes a census. Auto tries BPF and falls back to procfs (the reason goes to `note`).
// Returns nullptr and sets err when neither can run.
std::unique_ptr<Census> make_census(CensusBackend b, const CensusScope& scope, const CensusOptions& opts,
                                    std::string& err, std::string& note);

}  // namespace lg
