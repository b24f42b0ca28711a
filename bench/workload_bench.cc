// SPDX-License-Identifier: MIT
// Workload speed, three ways per kind, in one run of this program:
//   engine  the kind's make() + run() on its own thread, as a phase runs it, in this process
//           (procexit and cgroup fork through a spawner made at the start, as `run` does);
//   run     `leakguard run` on a one-workload scenario (system only; connect against the
//           reference exporter as its target): the rate a user gets, from its series.json;
//   raw     a standalone small C program doing the same syscalls in a tight loop
//           (bench/raw/<kind>.c, build/bin/raw_<kind>): what the kernel allows.
// The summary prints the three rates and the ratios for every kind. Run as root:
//   build/bin/workload_bench                         (everything, a few minutes)
//   build/bin/workload_bench --benchmark_filter=procexit
// Other parts: netns bind mounts against `ip netns add/del`, pacing accuracy, idle cost,
// stress-ng --fork. The program runs in a private mount namespace: bind mounts and `ip netns`
// loops leave nothing on the host.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness/base/cgroup.h"
#include "harness/base/clock.h"
#include "harness/base/fs.h"
#include "harness/base/run_result.h"
#include "harness/base/strings.h"
#include "harness/base/units.h"
#include "harness/workloads/pace.h"
#include "harness/workloads/spawner.h"
#include "harness/workloads/workload.h"
#include "reports/report.h"
#include "tests/helpers/free_port.h"

