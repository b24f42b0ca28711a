// SPDX-License-Identifier: MIT
#include "harness/verdict/churn_seen.h"

#include "harness/base/units.h"

namespace lg {

namespace {

constexpr double kNoCpu = 0.001;   // seconds over a whole churn phase
constexpr double kMinPhase = 0.5;  // shorter phases prove nothing either way

// CPU used between the first and the last measured sample inside [a, b]; -1 when fewer than
// two samples were measured there.
double cpu_between(const Series& s, int col, double a, double b, double& seconds) {
  int first = -1, last = -1;
  for (size_t i = 0; i < s.t.size() && i < s.values[col].size(); i++) {
    if (s.t[i] < a || s.t[i] > b || !available(s.values[col][i])) continue;
    if (first < 0) first = (int)i;
    last = (int)i;
  }
  if (first < 0 || last <= first) return -1;
  seconds = s.t[last] - s.t[first];
  return s.values[col][last] - s.values[col][first];
}

}  // namespace

std::vector<std::string> churn_warnings(const Series& s) {
  std::vector<std::string> out;
  int col = s.metric_index("proc.cpu_seconds");
  if (col < 0 || (size_t)col >= s.values.size() || ((size_t)col < s.unavailable.size() && !s.unavailable[col].empty()))
    return out;
  for (const auto& p : s.phases) {
    if (!p.has_workloads || p.end - p.start < kMinPhase) continue;
    double seconds = 0, cpu = cpu_between(s, col, p.start, p.end, seconds);
    if (cpu < 0 || cpu >= kNoCpu || seconds < kMinPhase) continue;
    // What ran: the event kinds that advanced during the phase.
    std::string events;
    bool netns = false;
    for (size_t k = 0; k < s.event_kinds.size() && k < s.events.size(); k++) {
      double lo = -1, hi = -1;
      for (size_t i = 0; i < s.t.size() && i < s.events[k].size(); i++)
        if (s.t[i] >= p.start && s.t[i] <= p.end) {
          if (lo < 0) lo = s.events[k][i];
          hi = s.events[k][i];
        }
      if (hi > lo) {
        events += ", " + format_number(hi - lo) + " " + s.event_kinds[k];
        netns |= s.event_kinds[k] == "netns";
      }
    }
    out.push_back("the target used no CPU during phase '" + p.name + "' (" + format_duration(seconds) + events +
                  "): did it see the churn? A target that never notices the workloads passes every check and proves "
                  "nothing" +
                  (netns ? " (a tuner watching /run/netns sees only namespaces bind-mounted there: netns "
                           "bind_mount: true)"
                         : ""));
  }
  return out;
}

}  // namespace lg
