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
                                           Behaviour::Residue,  Behaviour::CappedGrowth};
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
    case Behaviour::CappedGrowth: return "capped-growth (map fills up)";
  }
  return "?";
}

bool should_fail(Behaviour b) {
  switch (b) {
    case Behaviour::SteadyLeak:
    case Behaviour::SlowLeak:
    case Behaviour::LateLeak:
    case Behaviour::BurstyLeak:
    case Behaviour::Residue:
    case Behaviour::CappedGrowth: return true;
    default: return false;
  }
}

Series make_series(Behaviour b, uint64_t seed, const Params& p) {
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + (uint64_t)b);
  auto uni = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); };
  std::normal_distribution<double> gauss(0, 1);
  // The sample-by-sample draws (noise, spikes, in-flight work, which events leak) come from
  // `rng` too unless noise_seed asks for a stream of their own: then two series of one seed
  // share their shape and differ in everything else, like two runs of one version.
  std::mt19937_64 own_noise(p.noise_seed * 0xD1B54A32D192ED03ull + (uint64_t)b + 1);
  std::mt19937_64& nrng = p.noise_seed ? own_noise : rng;
  auto nuni = [&](double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(nrng); };

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
  const double map_max = 4096;
  double fill_per_event = map_max / (uni(0.1, 0.6) * p.events), map_base = std::round(uni(0, 200));
  double rss_base = std::round(uni(8, 64)) * 1024 * 1024, cpu_per_event = uni(2e-6, 5e-5);
  double events_total = p.events;
  if (b == Behaviour::Sawtooth && p.saw_end_phase >= 0) {
    saw_phase = 0;  // a collector's garbage starts at nothing, before the churn
    double now = std::fmod(p.events / saw_period + saw_phase, 1.0);
    events_total += std::fmod(p.saw_end_phase - now + 1, 1.0) * saw_period;
  }

  Series s;
  // target.*: what the target's churn created that is alive (the kernel objects of `kern`,
  // the maps it holds), as the creation tracker counts it; other tenants never move it.
  for (MetricId id :
       {MetricId::fd_total, MetricId::proc_threads, MetricId::proc_zombies, MetricId::bpf_maps, MetricId::sys_netns,
        MetricId::sys_bpf_maps, MetricId::sys_bpf_progs, MetricId::sys_bpf_links, MetricId::proc_rss_bytes,
        MetricId::proc_cpu_seconds, MetricId::bpf_map_entries, MetricId::bpf_map_fill, MetricId::bpf_maps_full,
        MetricId::target_netns, MetricId::target_bpf_maps, MetricId::target_bpf_progs, MetricId::target_bpf_links}) {
    s.metrics.push_back(metric_name(id));
    s.units.push_back(metric_info(id).unit);
  }
  s.unavailable.assign(s.metrics.size(), "");
  s.unavailable[7] = "synthetic: not measured";
  s.unavailable[16] = "synthetic: not measured";
  s.event_kinds = {p.kind};
  s.values.assign(s.metrics.size(), {});
  s.events.assign(1, {});

  double churn_start = p.warmup;
  double dt = p.sample_interval;
  double e = 0, leaked = 0, kernel_leaked = 0, churn_end = -1;
  std::vector<std::pair<double, double>> history;  // (t, events) for deferred teardown
  double threads = std::round(uni(2, 8)), maps = std::round(uni(0, 4));
  if (b == Behaviour::CappedGrowth) maps = std::max(1.0, maps);
  double cpu = uni(0.05, 0.5), entries = map_base, full_at = -1;
  for (long i = 0;; i++) {
    double t = i * dt;
    bool churning = t > churn_start && churn_end < 0;
    double before = e;
    if (churning) {
      e = std::min(events_total, e + std::round(p.event_rate * dt * nuni(0.5, 1.5)));
      if (e >= events_total) churn_end = t;
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
      case Behaviour::Sawtooth:
        target = std::floor(std::fmod(e / saw_period + saw_phase, 1.0) * saw_amp) +
                 std::floor(p.trough_rise * e / events_total);
        break;
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
          for (double k = 0; k < fresh; k++) leaked += nuni(0, 1) < leak_p;
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
      case Behaviour::CappedGrowth:
        entries = std::min(map_max, map_base + std::floor(e * fill_per_event));
        if (entries >= map_max && full_at < 0) full_at = t;
        break;
    }
    cpu += fresh * cpu_per_event + dt * 0.001;

    double noise = std::round(gauss(nrng) * p.noise);
    double spike = nuni(0, 1) < spike_p ? std::round(nuni(1, 30)) : 0;
    double inflight = churning ? std::round(nuni(0, 3)) : 0;
    s.t.push_back(t);
    s.events[0].push_back(e);
    s.values[0].push_back(std::max(0.0, base + target + noise + spike + inflight));
    s.values[1].push_back(threads + (churning ? std::round(nuni(0, 1)) : 0));
    s.values[2].push_back(nuni(0, 1) < 0.01 ? 1 : 0);  // a child between exit and reap
    s.values[3].push_back(maps);
    s.values[4].push_back(sys_base + kern + (churning ? std::round(nuni(0, 2)) : 0));
    s.values[5].push_back(3);
    s.values[6].push_back(5);
    s.values[7].push_back(kUnavailable);
    // RSS: allocator noise of a few pages, and now and then a 64 KiB arena step back and forth.
    s.values[8].push_back(rss_base + std::round(gauss(rng) * 4) * 4096 + (uni(0, 1) < 0.02 ? 65536 : 0));
    s.values[9].push_back(cpu);
    s.values[10].push_back(entries);
    s.values[11].push_back(entries / map_max);
    s.values[12].push_back(entries >= map_max ? 1 : 0);
    s.values[13].push_back(kern);
    s.values[14].push_back(maps);
    s.values[15].push_back(0);
    s.values[16].push_back(kUnavailable);
  }
  if (b == Behaviour::CappedGrowth) {
    MapRecord m;
    m.id = 17;
    m.name = "pid_events";
    m.type = "hash";
    m.max_entries = map_max;
    m.peak_entries = entries;
    m.full_at = full_at;
    m.peak_t = full_at;
    m.can_fill = true;
    s.maps.push_back(m);
  }

  s.stop = s.t.back();
  s.settle_end = s.stop + p.settle;
  s.phases = {{"warmup", 0, churn_start, false},
              {"churn", churn_start, churn_end, true},
              {"cooldown", churn_end, s.stop, false}};
  s.pre_launch.assign(s.metrics.size(), kUnavailable);
  s.pre_launch[4] = sys_base, s.pre_launch[5] = 3, s.pre_launch[6] = 5;
  s.pre_launch[13] = 0, s.pre_launch[14] = 0, s.pre_launch[15] = 0;
  // After the target exits its fds close; only what the kernel keeps alive on its own stays.
  s.post_settle.assign(s.metrics.size(), kUnavailable);
  s.post_settle[4] = sys_base + kernel_leaked, s.post_settle[5] = 3, s.post_settle[6] = 5;
  s.post_settle[13] = kernel_leaked, s.post_settle[14] = 0, s.post_settle[15] = 0;
  return s;
}

}  // namespace lg::synth
