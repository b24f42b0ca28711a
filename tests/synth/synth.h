// SPDX-License-Identifier: MIT
#pragma once
// Synthetic recorded runs for every behaviour the verdicts must classify (docs/verdicts.md).
// One copy, shared by tests/verdict and bench/verdict_accuracy, so the table in the docs and
// the unit tests judge the same shapes; test data, not part of the leakguard program (the
// library lg_synth is built with the tests or the benchmarks).
#include <cstdint>
#include <string>
#include <vector>

#include "harness/base/series.h"

namespace lg::synth {

enum class Behaviour {
  // Must pass.
  Flat,              // constant level with integer noise and rare spikes
  StartupStep,       // one step up during warm-up or the first 2% of events
  BoundedCache,      // grows with events up to a cap (reached by 10-40% of the churn), then flat
  Sawtooth,          // grows with events, trimmed back every period
  DeferredTeardown,  // kernel objects freed 1-4 s after the target drops them; gone after settle
  // Must fail.
  SteadyLeak,    // every event leaks with probability p (or a fixed rate when leak_per_event set)
  SlowLeak,      // 1 per 1,000 events (leak_per_event when set), at a random phase
  LateLeak,      // leaks only after the first 200-800 events
  BurstyLeak,    // a burst of objects every N events
  Residue,       // the target's fds are flat, but kernel objects survive its exit
  CappedGrowth,  // a map of the target gains entries with events until it is full, then stops
};

const std::vector<Behaviour>& all_behaviours();
const char* behaviour_name(Behaviour b);  // "flat", "startup-step", ...
bool should_fail(Behaviour b);

struct Params {
  std::string kind = "netns";                   // the workload's event kind
  double events = 5000;                         // events in the churn phase
  double event_rate = 200;                      // events per second (jittered per sample)
  double sample_interval = 0.1;                 // seconds
  double warmup = 2, cooldown = 6, settle = 3;  // seconds
  double noise = 2;                             // standard deviation of the integer noise on fd.total
  double leak_per_event = 0;                    // >0: exact leak rate for the leak behaviours (deterministic)
  // Sawtooth only: >= 0 makes it a garbage collector's: it starts from its trough (no garbage
  // before the churn) and the churn ends at this fraction of a cycle (0: just collected, 0.99:
  // at its peak), by adding events; the cool-down then freezes it there, as an idle collector
  // does. trough_rise > 0: the troughs rise by this much over the churn
  // (a leak under the sawtooth: the collector reclaims only part).
  double saw_end_phase = -1;
  double trough_rise = 0;
  // 0: every random draw comes from `seed`. Else the shape (levels, caps, periods, leak rate,
  // phase) comes from `seed` and the per-sample draws (noise, spikes, jitter, which events
  // leak) from noise_seed: two runs of the same version.
  uint64_t noise_seed = 0;
};

// The behaviour drives fd.total (target) and sys.netns (kernel objects, with pre-launch and
// post-settle census), or, for CappedGrowth, bpf.map_entries, bpf.map_fill and bpf.maps_full
// (a 4,096-entry hash map, recorded in Series::maps); proc.threads, proc.zombies, bpf.maps,
// proc.rss_bytes (with allocator noise) and sys.bpf_* are quiet, proc.cpu_seconds grows
// during churn, and sys.bpf_links is recorded as unavailable. Phases: "warmup" (no workloads), "churn"
// (workload `kind`), "cooldown" (no workloads); the target stops at the end of cooldown.
Series make_series(Behaviour b, uint64_t seed, const Params& p = {});

}  // namespace lg::synth
