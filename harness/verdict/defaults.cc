// SPDX-License-Identifier: MIT
// The checks applied when a scenario lists none (docs/verdicts.md, "Default checks").
//
// They must catch real leaks and never cry wolf on the behaviours in docs/verdicts.md
// (noise, start-up steps, bounded caches, sawtooth trimming, deferred teardown), so:
// - target metrics are judged by slope against the workload's own events, with the
//   persistence rule of judge_check (a bounded cache levels off and passes);
// - the limit is half of the "slow leak" we promise to catch (1 per 1,000 events), so that
//   leak is judged at twice the limit, where detection is measured at >= 99%;
// - min_growth 3: a slow leak over 5,000 events (+5) must clear it, noise never does;
// - kernel-wide objects are judged only by residue after settle: their live counts move
//   with deferred teardown and other processes, what is left after settle does not.
#include "harness/base/metrics.h"
#include "harness/verdict/check_type.h"
#include "harness/verdict/judge.h"

namespace lg {

namespace {

constexpr double kPerEventLimit = 0.5;  // per 1000 events
constexpr double kPerEventScale = 1000;
constexpr double kPerMinuteLimit = 1;  // per minute, when no workload runs
constexpr double kDefaultMinGrowth = 3;

Check check(const std::string& metric, CheckType type, double limit) {
  Check c;
  c.metric = metric;
  c.type = type;
  c.limit = limit;
  return c;
}

// The check in words, once it is complete.
Check worded(Check c) {
  c.text = describe_check(c);
  return c;
}

Check slope_per_event(const std::string& metric, const std::string& kind) {
  Check c = check(metric, CheckType::MaxSlope, kPerEventLimit / kPerEventScale);
  c.per_event = kind;
  c.per_event_scale = kPerEventScale;
  c.min_growth = kDefaultMinGrowth;
  return worded(c);
}

Check slope_per_time(const std::string& metric) {
  Check c = check(metric, CheckType::MaxSlope, kPerMinuteLimit / 60);
  c.per_time_unit = "min";
  c.min_growth = kDefaultMinGrowth;
  return worded(c);
}

Check residue(const std::string& metric) { return worded(check(metric, CheckType::MaxResidue, 0)); }

}  // namespace

std::vector<Check> default_checks(const std::vector<std::string>& event_kinds, bool has_target) {
  std::vector<Check> out;
  if (has_target) {
    // fd.total covers every fd kind (netns, bpf maps, sockets, ...) in one check; bpf.maps
    // adds maps held without an fd of their own kind showing growth (shared fds).
    for (MetricId id : {MetricId::fd_total, MetricId::proc_threads, MetricId::proc_zombies, MetricId::bpf_maps}) {
      const std::string& m = metric_name(id);
      if (event_kinds.empty()) {
        out.push_back(slope_per_time(m));
      } else {
        for (const auto& k : event_kinds) out.push_back(slope_per_event(m, k));
      }
    }
  }
  for (MetricId id : {MetricId::sys_netns, MetricId::sys_bpf_maps, MetricId::sys_bpf_progs, MetricId::sys_bpf_links})
    out.push_back(residue(metric_name(id)));
  return out;
}

}  // namespace lg
