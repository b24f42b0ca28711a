// SPDX-License-Identifier: MIT
// The scenario loader on hostile input: N unknown top-level keys (each an error). Linear in N:
// the time per key stays flat from 10,000 to 80,000 keys (docs/security.md, item 4).
//   build/bin/loader_bench
#include <benchmark/benchmark.h>

#include "harness/scenario/scenario.h"

namespace {

std::string many_keys(int64_t n) {
  std::string y = "name: t\nphases: [{name: a, duration: 1s}]\n";
  for (int64_t i = 0; i < n; i++) y += "k" + std::to_string(i) + ": 1\n";
  return y;
}

void BM_UnknownKeys(benchmark::State& state) {
  std::string yaml = many_keys(state.range(0));
  for (auto _ : state) {
    std::vector<lg::Diagnostic> diags;
    auto sc = lg::load_scenario_string(yaml, "t.yaml", {}, diags);
    benchmark::DoNotOptimize(sc);
    if (diags.size() != (size_t)state.range(0)) state.SkipWithError("wrong number of diagnostics");
  }
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_UnknownKeys)->RangeMultiplier(2)->Range(10000, 80000)->Unit(benchmark::kMillisecond)->Complexity();

}  // namespace

BENCHMARK_MAIN();
