// SPDX-License-Identifier: MIT
#pragma once
// Pacing shared by the worker threads of one workload: event i is due at start + i/rate.
// An absolute schedule keeps the long-run rate exact (late events do not push later ones),
// and one ticket counter keeps the total count exact however many workers there are.
#include <atomic>
#include <cstdint>

#include "harness/base/params.h"

namespace lg {

// The fields of every kind that paces events: how many, how fast, how many alive at once.
struct Churn {
  uint64_t count = 0;        // 0: until the phase ends
  double rate = 0;           // per second; 0: as fast as possible
  uint64_t concurrency = 1;  // at least 1
};
// count, rate and concurrency as the kind's fields give them (each kind declares them, with
// its own defaults).
Churn churn_of(const Params& p);

class Pacer {
 public:
  // count 0: no limit (until stopped); rate <= 0: as fast as possible.
  Pacer(uint64_t count, double rate, const std::atomic<bool>* stop);

  // Takes the next ticket; `due` is when its event may start (monotonic_seconds() time).
  // Returns false when the count is used up or the workload must stop.
  bool take(double& due);
  // Ends the workload early (an error in one worker stops all of them).
  void abort() { abort_.store(true, std::memory_order_relaxed); }
  bool stopped() const {
    return abort_.load(std::memory_order_relaxed) || (stop_ && stop_->load(std::memory_order_relaxed));
  }
  double start() const { return start_; }

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
