// SPDX-License-Identifier: MIT
#pragma once
// Attribution for one scenario run: the tracker (tracker.h) started before launch, a census
// wrapper that adds the target-owned residue columns (target.*) and keeps each site's count
// over time, the snapshots at the end of the run and after settle, and from them one
// Diagnosis per attributable metric ("where they come from"), symbolised with libdw.
// attribution.json is the serialised form; `leakguard judge` reads it back.
#include <sys/types.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "harness/attrib/tracker.h"
#include "harness/base/diagnosis.h"
#include "harness/base/run_result.h"
#include "harness/base/series.h"
#include "harness/census/census.h"

namespace lg {

struct AttributionOptions {
  std::string cgroup;  // the target's cgroup v2 directory, or "" with tree = true
  bool tree = false;
  bool syscalls = true;                 // record creations (attribution on); false: residue fallback only
  std::string exe;                      // the target's executable, to fill its unwind rules before launch
  std::vector<std::string> debug_dirs;  // extra debug-info directories for the symboliser
};

// The target.* metrics the tracker measures.
const std::vector<std::string>& tracker_metrics();
// Metrics a Diagnosis can be made for.
bool attributable(const std::string& metric);

class Attribution {
 public:
  static std::unique_ptr<Attribution> start(const AttributionOptions& o, std::string& err);
  void add_root(pid_t pid) { tracker_->add_root(pid); }
  // `inner` plus the target.* columns; every sample also takes a snapshot. The returned
  // census must not outlive this object. t0: the run's time origin (monotonic seconds).
  std::unique_ptr<Census> wrap(std::unique_ptr<Census> inner, double t0);
  // Without a tracker: `inner` plus the target.* columns, unavailable for `why`.
  static std::unique_ptr<Census> without(std::unique_ptr<Census> inner, const std::string& why);
  // What the target holds at the end of the last phase (before it is stopped), and what the
  // target's objects left behind after settle. t: seconds since launch.
  void mark_end(double t);
  void mark_residue(double t);
  // One Diagnosis for each metric of `metrics` that has objects to explain. Symbolises.
  std::vector<Diagnosis> diagnose(const std::vector<std::string>& metrics, const Series& s);
  // Words for the run's backend note ("attribution on: tracker loaded in 0.41 s").
  std::string note() const;
  bool records() const { return tracker_->syscalls(); }

 private:
  explicit Attribution(const AttributionOptions& o) : opts_(o) {}
  friend class AttribCensus;
  bool take(double t, Snapshot& out, std::string& err);
  // A snapshot at t into `into` and `have` set; both left as they were when none could be taken.
  void keep(double t, Snapshot& into, bool& have);
  void fill_columns(const Snapshot& s, std::vector<double>& v, const std::vector<std::string>& names);
  Diagnosis diagnose_one(const std::string& metric, const Series& s, class Symbolizer& sym);

  AttributionOptions opts_;
  std::unique_ptr<Tracker> tracker_;
  std::mutex mu_;  // snapshots come from the sampler thread and the run's thread
  Snapshot end_, residue_;
  bool have_end_ = false, have_residue_ = false;
  // Site counts over time: (category, stack or map id) -> count, about once a second.
  struct Point {
    double t;
    std::map<std::pair<int, uint64_t>, uint64_t> counts;
  };
  std::vector<Point> timeline_;
  // Residue fallback without creation records: objects seen held by the target.
  std::map<uint64_t, bool> seen_held_;  // (kind << 32 | id)
  std::string last_error_;
};

// attribution.json: every Diagnosis with full frames. Reading returns false with `err`.
std::string attribution_json(const std::vector<Diagnosis>& d, const std::string& note);
bool read_attribution_json(const std::string& path, std::vector<Diagnosis>& out, std::string& err);

// Puts `d` into `into`: appended, or its sites merged into the Diagnosis for the same metric
// (the ghost diagnosis of zombies and attribution share one).
void merge_diagnosis(std::vector<Diagnosis>& into, Diagnosis d);
// Merges into r.diagnoses the diagnoses of the metrics whose check failed.
void attach_diagnoses(RunResult& r, const std::vector<Diagnosis>& ds);

}  // namespace lg
