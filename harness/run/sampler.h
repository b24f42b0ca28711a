// SPDX-License-Identifier: MIT
#pragma once
// The sampling thread: one census reading every `interval` from launch to the end of settle,
// timestamped on CLOCK_MONOTONIC (seconds since launch), each with the cumulative event count
// of every workload kind of the scenario.
#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "harness/base/series.h"

namespace lg {

class Census;
class Workload;

// Cumulative events per kind: finished workloads' final counts plus live ones' counters.
class EventBoard {
 public:
  explicit EventBoard(size_t kinds) : done_(kinds, 0), live_(kinds) {}
  void add(size_t kind, const Workload* w);
  void finish(size_t kind, const Workload* w);  // keeps its count after it is gone
  std::vector<double> snapshot() const;

 private:
  mutable std::mutex mu_;
  std::vector<uint64_t> done_;
  std::vector<std::vector<const Workload*>> live_;
};

class Sampler {
 public:
  // `series` must have metrics/event_kinds set; rows are appended to it.
  Sampler(Census& c, Series& series, const EventBoard& board, double t0, double interval);
  ~Sampler() { stop(); }
  void start();
  void stop();
  // One reading appended now (also used for the last one after the thread stopped).
  void sample_now();
  // Latest value of a metric (NaN when none yet or not measured).
  double latest(int metric) const;
  // True when each of the metric columns `cols` kept the same value in every sample of the
  // last `window` seconds, all taken after `since` (seconds since launch).
  bool stable(const std::vector<int>& cols, double since, double window) const;
  size_t failures() const { return failures_; }
  std::string first_error() const;

 private:
  void loop();
  Census& census_;
  Series& s_;
  const EventBoard& board_;
  double t0_, interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
  size_t failures_ = 0;
  std::string first_error_;
};

}  // namespace lg
