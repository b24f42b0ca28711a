// SPDX-License-Identifier: MIT
// Workload engine speed: each kind through the engine and, in the same run, a raw tight loop
// of the same syscalls; the summary prints the ratios. Run as root:
//   build/bin/workload_bench                      (everything, ~1.5 min)
//   build/bin/workload_bench --benchmark_filter=netns
// The whole program runs in a private mount namespace: the bind-mount and `ip netns` loops
// leave no mount on the host.
#include <benchmark/benchmark.h>
#include <bpf/bpf.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "harness/base/clock.h"
#include "harness/base/fs.h"
#include "harness/base/strings.h"
#include "harness/base/units.h"
#include "harness/workloads/pace.h"
#include "harness/workloads/workload.h"

namespace lg {
namespace {

std::map<std::string, double> g_rate;  // per-second figures for the summary
std::string g_tmp;                     // private temp dir (netns_dir)
std::vector<std::string> g_notes;

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

// Active objects of the net_namespace slab: a rough view of how far teardown lags.
long netns_slab() {
  for (const auto& line : split(read_file("/proc/slabinfo"), '\n'))
    if (starts_with(line, "net_namespace ")) {
      auto f = split(line, ' ');
      for (size_t i = 1; i < f.size(); i++)
        if (!f[i].empty()) return atol(f[i].c_str());
    }
  return -1;
}

// Runs one workload on its own thread; stops it after `stop_after` seconds when >= 0.
// `poll` runs every 50 ms meanwhile.
WorkloadOutcome engine(const char* kind, std::map<std::string, ParamValue> values, WorkloadContext ctx = {},
                       double stop_after = -1, const std::function<void()>& poll = {}) {
  Params p;
  p.values = std::move(values);
  auto w = make_workload(*find_workload_kind(kind), p);
  std::atomic<bool> stop{false}, done{false};
  ctx.stop = &stop;
  double t0 = monotonic_seconds();
  std::thread t([&] {
    w->run(ctx);
    done = true;
  });
  while (!done) {
    usleep(50000);
    if (poll) poll();
    if (stop_after >= 0 && monotonic_seconds() - t0 >= stop_after) stop = true;
  }
  t.join();
  return w->outcome();
}

void report(benchmark::State& st, const std::string& key, double n, double seconds) {
  double rate = seconds > 0 ? n / seconds : 0;
  st.counters["per_s"] = rate;
  st.counters["events"] = n;
  st.SetIterationTime(seconds);
  g_rate[key] = rate;
}

bool need_root(benchmark::State& st) {
  if (geteuid() == 0) return true;
  st.SkipWithError("needs root");
  return false;
}

// ---- netns ----
constexpr int64_t kNetns = 10000;

void BM_netns_engine(benchmark::State& st) {
  if (!need_root(st)) return;
  for (auto _ : st) {
    long peak = 0;
    auto o = engine("netns", {{"count", kNetns}}, {}, -1, [&] { peak = std::max(peak, netns_slab()); });
    if (!o.error.empty()) st.SkipWithError(o.error.c_str());
    report(st, "netns engine", (double)o.achieved, o.seconds);
    st.counters["slab_peak"] = (double)peak;
  }
}

// unshare + open the ns fd + close, on `threads` threads; the thread goes back at the end.
double netns_raw(int64_t n, int threads) {
  std::vector<std::thread> ts;
  double t0 = monotonic_seconds();
  for (int i = 0; i < threads; i++)
    ts.emplace_back([n, threads] {
      int orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
      for (int64_t j = 0; j < n / threads; j++) {
        if (unshare(CLONE_NEWNET) != 0) break;
        close(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
      }
      setns(orig, CLONE_NEWNET);
      close(orig);
    });
  for (auto& t : ts) t.join();
  return monotonic_seconds() - t0;
}

void BM_netns_raw_1thread(benchmark::State& st) {
  if (!need_root(st)) return;
  for (auto _ : st) report(st, "netns raw 1 thread", kNetns, netns_raw(kNetns, 1));
}
void BM_netns_raw_2threads(benchmark::State& st) {
  if (!need_root(st)) return;
  for (auto _ : st) report(st, "netns raw 2 threads", kNetns, netns_raw(kNetns, 2));
}

void BM_netns_bind_mount_engine(benchmark::State& st) {
  if (!need_root(st)) return;
  for (auto _ : st) {
    WorkloadContext ctx;
    ctx.netns_dir = g_tmp + "/netns";
    auto o = engine("netns", {{"count", int64_t{2000}}, {"bind_mount", true}}, ctx);
    if (!o.error.empty()) st.SkipWithError(o.error.c_str());
    report(st, "netns bind_mount engine", (double)o.achieved, o.seconds);
  }
}

void BM_ip_netns_add_del(benchmark::State& st) {
  if (!need_root(st)) return;
  for (auto _ : st) {
    const int n = 200;
    double t0 = monotonic_seconds();
    int ok = 0;
    for (int i = 0; i < n; i++) {
      std::string name = "lgbench-" + std::to_string(i);
      pid_t a = fork();
      if (a == 0) {
        execlp("ip", "ip", "netns", "add", name.c_str(), (char*)nullptr);
        _exit(127);
      }
      int sa = 0;
      waitpid(a, &sa, 0);
      pid_t d = fork();
      if (d == 0) {
        execlp("ip", "ip", "netns", "del", name.c_str(), (char*)nullptr);
        _exit(127);
      }
      int sd = 0;
      waitpid(d, &sd, 0);
      ok += sa == 0 && sd == 0;
    }
    double secs = monotonic_seconds() - t0;
    if (ok != n) st.SkipWithError("ip netns add/del failed");
    report(st, "ip netns add+del", ok, secs);
  }
}

// ---- procexit ----
constexpr int64_t kProcs = 20000;

void BM_procexit_engine(benchmark::State& st) {
  for (auto _ : st) {
    auto o = engine("procexit", {{"count", kProcs}});
    if (!o.error.empty()) st.SkipWithError(o.error.c_str());
    report(st, "procexit engine", (double)o.achieved, o.seconds);
  }
}

double fork_raw(int64_t n, int threads) {
  std::vector<std::thread> ts;
  double t0 = monotonic_seconds();
  for (int i = 0; i < threads; i++)
    ts.emplace_back([n, threads] {
      for (int64_t j = 0; j < n / threads; j++) {
        pid_t p = fork();
        if (p == 0) _exit(0);
        waitpid(p, nullptr, 0);
      }
    });
  for (auto& t : ts) t.join();
  return monotonic_seconds() - t0;
}

void BM_procexit_raw_1thread(benchmark::State& st) {
  for (auto _ : st) report(st, "fork raw 1 thread", kProcs, fork_raw(kProcs, 1));
}
void BM_procexit_raw_4threads(benchmark::State& st) {
  for (auto _ : st) report(st, "fork raw 4 threads", kProcs, fork_raw(kProcs, 4));
}

void BM_stress_ng_fork(benchmark::State& st) {
  for (auto _ : st) {
    // Its metrics line: "stress-ng: metrc: [pid] fork  OPS  REAL  USR  SYS  OPS/S(real) OPS/S(usr+sys)".
    FILE* f = popen("stress-ng --fork 1 -t 5 --metrics-brief 2>&1", "r");
    if (!f) {
      st.SkipWithError("stress-ng not runnable");
      continue;
    }
    char line[512];
    double rate = 0;
    while (fgets(line, sizeof line, f)) {
      auto w = split(trim(line), ' ');
      std::vector<std::string> f2;
      for (auto& x : w)
        if (!x.empty()) f2.push_back(x);
      for (size_t i = 0; i + 5 < f2.size(); i++)
        if (f2[i] == "fork" && isdigit((unsigned char)f2[i + 1][0])) rate = atof(f2[i + 5].c_str());
    }
    pclose(f);
    if (rate <= 0) st.SkipWithError("no stress-ng fork metrics line");
    st.counters["per_s"] = rate;
    g_rate["stress-ng --fork 1"] = rate;
    st.SetIterationTime(5);
  }
}

// ---- maps ----
constexpr int64_t kMaps = 20000;

void BM_maps_engine(benchmark::State& st) {
  if (!need_root(st)) return;
  for (auto _ : st) {
    auto o = engine("maps", {{"count", kMaps}, {"entries", int64_t{16}}, {"delete", std::string("each")}});
    if (!o.error.empty()) st.SkipWithError(o.error.c_str());
    report(st, "maps engine", (double)o.achieved, o.seconds);
  }
}

void BM_maps_raw(benchmark::State& st) {
  if (!need_root(st)) return;
  for (auto _ : st) {
    double t0 = monotonic_seconds();
    uint64_t v = 1;
    for (int64_t i = 0; i < kMaps; i++) {
      int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "lgw_raw", 4, 8, 16, nullptr);
      if (fd < 0) break;
      for (uint32_t k = 0; k < 16; k++) bpf_map_update_elem(fd, &k, &v, BPF_ANY);
      for (uint32_t k = 0; k < 16; k++) bpf_map_delete_elem(fd, &k);
      close(fd);
    }
    report(st, "maps raw", kMaps, monotonic_seconds() - t0);
  }
}

// ---- pacing and idle cost ----
void BM_pacing_10s(benchmark::State& st) {
  if (!need_root(st)) return;
  for (auto _ : st) {
    // Maps at 1,000/s (cheap events), 10,001 of them: the last is due exactly 10 s after the
    // first. The rate is the 10,000 intervals over the time the engine measured for them.
    auto o = engine("maps", {{"count", int64_t{10001}}, {"rate", 1000.0}, {"entries", int64_t{4}}});
    double secs = o.seconds;
    double rate = o.achieved > 1 && secs > 0 ? (double)(o.achieved - 1) / secs : 0;
    st.counters["per_s"] = rate;
    st.counters["error_pct"] = 100 * (rate - 1000) / 1000;
    st.SetIterationTime(secs);
    g_rate["pacing 1000/s over 10s"] = rate;
  }
}

void BM_idle_overhead(benchmark::State& st) {
  if (!need_root(st)) return;
  for (auto _ : st) {
    // 64 namespaces held for 5 s: the engine only waits. CPU time of the whole process.
    double c0 = cpu_seconds(), t0 = monotonic_seconds();
    auto o = engine("netns", {{"count", int64_t{64}}, {"hold", 5.0}, {"concurrency", int64_t{64}}});
    double secs = monotonic_seconds() - t0, cpu = cpu_seconds() - c0;
    st.counters["cpu_pct"] = 100 * cpu / secs;
    st.SetIterationTime(secs);
    g_rate["idle: CPU % while holding 64 netns 5 s"] = 100 * cpu / secs;
    // And a paced workload between events: 10 signals/s to a sleeping child for 5 s.
    pid_t child = fork();
    if (child == 0) {
      signal(SIGHUP, SIG_IGN);
      for (;;) pause();
    }
    WorkloadContext ctx;
    ctx.target_pid = child;
    c0 = cpu_seconds(), t0 = monotonic_seconds();
    engine("signal", {{"count", int64_t{50}}, {"rate", 10.0}, {"signal", int64_t{SIGHUP}}}, ctx);
    secs = monotonic_seconds() - t0, cpu = cpu_seconds() - c0;
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    g_rate["idle: CPU % signalling 10/s"] = 100 * cpu / secs;
  }
}

#define ONCE(f) BENCHMARK(f)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond)
ONCE(BM_netns_engine);
ONCE(BM_netns_raw_1thread);
ONCE(BM_netns_raw_2threads);
ONCE(BM_netns_bind_mount_engine);
ONCE(BM_ip_netns_add_del);
ONCE(BM_procexit_engine);
ONCE(BM_procexit_raw_1thread);
ONCE(BM_procexit_raw_4threads);
ONCE(BM_stress_ng_fork);
ONCE(BM_maps_engine);
ONCE(BM_maps_raw);
ONCE(BM_pacing_10s);
ONCE(BM_idle_overhead);

void ratio(const char* what, const std::string& a, const std::string& b, const char* goal) {
  if (!g_rate.count(a) || !g_rate.count(b) || g_rate[b] <= 0) return;
  printf("  %-40s %6.2f   (%s / %s; goal %s)\n", what, g_rate[a] / g_rate[b], a.c_str(), b.c_str(), goal);
}

}  // namespace
}  // namespace lg

