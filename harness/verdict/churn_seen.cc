// SPDX-License-Identifier: MIT
#include "harness/verdict/churn_seen.h"

#include "harness/base/units.h"

namespace lg {

namespace {

constexpr double kNoCpu = 0.001;      // seconds over a whole churn phase
constexpr double kRestMargin = 1e-4;  // CPU seconds per second (0.01% of a core): tick noise
constexpr double kMinPhase = 0.5;     // shorter phases prove nothing either way
constexpr double kMinRest = 1.0;      // seconds of phases without workloads to compare with

struct Delta {
  double cpu = 0, seconds = 0;
  bool ok = false;
};

// CPU used between the first and the last measured sample inside [a, b].
Delta cpu_between(const Series& s, int col, double a, double b) {
  Delta d;
  int first = -1, last = -1;
  for (size_t i = 0; i < s.t.size() && i < s.values[col].size(); i++) {
    if (s.t[i] < a || s.t[i] > b || !available(s.values[col][i])) continue;
    if (first < 0) first = (int)i;
    last = (int)i;
  }
  if (first < 0 || last <= first) return d;
  d.cpu = s.values[col][last] - s.values[col][first];
  d.seconds = s.t[last] - s.t[first];
  d.ok = d.seconds > 0;
  return d;
}

}  // namespace

std::vector<std::string> churn_warnings(const Series& s) {
  std::vector<std::string> out;
  int col = s.metric_index("proc.cpu_seconds");
  if (col < 0 || (size_t)col >= s.values.size() || ((size_t)col < s.unavailable.size() && !s.unavailable[col].empty()))
    return out;
  double rest_cpu = 0, rest_seconds = 0;
  for (const auto& p : s.phases) {
    if (p.has_workloads) continue;
    Delta d = cpu_between(s, col, p.start, p.end);
    if (d.ok && d.cpu >= 0) rest_cpu += d.cpu, rest_seconds += d.seconds;
  }
  for (const auto& p : s.phases) {
    if (!p.has_workloads || p.end - p.start < kMinPhase) continue;
    Delta d = cpu_between(s, col, p.start, p.end);
    if (!d.ok || d.cpu < 0) continue;
    bool none = d.cpu < kNoCpu;
    bool as_at_rest = rest_seconds >= kMinRest && d.cpu / d.seconds <= rest_cpu / rest_seconds + kRestMargin;
    if (!none && !as_at_rest) continue;
    // What ran: the event kinds that advanced during the phase.
    std::string events;
    for (size_t k = 0; k < s.event_kinds.size() && k < s.events.size(); k++) {
      double lo = -1, hi = -1;
      for (size_t i = 0; i < s.t.size() && i < s.events[k].size(); i++)
        if (s.t[i] >= p.start && s.t[i] <= p.end) {
          if (lo < 0) lo = s.events[k][i];
          hi = s.events[k][i];
        }
      if (hi > lo) events += ", " + format_number(hi - lo) + " " + s.event_kinds[k];
    }
    std::string used = none ? "no CPU" : "no more CPU than at rest (" + format_fixed(d.cpu, 3) + "s)";
    out.push_back("the target used " + used + " during phase '" + p.name + "' (" + format_duration(d.seconds) + events +
                  "): did it see the churn? A target that never notices the workloads passes every check "
                  "and proves nothing (a tuner watching /run/netns sees only bind-mounted namespaces: netns "
                  "bind_mount: true)");
  }
  return out;
}

}  // namespace lg
