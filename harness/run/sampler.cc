// SPDX-License-Identifier: MIT
#include "harness/run/sampler.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <ctime>

#include "harness/base/fs.h"
#include "harness/base/metrics.h"
#include "harness/census/census.h"
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
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!ok || v.size() != s_.metrics.size()) {
      // A failed reading is a gap (NaN), never a zero.
      if (failures_++ == 0) first_error_ = ok ? "census returned a short reading" : err;
      v.assign(s_.metrics.size(), kUnavailable);
    }
    s_.t.push_back(t);
    for (size_t i = 0; i < v.size(); i++) s_.values[i].push_back(v[i]);
    if (const std::vector<TargetMap>* maps = ok ? census_.target_maps() : nullptr) note_maps(*maps, t);
    for (size_t k = 0; k < ev.size() && k < s_.events.size(); k++) s_.events[k].push_back(ev[k]);
  }
  if (after_) after_(census_, t, v);
}

void Sampler::with_census(const std::function<void(Census&)>& fn) {
  std::unique_lock<std::mutex> l(mu_);
  if (!thread_.joinable() || stop_) {
    l.unlock();
    fn(census_);
    return;
  }
  pending_ = &fn;
  pending_done_ = false;
  cv_.notify_all();
  cv_.wait(l, [this] { return pending_done_; });
}

void Sampler::run_pending(std::unique_lock<std::mutex>& l) {
  const std::function<void(Census&)>* job = pending_;
  l.unlock();
  (*job)(census_);
  l.lock();
  pending_ = nullptr;
  pending_done_ = true;
  cv_.notify_all();
}

void Sampler::note_maps(const std::vector<TargetMap>& maps, double t) {
  for (const auto& m : maps) {
    MapRecord* r = nullptr;
    for (auto& x : s_.maps)
      if (x.id == m.id) r = &x;
    if (!r) {
      s_.maps.emplace_back();
      r = &s_.maps.back();
      r->id = m.id;
      r->name = m.name;
      const char* type = libbpf_bpf_map_type_str((enum bpf_map_type)m.type);
      r->type = type ? type : "type " + std::to_string(m.type);
      r->max_entries = m.max_entries;
      r->can_fill = m.can_fill;
    }
    if (m.entries > r->peak_entries) {
      r->peak_entries = m.entries;
      r->peak_t = t;
    }
    if (m.can_fill && m.entries >= m.max_entries && r->full_at < 0) r->full_at = t;
  }
}

void Sampler::loop() {
  // Absolute deadlines so a slow reading does not stretch the interval for good.
  double next = monotonic_seconds();
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_) {
    if (pending_) {
      run_pending(l);
      continue;
    }
    double now = monotonic_seconds();
    if (now >= next) {
      l.unlock();
      sample_now();
      l.lock();
      next += interval_;
      now = monotonic_seconds();
      if (next < now) next = now;  // fell behind: skip, do not burst
    }
    cv_.wait_for(l, std::chrono::duration<double>(next - now), [this] { return stop_ || pending_; });
  }
  if (pending_) run_pending(l);  // asked for while we were stopping
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