int main(int argc, char** argv) {
  using namespace lg;
  // Private mounts before any thread exists (unshare(CLONE_NEWNS) needs a single thread).
  if (geteuid() == 0) {
    if (unshare(CLONE_NEWNS) != 0 || mount("", "/", "none", MS_REC | MS_PRIVATE, nullptr) != 0) {
      fprintf(stderr, "workload_bench: cannot make a private mount namespace: %s\n", strerror(errno));
      return 1;
    }
  }
  char tmpl[] = "/tmp/lg-workload-bench-XXXXXX";
  if (!mkdtemp(tmpl)) {
    fprintf(stderr, "workload_bench: mkdtemp: %s\n", strerror(errno));
    return 1;
  }
  g_tmp = tmpl;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  rmdir((g_tmp + "/netns").c_str());
  rmdir(g_tmp.c_str());
  printf("\nSummary (per second)\n");
  for (const auto& [k, v] : g_rate) printf("  %-40s %12.1f\n", k.c_str(), v);
  printf("Ratios\n");
  ratio("netns engine / raw (1 thread)", "netns engine", "netns raw 1 thread", ">= 0.75");
  ratio("netns engine / raw (2 threads)", "netns engine", "netns raw 2 threads", ">= 0.75");
  ratio("bind_mount engine / ip netns add+del", "netns bind_mount engine", "ip netns add+del", ">= 3");
  ratio("procexit engine / raw (1 thread)", "procexit engine", "fork raw 1 thread", ">= 0.70");
  ratio("procexit engine / raw (4 threads)", "procexit engine", "fork raw 4 threads", ">= 0.70");
  ratio("procexit engine / stress-ng --fork 1", "procexit engine", "stress-ng --fork 1", "-");
  ratio("maps engine / raw", "maps engine", "maps raw", ">= 0.70");
  return 0;
}
