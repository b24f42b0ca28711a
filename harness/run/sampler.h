// SPDX-License-Identifier: MIT
#pragma once
// The sampling thread: one census reading every `interval` from launch to the end of settle,
// timestamped on CLOCK_MONOTONIC (seconds since launch), each with the cumulative event count
// of every workload kind of the scenario.
#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "harness/base/series.h"

namespace lg {

class Census;
struct TargetMap;
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

class SampleStore;

class Sampler {
 public:
  // Readings go to `store` (harness/run/sample_store.h: every one on disk, a bounded copy in
  // its Series).
  Sampler(Census& c, SampleStore& store, const EventBoard& board, double t0, double interval);
  ~Sampler() { stop(); }
  void start();
  void stop();
  // One reading appended now (also used for the last one after the thread stopped).
  void sample_now();
  // Called after each reading with its time and values, in the thread that took it; the census
  // is passed for readings of its own (set before start()).
  void on_sample(std::function<void(Census&, double, const std::vector<double>&)> f) { after_ = std::move(f); }
  // Runs fn(census) in the sampling thread between two readings and waits for it (a Census is
  // not thread-safe); runs it here when the thread is not running.
  void with_census(const std::function<void(Census&)>& fn);
  // Latest value of a metric (NaN when none yet or not measured).
  double latest(int metric) const;
  // True when each of the metric columns `cols` kept the same value in every sample of the
  // last `window` seconds, all taken after `since` (seconds since launch).
  bool stable(const std::vector<int>& cols, double since, double window) const;
  size_t failures() const { return failures_; }
  std::string first_error() const;
  // The target's BPF maps seen so far (peak entries, when each filled), for Series::maps.
  std::vector<MapRecord> maps() const;

 private:
  void loop();
  void note_maps(const std::vector<TargetMap>& maps, double t);  // under mu_
  void run_pending(std::unique_lock<std::mutex>& l);
  Census& census_;
  SampleStore& store_;
  size_t columns_;
  const EventBoard& board_;
  double t0_, interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
  size_t failures_ = 0;
  std::string first_error_;
  std::function<void(Census&, double, const std::vector<double>&)> after_;
  const std::function<void(Census&)>* pending_ = nullptr;  // with_census's job, under mu_
  bool pending_done_ = false;
  std::vector<MapRecord> maps_;  // under mu_
};

}  // namespace lg
