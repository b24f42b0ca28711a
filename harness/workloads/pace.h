// SPDX-License-Identifier: MIT
#pragma once
// Pacing shared by the worker threads of one workload: event i is due at start + i/rate.
// An absolute schedule keeps the long-run rate exact (late events do not push later ones),
// and one ticket counter keeps the total count exact however many workers there are.
#include <atomic>
#include <cstdint>
#include <vector>

#include "harness/base/params.h"

namespace lg {

// The fields of every kind that paces events: how many, how fast, how many alive at once.
struct Churn {
  uint64_t count = 0;        // 0: until the phase ends
  double rate = 0;           // per second; 0: as fast as possible
  uint64_t concurrency = 1;  // at least 1
};
// count, rate and concurrency as the kind's fields give them (churn_fields declares them).
Churn churn_of(const Params& p);

// A kind's own words and defaults for its churn fields, from which churn_fields writes them:
//   count        "<things> to <verb>", and " (0: until the phase ends)" when count 0 is allowed
//   rate         "<per_second> per second", and " (absent: as fast as possible)" without a default
//   concurrency  "<things> <alive> at once, at most"; no such field when `concurrency` is nullptr
struct ChurnWords {
  const char* things;                 // "namespaces"
  const char* verb;                   // "create"
  const char* per_second;             // "creations"
  const char* alive = nullptr;        // "alive", "open"
  const char* count;                  // the default count: "1000"
  const char* concurrency = nullptr;  // the default concurrency: "64"; nullptr: the kind has no such field
  const char* rate = "";              // the default rate: "" (absent: as fast as possible), "10/s"
  bool count_zero = true;             // count 0 is allowed and runs until the phase ends
};
// A kind's fields in their listed order: `before`, then count, rate and concurrency, then `after`.
std::vector<FieldSpec> churn_fields(std::vector<FieldSpec> before, const ChurnWords& w, std::vector<FieldSpec> after);

class Pacer {
 public:
  // count 0: no limit (until stopped); rate <= 0: as fast as possible.
  Pacer(uint64_t count, double rate, const std::atomic<bool>* stop);

  // Takes the next ticket; `due` is when its event may start (monotonic_seconds() time).
  // Returns false when the count is used up or the workload must stop.
  bool take(double& due);
  // Takes the next ticket and sleeps until its event is due; false when the count is used up or
  // the workload must stop.
  bool next();
  // Ends the workload early (an error in one worker stops all of them).
  void abort() { abort_.store(true, std::memory_order_relaxed); }
  bool stopped() const {
    return abort_.load(std::memory_order_relaxed) || (stop_ && stop_->load(std::memory_order_relaxed));
  }
  double start() const { return start_; }
  uint64_t count() const { return count_; }
  double rate() const { return rate_; }

 private:
  uint64_t count_;
  double rate_;
  double start_;
  const std::atomic<bool>* stop_;
  std::atomic<uint64_t> next_{0};
  std::atomic<bool> abort_{false};
};

// Sleeps until monotonic_seconds() >= t, waking every 20 ms to look at the stop flags.
// Returns false when stopped before t.
bool sleep_until(double t, const Pacer& p);

}  // namespace lg