namespace lg {
namespace {

using test::free_port;

std::map<std::string, double> g_rate;  // per-second figures for the summary
std::string g_tmp;                     // private temp dir
std::string g_bin;                     // build/bin
Spawner g_spawner;                     // made first, while this process is small
int g_port = 0;                        // the exporter the engine and raw connect loops scrape
pid_t g_exporter = 0;

constexpr int64_t kProcs = 20000, kNetns = 10000, kMaps = 20000, kCgroups = 20000, kConnects = 20000;
const char* kRequest = "GET /metrics HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n";

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
  if (!ctx.spawner) ctx.spawner = &g_spawner;
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

// Output of a command (stdout and stderr), and its exit status.
std::string command(const std::string& cmd, int& status) {
  std::string out;
  FILE* f = popen((cmd + " 2>&1").c_str(), "r");
  if (!f) {
    status = -1;
    return "popen failed";
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  status = pclose(f);
  return out;
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void report(benchmark::State& st, const std::string& key, double rate, double seconds) {
  st.counters["per_s"] = rate;
  st.SetIterationTime(seconds > 0 ? seconds : 1e-3);
  g_rate[key] = rate;
}

bool need_root(benchmark::State& st) {
  if (geteuid() == 0) return true;
  st.SkipWithError("needs root");
  return false;
}

// ---- engine: in this process ----

void engine_bench(benchmark::State& st, const char* kind, std::map<std::string, ParamValue> values,
                  const std::string& key = "") {
  if (!need_root(st)) return;
  for (auto _ : st) {
    auto o = engine(kind, std::move(values));
    if (!o.error.empty()) st.SkipWithError(o.error.c_str());
    report(st, key.empty() ? std::string(kind) + " engine" : key, o.achieved_rate, o.seconds);
  }
}

// ---- run: `leakguard run` on a one-workload scenario, the rate from its series.json ----

void run_bench(benchmark::State& st, const char* kind, const std::string& workload, const std::string& target = "") {
  if (!need_root(st)) return;
  for (auto _ : st) {
    std::string name = std::string("bench-") + kind;
    std::string file = g_tmp + "/" + name + ".yaml", err;
    std::string yaml = "name: " + name + "\n" + target +
                       "sampling: {interval: 100ms, settle_timeout: 1s}\n"
                       "phases:\n  - name: churn\n    workloads:\n      - kind: " +
                       kind + "\n" + workload + "checks: []\n";
    write_file(file, yaml, err);
    int status = 0;
    std::string out =
        command(g_bin + "/leakguard run " + quote(file) + " --quiet --out " + quote(g_tmp + "/out"), status);
    RunResult r;
    if (!read_series_json(g_tmp + "/out/" + name + "/series.json", r, err) || r.workloads.empty()) {
      st.SkipWithError(("leakguard run: " + out + err).c_str());
      continue;
    }
    const WorkloadReport& w = r.workloads[0];
    if (!w.error.empty()) st.SkipWithError(w.error.c_str());
    report(st, std::string(kind) + " run", w.achieved_rate, w.seconds);
  }
}

// ---- raw: a standalone program, its "rate N" line ----

void raw_bench(benchmark::State& st, const std::string& key, const std::string& args) {
  if (!need_root(st)) return;
  for (auto _ : st) {
    int status = 0;
    std::string out = command(g_bin + "/" + args, status);
    size_t at = out.find("rate ");
    if (status != 0 || at == std::string::npos) {
      st.SkipWithError(out.c_str());
      continue;
    }
    double rate = atof(out.c_str() + at + 5);
    report(st, key, rate, 1);
  }
}

// ---- procexit ----
void BM_procexit_engine(benchmark::State& st) { engine_bench(st, "procexit", {{"count", kProcs}}); }
void BM_procexit_run(benchmark::State& st) {
  run_bench(st, "procexit", "        count: " + std::to_string(kProcs) + "\n");
}
void BM_procexit_raw(benchmark::State& st) { raw_bench(st, "procexit raw", "raw_procexit " + std::to_string(kProcs)); }
void BM_procexit_engine_concurrency1(benchmark::State& st) {
  engine_bench(st, "procexit", {{"count", kProcs}, {"concurrency", int64_t{1}}}, "procexit concurrency 1, engine");
}
void BM_procexit_raw_4loops(benchmark::State& st) {
  raw_bench(st, "procexit raw, 4 loops", "raw_procexit " + std::to_string(kProcs) + " 4");
}

// ---- netns ----
void BM_netns_engine(benchmark::State& st) {
  if (!need_root(st)) return;
  for (auto _ : st) {
    long peak = 0;
    auto o = engine("netns", {{"count", kNetns}}, {}, -1, [&] { peak = std::max(peak, netns_slab()); });
    if (!o.error.empty()) st.SkipWithError(o.error.c_str());
    report(st, "netns engine", o.achieved_rate, o.seconds);
    st.counters["slab_peak"] = (double)peak;
  }
}
void BM_netns_run(benchmark::State& st) { run_bench(st, "netns", "        count: " + std::to_string(kNetns) + "\n"); }
void BM_netns_raw(benchmark::State& st) { raw_bench(st, "netns raw", "raw_netns " + std::to_string(kNetns)); }

void BM_netns_bind_mount_engine(benchmark::State& st) {
  if (!need_root(st)) return;
  for (auto _ : st) {
    WorkloadContext ctx;
    ctx.netns_dir = g_tmp + "/netns";
    auto o = engine("netns", {{"count", int64_t{2000}}, {"bind_mount", true}}, ctx);
    if (!o.error.empty()) st.SkipWithError(o.error.c_str());
    report(st, "netns bind_mount engine", o.achieved_rate, o.seconds);
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
      int sa = 0, sd = 0;
      command("ip netns add " + name, sa);
      command("ip netns del " + name, sd);
      ok += sa == 0 && sd == 0;
    }
    double secs = monotonic_seconds() - t0;
    if (ok != n) st.SkipWithError("ip netns add/del failed");
    report(st, "ip netns add+del", ok / secs, secs);
  }
}

// ---- maps ----
void BM_maps_engine(benchmark::State& st) {
  engine_bench(st, "maps", {{"count", kMaps}, {"entries", int64_t{16}}, {"delete", std::string("each")}});
}
void BM_maps_run(benchmark::State& st) {
  run_bench(st, "maps", "        count: " + std::to_string(kMaps) + "\n        entries: 16\n");
}
void BM_maps_raw(benchmark::State& st) { raw_bench(st, "maps raw", "raw_maps " + std::to_string(kMaps) + " 16"); }

// ---- cgroup ----
void BM_cgroup_engine(benchmark::State& st) { engine_bench(st, "cgroup", {{"count", kCgroups}}); }
void BM_cgroup_run(benchmark::State& st) {
  run_bench(st, "cgroup", "        count: " + std::to_string(kCgroups) + "\n");
}
void BM_cgroup_raw(benchmark::State& st) {
  std::string mount = cgroup2_mount();
  if (mount.empty()) {
    st.SkipWithError("no cgroup v2");
    return;
  }
  raw_bench(st, "cgroup raw",
            "raw_cgroup " + quote(mount + "/lg-raw-" + std::to_string(getpid())) + " " + std::to_string(kCgroups));
}
void BM_cgroup_procs_engine(benchmark::State& st) {
  engine_bench(st, "cgroup", {{"count", int64_t{5000}}, {"procs", int64_t{1}}}, "cgroup with procs: 1, engine");
}

// ---- connect: the reference exporter (metricsd, fixed) is the server ----
void BM_connect_engine(benchmark::State& st) {
  engine_bench(
      st, "connect",
      {{"count", kConnects}, {"address", "127.0.0.1:" + std::to_string(g_port)}, {"send", std::string(kRequest)}});
}
void BM_connect_run(benchmark::State& st) {
  std::string addr = "127.0.0.1:" + std::to_string(free_port());
  run_bench(st, "connect",
            "        count: " + std::to_string(kConnects) + "\n        address: " + addr + "\n        send: '" +
                kRequest + "'\n",
            "target:\n  command: [metricsd, --mode, fixed, --listen, '" + addr +
                "']\n  ready: {stdout: ready, timeout: 10s}\n");
}
void BM_connect_engine_concurrency1(benchmark::State& st) {
  engine_bench(st, "connect",
               {{"count", kConnects},
                {"concurrency", int64_t{1}},
                {"address", "127.0.0.1:" + std::to_string(g_port)},
                {"send", std::string(kRequest)}},
               "connect concurrency 1, engine");
}
void BM_connect_raw(benchmark::State& st) {
  raw_bench(
      st, "connect raw",
      "raw_connect 127.0.0.1 " + std::to_string(g_port) + " " + std::to_string(kConnects) + " " + quote(kRequest));
}
void BM_connect_raw_4loops(benchmark::State& st) {
  raw_bench(st, "connect raw, 4 loops",
            "raw_connect 127.0.0.1 " + std::to_string(g_port) + " " + std::to_string(kConnects) + " " +
                quote(kRequest) + " 4");
}

void BM_stress_ng_fork(benchmark::State& st) {
  for (auto _ : st) {
    // Its metrics line: "stress-ng: metrc: [pid] fork  OPS  REAL  USR  SYS  OPS/S(real) OPS/S(usr+sys)".
    int status = 0;
    std::string out = command("stress-ng --fork 1 -t 5 --metrics-brief", status);
    double rate = 0;
    for (const auto& line : split(out, '\n')) {
      std::vector<std::string> f;
      for (auto& x : split(trim(line), ' '))
        if (!x.empty()) f.push_back(x);
      for (size_t i = 0; i + 5 < f.size(); i++)
        if (f[i] == "fork" && isdigit((unsigned char)f[i + 1][0])) rate = atof(f[i + 5].c_str());
    }
    if (rate <= 0) {
      st.SkipWithError("no stress-ng fork metrics line (is stress-ng installed?)");
      continue;
    }
    report(st, "stress-ng --fork 1", rate, 5);
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
    st.counters["error_pct"] = 100 * (rate - 1000) / 1000;
    report(st, "pacing 1000/s over 10s", rate, secs);
  }
}

void BM_idle_overhead(benchmark::State& st) {
  if (!need_root(st)) return;
  for (auto _ : st) {
    // 64 namespaces held for 5 s: the engine only waits. CPU time of the whole process.
    double c0 = cpu_seconds(), t0 = monotonic_seconds();
    engine("netns", {{"count", int64_t{64}}, {"hold", 5.0}, {"concurrency", int64_t{64}}});
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
ONCE(BM_procexit_engine);
ONCE(BM_procexit_run);
ONCE(BM_procexit_raw);
ONCE(BM_procexit_raw_4loops);
ONCE(BM_procexit_engine_concurrency1);
ONCE(BM_netns_engine);
ONCE(BM_netns_run);
ONCE(BM_netns_raw);
ONCE(BM_maps_engine);
ONCE(BM_maps_run);
ONCE(BM_maps_raw);
ONCE(BM_cgroup_engine);
ONCE(BM_cgroup_run);
ONCE(BM_cgroup_raw);
ONCE(BM_cgroup_procs_engine);
ONCE(BM_connect_engine);
ONCE(BM_connect_run);
ONCE(BM_connect_raw);
ONCE(BM_connect_raw_4loops);
ONCE(BM_connect_engine_concurrency1);
ONCE(BM_netns_bind_mount_engine);
ONCE(BM_ip_netns_add_del);
ONCE(BM_stress_ng_fork);
ONCE(BM_pacing_10s);
ONCE(BM_idle_overhead);

std::string fig(const std::string& key) {
  auto it = g_rate.find(key);
  return it == g_rate.end() ? "-" : format_number(std::round(it->second));
}
std::string ratio(const std::string& a, const std::string& b) {
  if (!g_rate.count(a) || !g_rate.count(b) || g_rate[b] <= 0) return "-";
  return format_fixed(g_rate[a] / g_rate[b], 2);
}

bool start_exporter() {
  g_port = free_port();
  std::string exe = g_bin + "/metricsd", listen = "127.0.0.1:" + std::to_string(g_port);
  int p[2];
  if (g_port == 0 || pipe2(p, O_CLOEXEC) != 0) return false;
  g_exporter = fork();
  if (g_exporter == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(p[1], 1);
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 2);
    execl(exe.c_str(), "metricsd", "--mode", "fixed", "--listen", listen.c_str(), (char*)nullptr);
    _exit(127);
  }
  close(p[1]);
  char buf[256];
  ssize_t n = read(p[0], buf, sizeof buf);  // the ready line
  close(p[0]);
  return g_exporter > 0 && n > 0;
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
  // The spawner first, while this process is small, as `leakguard run` makes its own.
  std::string err;
  if (!g_spawner.start(err, spawners_per_run())) {
    fprintf(stderr, "workload_bench: %s\n", err.c_str());
    return 1;
  }
  g_bin = self_dir();
  char tmpl[] = "/tmp/lg-workload-bench-XXXXXX";
  if (!mkdtemp(tmpl)) {
    fprintf(stderr, "workload_bench: mkdtemp: %s\n", strerror(errno));
    return 1;
  }
  g_tmp = tmpl;
  if (!start_exporter()) fprintf(stderr, "workload_bench: cannot start metricsd: the connect figures are missing\n");
  std::string load = trim(read_file("/proc/loadavg"));
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (g_exporter > 0) {
    kill(g_exporter, SIGTERM);
    waitpid(g_exporter, nullptr, 0);
  }
  g_spawner.stop();
  int status;
  command("rm -rf " + quote(g_tmp), status);

  printf("\nLoad average at the start: %s; at the end: %s\n", load.c_str(), trim(read_file("/proc/loadavg")).c_str());
  printf(
      "\nPer kind, default fields (events per second; run = through `leakguard run`, raw = the standalone\n"
      "program, one loop)\n");
  printf("  %-9s %10s %10s %10s %11s %9s %8s\n", "kind", "engine", "run", "raw", "engine/raw", "run/raw", "goal");
  for (const char* k : {"procexit", "netns", "maps", "cgroup", "connect"}) {
    std::string kind = k;
    printf("  %-9s %10s %10s %10s %11s %9s %8s\n", k, fig(kind + " engine").c_str(), fig(kind + " run").c_str(),
           fig(kind + " raw").c_str(), ratio(kind + " engine", kind + " raw").c_str(),
           ratio(kind + " run", kind + " raw").c_str(), ">= 0.70");
  }
  printf("\nOther figures (per second, or as named)\n");
  std::set<std::string> in_table;
  for (const char* k : {"procexit", "netns", "maps", "cgroup", "connect"})
    for (const char* w : {" engine", " run", " raw"}) in_table.insert(std::string(k) + w);
  for (const auto& [k, v] : g_rate)
    if (!in_table.count(k)) printf("  %-42s %12s\n", k.c_str(), format_fixed(v, 1).c_str());
  printf("  %-42s %12s\n", "netns bind_mount engine / ip netns add+del",
         ratio("netns bind_mount engine", "ip netns add+del").c_str());
  printf("  %-42s %12s\n", "procexit run / raw, 4 loops", ratio("procexit run", "procexit raw, 4 loops").c_str());
  printf("  %-42s %12s\n", "procexit concurrency 1, engine / raw",
         ratio("procexit concurrency 1, engine", "procexit raw").c_str());
  printf("  %-42s %12s\n", "connect concurrency 1, engine / raw",
         ratio("connect concurrency 1, engine", "connect raw").c_str());
  printf("  %-42s %12s\n", "connect run / raw, 4 loops", ratio("connect run", "connect raw, 4 loops").c_str());
  printf("  %-42s %12s\n", "procexit run / stress-ng --fork 1", ratio("procexit run", "stress-ng --fork 1").c_str());
  return 0;
}
