// SPDX-License-Identifier: MIT
#include "harness/workloads/pace.h"

#include <time.h>

#include <algorithm>
#include <cerrno>

#include "harness/base/clock.h"

namespace lg {

Churn churn_of(const Params& p) {
  Churn c;
  c.count = (uint64_t)std::max<int64_t>(0, p.count("count"));
  c.rate = p.number("rate");
  c.concurrency = (uint64_t)std::max<int64_t>(1, p.count("concurrency"));
  return c;
}

std::vector<FieldSpec> churn_fields(std::vector<FieldSpec> before, const ChurnWords& w, std::vector<FieldSpec> after) {
  std::vector<FieldSpec> out = std::move(before);
  std::string things = w.things;
  out.push_back({"count",
                 FieldType::Count,
                 w.count,
                 things + " to " + w.verb + (w.count_zero ? " (0: until the phase ends)" : ""),
                 {},
                 w.count_zero ? 0 : 1});
  out.push_back({"rate", FieldType::Rate, w.rate,
                 std::string(w.per_second) + " per second" + (*w.rate ? "" : " (absent: as fast as possible)")});
  if (w.concurrency)
    out.push_back({"concurrency", FieldType::Count, w.concurrency, things + " " + w.alive + " at once, at most"});
  for (auto& f : after) out.push_back(std::move(f));
  return out;
}

Pacer::Pacer(uint64_t count, double rate, const std::atomic<bool>* stop)
    : count_(count), rate_(rate), start_(monotonic_seconds()), stop_(stop) {}

bool Pacer::take(double& due) {
  if (stopped()) return false;
  uint64_t i = next_.fetch_add(1, std::memory_order_relaxed);
  if (count_ && i >= count_) return false;
  due = rate_ > 0 ? start_ + (double)i / rate_ : 0;
  return true;
}

bool Pacer::next() {
  double due;
  return take(due) && sleep_until(due, *this);
}

bool sleep_until(double t, const Pacer& p) {
  // Slices bound how late a stop is noticed; 20 ms costs ~50 wakeups/s only while waiting.
  constexpr double kSlice = 0.02;
  for (;;) {
    if (p.stopped()) return false;
    double now = monotonic_seconds();
    if (now >= t) return true;
    double until = t - now > kSlice ? now + kSlice : t;
    timespec ts;
    ts.tv_sec = (time_t)until;
    ts.tv_nsec = (long)((until - (double)ts.tv_sec) * 1e9);
    if (ts.tv_nsec >= 1000000000L) ts.tv_sec++, ts.tv_nsec -= 1000000000L;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
    }
  }
}

}  // namespace lg
