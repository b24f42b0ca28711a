// SPDX-License-Identifier: MIT
// Speed of the verdicts: judging 20 metrics of 100,000 samples each (goal: < 200 ms).
//   build/bin/verdict_bench
#include <benchmark/benchmark.h>

#include "harness/verdict/check_type.h"
#include "harness/verdict/judge.h"
#include "tests/synth/synth.h"

using namespace lg;

namespace {

constexpr int kMetrics = 20;

// One run of 100 s churn sampled every 1 ms (~108,000 samples with warm-up and cool-down),
// with 20 target metrics of different behaviours.
const Series& big_series() {
  static const Series s = [] {
    synth::Params p;
    p.events = 100000;
    p.event_rate = 1000;
    p.sample_interval = 0.001;
    Series out;
    const auto& kinds = synth::all_behaviours();
    for (int m = 0; m < kMetrics; m++) {
      Series one = synth::make_series(kinds[m % kinds.size()], 1, p);
      if (m == 0) {
        out = one;
        out.metrics = {};
        out.values = {};
        out.units = {};
        out.unavailable = {};
      }
      out.metrics.push_back("fd.m" + std::to_string(m));
      out.units.push_back("fds");
      out.unavailable.push_back("");
      out.values.push_back(one.values[0]);
      out.values.back().resize(out.t.size(), kUnavailable);
    }
    return out;
  }();
  return s;
}

std::vector<Check> slope_checks() {
  std::vector<Check> checks;
  for (int m = 0; m < kMetrics; m++) {
    Check c;
    c.metric = "fd.m" + std::to_string(m);
    c.per_event = "netns";
    c.per_event_scale = 1000;
    c.limit = 0.001;
    c.text = describe_check(c);
    checks.push_back(c);
  }
  return checks;
}

void BM_Judge20x100k(benchmark::State& state) {
  const Series& s = big_series();
  auto checks = slope_checks();
  for (auto _ : state) {
    auto v = judge_checks(checks, s);
    benchmark::DoNotOptimize(v);
  }
  state.counters["samples"] = (double)s.t.size();
  state.counters["metrics"] = kMetrics;
}
BENCHMARK(BM_Judge20x100k)->Unit(benchmark::kMillisecond)->MinTime(2);

void BM_TheilSen(benchmark::State& state) {
  const Series& s = big_series();
  // n samples from the middle of the churn, where events advance.
  size_t n = std::min<size_t>((size_t)state.range(0), s.t.size() / 2), from = s.t.size() / 4;
  std::vector<double> x(s.events[0].begin() + from, s.events[0].begin() + from + n);
  std::vector<double> y(s.values[5].begin() + from, s.values[5].begin() + from + n);  // a steady leak
  for (auto _ : state) benchmark::DoNotOptimize(theil_sen(x, y));
  state.SetItemsProcessed(state.iterations() * (int64_t)n);
}
BENCHMARK(BM_TheilSen)->Arg(100)->Arg(400)->Arg(10000)->Arg(50000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
