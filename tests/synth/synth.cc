// SPDX-License-Identifier: MIT
// Synthetic series: each behaviour is a count of "extra" objects as a function of the
// cumulative events and time, on top of a base level, integer noise, spikes and the
// transient fds of in-flight work. Random shape parameters per seed make each series differ.
#include "tests/synth/synth.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "harness/base/metrics.h"

namespace lg::synth {

const std::vector<Behaviour>& all_behaviours() {
  static const std::vector<Behaviour> v = {Behaviour::Flat,     Behaviour::StartupStep,      Behaviour::BoundedCache,
                                           Behaviour::Sawtooth, Behaviour::DeferredTeardown, Behaviour::SteadyLeak,
                                           Behaviour::SlowLeak, Behaviour::LateLeak,         Behaviour::BurstyLeak,
                                           Behaviour::Residue};
  return v;
}

const char* behaviour_name(Behaviour b) {
  switch (b) {
    case Behaviour::Flat: return "flat";
    case Behaviour::StartupStep: return "startup-step";
    case Behaviour::BoundedCache: return "bounded-cache";
    case Behaviour::Sawtooth: return "sawtooth";
    case Behaviour::DeferredTeardown: return "deferred-teardown";
    case Behaviour::SteadyLeak: return "steady-leak";
    case Behaviour::SlowLeak: return "slow-leak";
    case Behaviour::LateLeak: return "late-leak";
    case Behaviour::BurstyLeak: return "bursty-leak";
    case Behaviour::Residue: return "residue";
  }
  return "?";
}

bool should_fail(Behaviour b) {
  switch (b) {
    case Behaviour::SteadyLeak:
    case Behaviour::SlowLeak:
    case Behaviour::LateLeak:
    case Behaviour::BurstyLeak:
    case Behaviour::Residue: return true;
    default: return false;
  }
}

Series make_series(Behaviour b, uint64_t seed, const Params& p) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + (uint64_t)b);
  auto uni = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  std::normal_distribution<double> gauss(0, 1);

  // Shape parameters of this series.
  double base = std::round(uni(20, 60)), sys_base = std::round(uni(1, 10));
  double step = std::round(uni(5, 30)), step_t = uni(0.2, p.warmup * 0.9);
  double step_e = uni(1, p.events * 0.02);
  bool step_in_warmup = uni(0, 1) < 0.5;
  double cap = std::round(uni(20, 200)), cap_at = uni(0.1, 0.4) * p.events;
  double saw_period = uni(200, 1000), saw_amp = uni(10, 100), saw_phase = uni(0, 1);
  double delay = uni(1, 4);
  double leak_p = p.leak_per_event > 0 ? p.leak_per_event : uni(0.005, 0.1);
  double slow_rate = p.leak_per_event > 0 ? p.leak_per_event : 0.001;
  double phase = uni(0, 1);
  double late_start = uni(200, 800), late_rate = p.leak_per_event > 0 ? p.leak_per_event : uni(0.003, 0.05);
  double burst_every = std::round(uni(200, 500)), burst = std::round(uni(3, 10));
  if (p.leak_per_event > 0) burst = std::max(1.0, std::round(p.leak_per_event * burst_every));
  if (p.leak_per_event > 0) burst_every = burst / p.leak_per_event;
  double residue_rate = uni(0.002, 0.02);
  double spike_p = 0.005;

  Series s;
  for (MetricId id : {MetricId::fd_total, MetricId::proc_threads, MetricId::proc_zombies, MetricId::bpf_maps,
                      MetricId::sys_netns, MetricId::sys_bpf_maps, MetricId::sys_bpf_progs, MetricId::sys_bpf_links}) {
    s.metrics.push_back(metric_name(id));
    s.units.push_back(metric_info(id).unit);
  }
  s.unavailable.assign(s.metrics.size(), "");
  s.unavailable[7] = "synthetic: not measured";
  s.event_kinds = {p.kind};
  s.values.assign(s.metrics.size(), {});
  s.events.assign(1, {});

  double churn_start = p.warmup;
  double dt = p.sample_interval;
  double e = 0, leaked = 0, kernel_leaked = 0, churn_end = -1;
  std::vector<std::pair<double, double>> history;  // (t, events) for deferred teardown
  double threads = std::round(uni(2, 8)), maps = std::round(uni(0, 4));
  for (long i = 0;; i++) {
    double t = i * dt;
    bool churning = t > churn_start && churn_end < 0;
    double before = e;
    if (churning) {
      e = std::min(p.events, e + std::round(p.event_rate * dt * uni(0.5, 1.5)));
      if (e >= p.events) churn_end = t;
    }
    double fresh = e - before;
    history.push_back({t, e});
    double stop_at = churn_end >= 0 ? churn_end + p.cooldown : -1;
    if (stop_at >= 0 && t > stop_at + 1e-9) break;

    // Objects this behaviour adds, held by the target (target) and alive in the kernel (kern).
    double target = 0, kern = 0;
    switch (b) {
      case Behaviour::Flat: break;
      case Behaviour::StartupStep: target = (step_in_warmup ? t >= step_t : e >= step_e) ? step : 0; break;
      case Behaviour::BoundedCache: target = std::min(cap, std::floor(e * cap / cap_at)); break;
      case Behaviour::Sawtooth: target = std::floor(std::fmod(e / saw_period + saw_phase, 1.0) * saw_amp); break;
      case Behaviour::DeferredTeardown: {
        double e_then = 0;  // events up to t - delay
        for (auto it = history.rbegin(); it != history.rend(); ++it)
          if (it->first <= t - delay) {
            e_then = it->second;
            break;
          }
        kern = e - e_then;  // the target closed its fds at once; the kernel frees later
        break;
      }
      case Behaviour::SteadyLeak:
        if (p.leak_per_event > 0) {
          leaked = std::floor(e * leak_p + phase);
        } else {
          for (double k = 0; k < fresh; k++) leaked += uni(0, 1) < leak_p;
        }
        target = kern = leaked;
        break;
      case Behaviour::SlowLeak: target = kern = std::floor(e * slow_rate + phase); break;
      case Behaviour::LateLeak:
        target = kern = e > late_start ? std::floor((e - late_start) * late_rate + phase) : 0;
        break;
      case Behaviour::BurstyLeak: target = kern = std::floor(e / burst_every + phase) * burst; break;
      case Behaviour::Residue:
        kernel_leaked = std::floor(e * residue_rate + phase);
        kern = kernel_leaked;
        break;
    }

    double noise = std::round(gauss(rng) * p.noise);
    double spike = uni(0, 1) < spike_p ? std::round(uni(1, 30)) : 0;
    double inflight = churning ? std::round(uni(0, 3)) : 0;
    s.t.push_back(t);
    s.events[0].push_back(e);
    s.values[0].push_back(std::max(0.0, base + target + noise + spike + inflight));
    s.values[1].push_back(threads + (churning ? std::round(uni(0, 1)) : 0));
    s.values[2].push_back(uni(0, 1) < 0.01 ? 1 : 0);  // a child between exit and reap
    s.values[3].push_back(maps);
    s.values[4].push_back(sys_base + kern + (churning ? std::round(uni(0, 2)) : 0));
    s.values[5].push_back(3);
    s.values[6].push_back(5);
    s.values[7].push_back(kUnavailable);
  }

  s.stop = s.t.back();
  s.settle_end = s.stop + p.settle;
  s.phases = {{"warmup", 0, churn_start, false},
              {"churn", churn_start, churn_end, true},
              {"cooldown", churn_end, s.stop, false}};
  s.pre_launch = {kUnavailable, kUnavailable, kUnavailable, kUnavailable, sys_base, 3, 5, kUnavailable};
  // After the target exits its fds close; only what the kernel keeps alive on its own stays.
  s.post_settle = {kUnavailable, kUnavailable, kUnavailable, kUnavailable, sys_base + kernel_leaked, 3, 5,
                   kUnavailable};
  return s;
}

}  // namespace lg::synth
