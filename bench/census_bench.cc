// SPDX-License-Identifier: MIT
// census_bench: the cost of one census of a target holding 10, 1,000 and 10,000 fds with each
// backend (median of repetitions), the BPF/procfs ratio, and the CPU cost of sampling a
// 1,000-fd target at 10 Hz (getrusage over --cpu-seconds, default 10; 0 skips it).
// Needs root and build/bin/fdzoo. Goals (docs/performance.md): BPF >= 5x faster than procfs
// at 10,000 fds, BPF census of 10,000 fds < 1.5 ms median, 10 Hz at 1,000 fds < 1% of a core.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "harness/census/census.h"
#include "tests/census/zoo.h"

namespace {

using lg::Backend;

// The fd mix of a target holding n fds: half regular files, a quarter sockets, the rest pipes
// (fdzoo's own stdin/stdout/stderr pipes included).
std::vector<std::string> zoo_flags(int n) {
  int sockets = n / 4;
  int pipes = std::max(0, n / 4 - 3);
  int regular = n - 3 - sockets - pipes;
  return {"--regular", std::to_string(regular), "--socket", std::to_string(sockets), "--pipe", std::to_string(pipes)};
}

std::map<int, std::unique_ptr<lg::test::Zoo>> g_zoos;

pid_t zoo(int n) {
  auto& z = g_zoos[n];
  if (!z) {
    z = std::make_unique<lg::test::Zoo>();
    if (!z->start(zoo_flags(n))) {
      fprintf(stderr, "census_bench: %s\n", z->error.c_str());
      exit(3);
    }
  }
  return z->pid;
}

std::unique_ptr<lg::Census> make(Backend b, pid_t pid, bool system, std::string& err) {
  lg::CensusScope s;
  s.kind = lg::CensusScope::Pid;
  s.pid = pid;
  lg::CensusOptions o;
  o.system = system;
  std::string note;
  return lg::make_census(b, s, o, err, note);
}

void census(benchmark::State& state, Backend b, int fds, bool system) {
  std::string err;
  auto c = make(b, zoo(fds), system, err);
  if (!c) {
    state.SkipWithError(err.c_str());
    return;
  }
  std::vector<double> v;
  for (auto _ : state) {
    if (!c->sample(v, err)) {
      state.SkipWithError(err.c_str());
      return;
    }
    benchmark::DoNotOptimize(v.data());
  }
  state.counters["fds"] = v.empty() ? 0 : v[0];  // fd.total, the first column
}

// Keeps the median of each benchmark to print the ratios at the end.
class MedianReporter : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> median_real, median_cpu;  // microseconds
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (r.aggregate_name == "median") {
        median_real[r.run_name.function_name] = r.GetAdjustedRealTime();
        median_cpu[r.run_name.function_name] = r.GetAdjustedCPUTime();
      }
    ConsoleReporter::ReportRuns(runs);
  }
};

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double now() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

// Samples at 10 Hz for `seconds` and returns the CPU used as a share of one core.
double cpu_share_10hz(Backend b, int fds, double seconds, std::string& err) {
  auto c = make(b, zoo(fds), true, err);
  if (!c) return -1;
  std::vector<double> v;
  double t0 = now(), cpu0 = cpu_seconds();
  for (int i = 1; now() - t0 < seconds; i++) {
    if (!c->sample(v, err)) return -1;
    double next = t0 + i * 0.1, wait = next - now();
    if (wait > 0) {
      timespec ts{(time_t)wait, (long)((wait - (time_t)wait) * 1e9)};
      nanosleep(&ts, nullptr);
    }
  }
  return (cpu_seconds() - cpu0) / (now() - t0);
}

}  // namespace

int main(int argc, char** argv) {
  double cpu_secs = 10;
  for (int i = 1; i < argc; i++)
    if (strncmp(argv[i], "--cpu-seconds=", 14) == 0) {
      cpu_secs = atof(argv[i] + 14);
      for (int j = i; j < argc - 1; j++) argv[j] = argv[j + 1];
      argc--, i--;
    }
  if (geteuid() != 0) fprintf(stderr, "census_bench: not root: the BPF census will be skipped\n");
  for (int fds : {10, 1000, 10000})
    for (auto [b, name] : {std::pair{Backend::Bpf, "bpf"}, std::pair{Backend::Procfs, "procfs"}}) {
      for (bool system : {true, false}) {
        std::string n = std::string(system ? "census" : "census_target_only") + "/" + name + "/" + std::to_string(fds);
        benchmark::RegisterBenchmark(n.c_str(), census, b, fds, system)
            ->Unit(benchmark::kMicrosecond)
            ->Repetitions(10)
            ->ReportAggregatesOnly(true);
      }
    }
  benchmark::Initialize(&argc, argv);
  MedianReporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);

  // Wall time is what a run waits for; CPU time is what it costs, and is the steadier figure
  // on a shared machine (a loaded CPU stretches wall time, not CPU time).
  printf("\nmedian of one census in us (wall / CPU), and the procfs/bpf ratio of each:\n");
  printf("%-20s %6s %10s %10s %10s %10s %8s %8s\n", "what", "fds", "bpf wall", "bpf cpu", "proc wall", "proc cpu",
         "x wall", "x cpu");
  for (const char* what : {"census", "census_target_only"})
    for (int fds : {10, 1000, 10000}) {
      std::string b = std::string(what) + "/bpf/" + std::to_string(fds);
      std::string p = std::string(what) + "/procfs/" + std::to_string(fds);
      if (!rep.median_real.count(b) || !rep.median_real.count(p)) continue;
      printf("%-20s %6d %10.1f %10.1f %10.1f %10.1f %7.1fx %7.1fx\n", what, fds, rep.median_real[b], rep.median_cpu[b],
             rep.median_real[p], rep.median_cpu[p], rep.median_real[p] / rep.median_real[b],
             rep.median_cpu[p] / rep.median_cpu[b]);
    }

  if (cpu_secs > 0) {
    printf("\nCPU cost of sampling a 1,000-fd target at 10 Hz for %.0f s (share of one core):\n", cpu_secs);
    for (auto [b, name] : {std::pair{Backend::Bpf, "bpf"}, std::pair{Backend::Procfs, "procfs"}}) {
      std::string err;
      double share = cpu_share_10hz(b, 1000, cpu_secs, err);
      if (share < 0)
        printf("%-8s unavailable: %s\n", name, err.c_str());
      else
        printf("%-8s %.3f%% of one core\n", name, share * 100);
    }
  }
  g_zoos.clear();
  return 0;
}
