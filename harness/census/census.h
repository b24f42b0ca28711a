// SPDX-License-Identifier: MIT
#pragma once
// The census: one reading of every metric for a target (pid or cgroup) and the system.
// Two backends: BPF iterators (census_bpf.cc + bpf/census.bpf.c) and procfs (census_procfs.cc).
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "harness/base/backend.h"
#include "harness/base/metrics.h"

namespace lg {

struct CensusScope {
  enum Kind { Pid, Cgroup, System } kind = System;
  pid_t pid = 0;       // Pid: this process (all its threads) and its zombie children
  std::string cgroup;  // Cgroup: absolute path of a cgroup v2 directory
  // Process-tree fallback when cgroup v2 is missing: the target's main pid; its descendants
  // (found from /proc/*/stat ppid chains) count as the target.
  pid_t tree_root = 0;
};

struct CensusOptions {
  std::vector<std::string> slab_caches;  // empty: default_slab_caches()
  bool system = true;                    // also read system metrics (sys.*)
};

class Census {
 public:
  virtual ~Census() = default;
  virtual Backend kind() const = 0;                             // Bpf or Procfs
  const char* backend() const { return backend_name(kind()); }  // "bpf" or "procfs"
  // Column names, fixed for the life of the object: the whole catalogue in MetricId order (the
  // column of a catalogue metric is its id), then sys.slab.<cache> for each configured cache.
  const std::vector<std::string>& metrics() const { return names_; }
  // Why a column cannot be measured by this backend here ("" when it can).
  const std::vector<std::string>& unavailable() const { return unavailable_; }
  // One reading; values[i] for metrics()[i], NaN where unavailable. Returns false and sets
  // err on a failure that makes the whole reading worthless.
  virtual bool sample(std::vector<double>& values, std::string& err) = 0;

 protected:
  // Backends store what they measured through these: a column this census cannot measure here
  // stays NaN whatever is stored.
  void set(std::vector<double>& values, MetricId id, double v) const { set_column(values, static_cast<size_t>(id), v); }
  void set_column(std::vector<double>& values, size_t column, double v) const {
    if (unavailable_[column].empty()) values[column] = v;
  }
  bool measurable(MetricId id) const { return unavailable_[static_cast<size_t>(id)].empty(); }
  // The column of the i-th configured slab cache (sys.slab.<cache>), after the catalogue.
  static size_t slab_column(size_t i) { return kMetricCount + i; }
  bool any_slab_measurable() const {
    for (size_t c = kMetricCount; c < unavailable_.size(); c++)
      if (unavailable_[c].empty()) return true;
    return false;
  }

  std::vector<std::string> names_;
  std::vector<std::string> unavailable_;
};

// Checks the scope names something that exists now (the pid lives, the cgroup is a cgroup v2
// directory). Returns false with a one-line error naming it otherwise.
bool check_census_scope(const CensusScope& scope, std::string& err);

// Makes a census. Auto tries BPF and falls back to procfs (the reason goes to `note`).
// Returns nullptr and sets err when neither can run.
std::unique_ptr<Census> make_census(Backend b, const CensusScope& scope, const CensusOptions& opts, std::string& err,
                                    std::string& note);

}  // namespace lg
