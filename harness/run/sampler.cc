// SPDX-License-Identifier: MIT
#include "harness/run/sampler.h"

#include <ctime>

#include "harness/base/clock.h"
#include "harness/base/fs.h"
#include "harness/base/metrics.h"
#include "harness/census/census.h"
#include "harness/workloads/workload.h"

namespace lg {

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

Sampler::Sampler(Census& c, Series& series, const EventBoard& board, double t0, double interval)
    : census_(c), s_(series), board_(board), t0_(t0), interval_(interval > 0 ? interval : 0.1) {
  if (s_.values.size() < s_.metrics.size()) s_.values.resize(s_.metrics.size());
  if (s_.events.size() < s_.event_kinds.size()) s_.events.resize(s_.event_kinds.size());
}

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
  std::lock_guard<std::mutex> l(mu_);
  if (!ok || v.size() != s_.metrics.size()) {
    // A failed reading is a gap (NaN), never a zero.
    if (failures_++ == 0) first_error_ = ok ? "census returned a short reading" : err;
    v.assign(s_.metrics.size(), kUnavailable);
  }
  s_.t.push_back(t);
  for (size_t i = 0; i < v.size(); i++) s_.values[i].push_back(v[i]);
  for (size_t k = 0; k < ev.size() && k < s_.events.size(); k++) s_.events[k].push_back(ev[k]);
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

double Sampler::latest(int metric) const {
  std::lock_guard<std::mutex> l(mu_);
  if (metric < 0 || (size_t)metric >= s_.values.size() || s_.values[metric].empty()) return kUnavailable;
  return s_.values[metric].back();
}

bool Sampler::stable(const std::vector<int>& cols, double since, double window) const {
  std::lock_guard<std::mutex> l(mu_);
  if (s_.t.empty() || s_.t.back() - since < window) return false;
  double from = s_.t.back() - window;
  size_t first = s_.t.size();
  while (first > 0 && s_.t[first - 1] >= from) first--;
  if (first == 0 || s_.t[first - 1] < since) return false;  // need a sample at window start
  first--;
  for (int c : cols) {
    const auto& col = s_.values[c];
    for (size_t i = first + 1; i < col.size(); i++) {
      bool a = available(col[i]), b = available(col[first]);
      if (a != b || (a && col[i] != col[first])) return false;
    }
  }
  return true;
}

std::string Sampler::first_error() const {
  std::lock_guard<std::mutex> l(mu_);
  return first_error_;
}

}  // namespace lg
