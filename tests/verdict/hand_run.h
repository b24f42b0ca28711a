// SPDX-License-Identifier: MIT
#pragma once
// A hand-made run and checks on it, for the verdict and comparison tests.
#include <algorithm>
#include <cmath>
#include <string>

#include "harness/base/check.h"
#include "harness/base/series.h"
#include "harness/verdict/check_type.h"

namespace lg::test {

// 2 s idle, 10 s churn of `events` "netns" (100/s by default) sampled at 10 Hz, 3 s idle.
// Metrics: "m" (fds) = f(events, t); "gone" not measurable ("needs BPF"); "mem" (bytes) =
// 4096 x m.
template <class F>
Series run_with(F f, double events = 1000) {
  Series s;
  s.metrics = {"m", "gone", "mem"};
  s.units = {"fds", "fds", "bytes"};
  s.unavailable = {"", "needs BPF", ""};
  s.event_kinds = {"netns"};
  s.values.assign(3, {});
  s.events.assign(1, {});
  for (int i = 0; i <= 150; i++) {
    double t = i * 0.1;
    double e = std::round(std::clamp(t - 2, 0.0, 10.0) * events / 10);
    s.t.push_back(t);
    s.events[0].push_back(e);
    s.values[0].push_back(f(e, t));
    s.values[1].push_back(kUnavailable);
    s.values[2].push_back(f(e, t) * 4096);
  }
  s.phases = {{"idle", 0, 2, false}, {"churn", 2, 12, true}, {"rest", 12, 15, false}};
  s.stop = 15;
  s.settle_end = 17;
  s.pre_launch = {kUnavailable, kUnavailable, kUnavailable};
  s.post_settle = {kUnavailable, kUnavailable, kUnavailable};
  return s;
}

inline Check slope(const std::string& metric, double per_1000, double min_growth = -1) {
  Check c;
  c.metric = metric;
  c.per_event = "netns";
  c.per_event_scale = 1000;
  c.limit = per_1000 / 1000;
  c.min_growth = min_growth;
  c.text = describe_check(c);
  return c;
}

inline Check of_type(const std::string& metric, CheckType type, double limit) {
  Check c;
  c.metric = metric;
  c.type = type;
  c.limit = limit;
  c.text = describe_check(c);
  return c;
}

inline bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace lg::test
