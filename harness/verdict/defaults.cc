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
// - RSS in bytes: 1 MiB per 1,000 events (process-exporter's leak of 11,292 bytes per exited
//   process is 11x that), min_growth 4 MiB, so allocator slack, caches and start-up growth
//   (which level off) pass;
// - a BPF map of the target that fills up fails (bpf.maps_full max 0): such a leak stops
//   growing when the map is full and its slope levels off;
// - nothing that counts the whole machine: on a shared CI runner other tenants load BPF
//   programs and make namespaces during the run. Residue is judged on what the target owns;
//   sys.* checks run only when a scenario asks for them, or has no target (then the machine
//   is all it watches). With a target, residue is judged on target.*: what the target itself
//   created, counted by the creation tracker (docs/attribution.md).
#include "harness/base/metrics.h"
#include "harness/verdict/check_type.h"
#include "harness/verdict/judge.h"

namespace lg {

namespace {

constexpr double kPerEventLimit = 0.5;  // per 1000 events
constexpr double kPerEventScale = 1000;
constexpr double kPerMinuteLimit = 1;  // per minute, when no workload runs
constexpr double kDefaultMinGrowth = 3;
constexpr double kMiB = 1024 * 1024;
constexpr double kRssPerEventLimit = 1 * kMiB;  // per 1000 events
constexpr double kRssPerMinuteLimit = 1 * kMiB;
constexpr double kRssMinGrowth = 4 * kMiB;

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

Check slope_per_event(const std::string& metric, const std::string& kind, double per_1000 = kPerEventLimit,
                      double min_growth = kDefaultMinGrowth) {
  Check c = check(metric, CheckType::MaxSlope, per_1000 / kPerEventScale);
  c.per_event = kind;
  c.per_event_scale = kPerEventScale;
  c.min_growth = min_growth;
  return worded(c);
}

Check slope_per_time(const std::string& metric, double per_minute = kPerMinuteLimit,
                     double min_growth = kDefaultMinGrowth) {
  Check c = check(metric, CheckType::MaxSlope, per_minute / 60);
  c.per_time_unit = "min";
  c.min_growth = min_growth;
  return worded(c);
}

// The fd table's headroom: a daemon creeping towards its RLIMIT_NOFILE fails here before it
// meets EMFILE in production.
constexpr double kFdLimitUsedMax = 0.8;

Check residue(const std::string& metric) { return worded(check(metric, CheckType::MaxResidue, 0)); }

Check at_most(const std::string& metric, double limit) { return worded(check(metric, CheckType::Max, limit)); }

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
    const std::string& rss = metric_name(MetricId::proc_rss_bytes);
    if (event_kinds.empty()) {
      out.push_back(slope_per_time(rss, kRssPerMinuteLimit, kRssMinGrowth));
    } else {
      for (const auto& k : event_kinds) out.push_back(slope_per_event(rss, k, kRssPerEventLimit, kRssMinGrowth));
    }
    out.push_back(at_most(metric_name(MetricId::bpf_maps_full), 0));
    out.push_back(at_most(metric_name(MetricId::fd_limit_used), kFdLimitUsedMax));
    // Residue of what the target itself created (target.*, counted by the creation tracker):
    // another tenant of the machine does not move it.
    for (MetricId id :
         {MetricId::target_netns, MetricId::target_bpf_maps, MetricId::target_bpf_progs, MetricId::target_bpf_links})
      out.push_back(residue(metric_name(id)));
    return out;
  }
  // No target: the scenario watches the machine itself, which is all it can judge.
  for (MetricId id : {MetricId::sys_netns, MetricId::sys_bpf_maps, MetricId::sys_bpf_progs, MetricId::sys_bpf_links})
    out.push_back(residue(metric_name(id)));
  return out;
}

}  // namespace lg
