// SPDX-License-Identifier: MIT
#include "harness/run/sampler.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <ctime>

#include "harness/base/clock.h"
#include "harness/base/fs.h"
#include "harness/base/metrics.h"
#include "harness/census/census.h"
#include "harness/run/sample_store.h"
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
  if (const std::vector<TargetMap>* maps = ok ? census_.target_maps() : nullptr) {
    std::lock_guard<std::mutex> l(mu_);
    note_maps(*maps, t);
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
    for (auto& x : maps_)
      if (x.id == m.id) r = &x;
    if (!r) {
      maps_.emplace_back();
      r = &maps_.back();
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

double Sampler::latest(int metric) const { return metric < 0 ? kUnavailable : store_.latest((size_t)metric); }

bool Sampler::stable(const std::vector<int>& cols, double since, double window) const {
  return store_.stable(cols, since, window);
}

std::vector<MapRecord> Sampler::maps() const {
  std::lock_guard<std::mutex> l(mu_);
  return maps_;
}

std::string Sampler::first_error() const {
  std::lock_guard<std::mutex> l(mu_);
  return first_error_;
}

}  // namespace lg
