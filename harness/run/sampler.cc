// SPDX-License-Identifier: MIT
#include "harness/run/sampler.h"

#include <ctime>

#include "harness/base/fs.h"
#include "harness/base/metrics.h"
#include "harness/census/census.h"
#include "harness/run/sample_store.h"
#include "harness/workloads/workload.h"

namespace lg {

double monotonic_seconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

void EventBoard::add(size_t kind, const Workload* w) {
  std::lock_guard<std::mutex> l(mu_);
  live_[kind].push_back(w);
}

void EventBoard::finish(size_t kind, const Workload* w) {
  std::lock_guard<std::mutex> l(mu_);
  auto& v = live_[kind];
  for (size_t i = 0; i < v.size(); i++)
    if (v[i] == w) {
      done_[kind] += w->events();
      v.erase(v.begin() + i);
      return;
    }
}

std::vector<double> EventBoard::snapshot() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<double> out(done_.size());
  for (size_t k = 0; k < done_.size(); k++) {
    uint64_t n = done_[k];
    for (const Workload* w : live_[k]) n += w->events();
    out[k] = (double)n;
  }
  return out;
}

Sampler::Sampler(Census& c, SampleStore& store, const EventBoard& board, double t0, double interval)
    : census_(c),
      store_(store),
      columns_(c.metrics().size()),
      board_(board),
      t0_(t0),
      interval_(interval > 0 ? interval : 0.1) {}

void Sampler::start() {
  thread_ = std::thread([this] { loop(); });
}

void Sampler::stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Sampler::sample_now() {
  std::vector<double> v;
  std::string err;
  bool ok = census_.sample(v, err);
  std::vector<double> ev = board_.snapshot();
  double t = monotonic_seconds() - t0_;
  if (!ok || v.size() != columns_) {
    // A failed reading is a gap (NaN), never a zero.
    std::lock_guard<std::mutex> l(mu_);
    if (failures_++ == 0) first_error_ = ok ? "census returned a short reading" : err;
    v.assign(columns_, kUnavailable);
  }
  store_.append(t, v, ev);
}

void Sampler::loop() {
  // Absolute deadlines so a slow reading does not stretch the interval for good.
  double next = monotonic_seconds();
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_) {
    l.unlock();
    sample_now();
    next += interval_;
    double now = monotonic_seconds();
    if (next < now) next = now;  // fell behind: skip, do not burst
    l.lock();
    cv_.wait_for(l, std::chrono::duration<double>(next - now), [this] { return stop_; });
  }
}

double Sampler::latest(int metric) const { return metric < 0 ? kUnavailable : store_.latest((size_t)metric); }

bool Sampler::stable(const std::vector<int>& cols, double since, double window) const {
  return store_.stable(cols, since, window);
}

std::string Sampler::first_error() const {
  std::lock_guard<std::mutex> l(mu_);
  return first_error_;
}

}  // namespace lg
