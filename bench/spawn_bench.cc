// SPDX-License-Identifier: MIT
// How procexit should start its processes: the alternatives measured in one run. Run:
//   build/bin/spawn_bench            (about a minute)
// - fork + _exit + waitpid from a grown process (what procexit did before the spawner: the
//   caller's page tables are copied at every fork);
// - the same loop in a small helper forked at the start (the spawner's situation), with the
//   glibc fork, a raw clone3, vfork and clone(CLONE_VM) (the last two share the helper's
//   address space: no profiler would see a process of its own; shown as the ceiling);
// - the Spawner (harness/workloads/spawner.h): one spawner with 1 and 4 channels, and a pool
//   of 2 spawners with 4 channels (2 each);
// - exec of /bin/true: the Spawner (fork + exec) against posix_spawn and vfork + exec in the
//   small helper.
// Each figure is events per second; the summary prints them side by side.
#include <benchmark/benchmark.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
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
#include "harness/workloads/spawner.h"

extern char** environ;

namespace lg {
namespace {

constexpr long kForks = 20000, kExecs = 3000;
std::map<std::string, double> g_rate;
Spawner g_spawner, g_pool;                // one spawner; a pool of two
int g_helper_in = -1, g_helper_out = -1;  // commands to / rates from the small helper

// ---- the small helper: loops of one primitive, in a process forked before anything grew ----

char g_stack[64 * 1024];
int child_exit(void*) { _exit(0); }

double helper_loop(int mode, long n) {
  char* const true_argv[] = {const_cast<char*>("/bin/true"), nullptr};
  double t0 = monotonic_seconds();
  for (long i = 0; i < n; i++) {
    pid_t p = -1;
    switch (mode) {
      case 0: p = fork(); break;
      case 1: {
        struct {
          uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
        } a{};
        a.exit_signal = SIGCHLD;
        p = (pid_t)syscall(SYS_clone3, &a, sizeof a);
        break;
      }
      case 2: p = vfork(); break;
      case 3: p = clone(child_exit, g_stack + sizeof g_stack, CLONE_VM | SIGCHLD, nullptr); break;
      case 4: posix_spawn(&p, "/bin/true", nullptr, nullptr, true_argv, environ); break;
      case 5:
        p = vfork();
        if (p == 0) {
          execve("/bin/true", true_argv, environ);
          _exit(127);
        }
        break;
    }
    if (p == 0) _exit(0);
    if (p < 0) return -1;
    waitpid(p, nullptr, 0);
  }
  return n / (monotonic_seconds() - t0);
}

bool start_helper() {
  int in[2], out[2];
  if (pipe(in) != 0 || pipe(out) != 0) return false;
  pid_t p = fork();
  if (p == 0) {
    close(in[1]);
    close(out[0]);
    long cmd[2];
    while (read(in[0], cmd, sizeof cmd) == (ssize_t)sizeof cmd) {
      double r = helper_loop((int)cmd[0], cmd[1]);
      if (write(out[1], &r, sizeof r) != (ssize_t)sizeof r) break;
    }
    _exit(0);
  }
  close(in[0]);
  close(out[1]);
  g_helper_in = in[1];
  g_helper_out = out[0];
  return p > 0;
}

double in_helper(int mode, long n) {
  long cmd[2] = {mode, n};
  double r = -1;
  if (write(g_helper_in, cmd, sizeof cmd) != (ssize_t)sizeof cmd || read(g_helper_out, &r, sizeof r) != sizeof r)
    return -1;
  return r;
}

void helper_bench(benchmark::State& st, const char* key, int mode, long n) {
  for (auto _ : st) {
    double r = in_helper(mode, n);
    if (r <= 0) st.SkipWithError("helper loop failed");
    st.counters["per_s"] = r;
    st.SetIterationTime(r > 0 ? n / r : 1);
    g_rate[key] = r;
  }
}

// ---- the Spawner: `channels` threads, each one child at a time, over `spawners` spawners ----

double through_spawner(long n, int channels, int spawners, const SpawnSpec& spec) {
  std::atomic<long> left{n};
  std::atomic<bool> failed{false};
  std::vector<std::thread> ts;
  double t0 = monotonic_seconds();
  for (int c = 0; c < channels; c++)
    ts.emplace_back([&, c] {
      std::string err;
      auto ch = (spawners > 1 ? g_pool : g_spawner).open(spec, err);
      if (!ch) {
        failed = true;
        return;
      }
      SpawnEvent ev;
      while (left.fetch_sub(1) > 0) {
        if (!ch->spawn(1) || ch->next(ev, -1) != 1 || ev.step) {
          failed = true;
          return;
        }
      }
    });
  for (auto& t : ts) t.join();
  return failed ? -1 : n / (monotonic_seconds() - t0);
}

void spawner_bench(benchmark::State& st, const char* key, long n, int channels, int spawners, bool exec) {
  for (auto _ : st) {
    SpawnSpec spec;
    if (exec) spec.path = "/bin/true", spec.argv = {"true"};
    double r = through_spawner(n, channels, spawners, spec);
    if (r <= 0) st.SkipWithError("spawner failed");
    st.counters["per_s"] = r;
    st.SetIterationTime(r > 0 ? n / r : 1);
    g_rate[key] = r;
  }
}

// ---- fork from this process after it grew like a running leakguard ----
void BM_fork_from_grown_process(benchmark::State& st) {
  // 128 MiB touched in 1 MiB mappings (BPF skeletons, series buffers, heap) and 8 threads.
  std::vector<void*> maps;
  for (int i = 0; i < 128; i++) {
    void* m = mmap(nullptr, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) break;
    for (size_t j = 0; j < (1 << 20); j += 4096) static_cast<char*>(m)[j] = 1;
    maps.push_back(m);
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> ts;
  for (int i = 0; i < 8; i++)
    ts.emplace_back([&] {
      while (!stop) usleep(10000);
    });
  for (auto _ : st) {
    const long n = 2000;
    double t0 = monotonic_seconds();
    for (long i = 0; i < n; i++) {
      pid_t p = fork();
      if (p == 0) _exit(0);
      waitpid(p, nullptr, 0);
    }
    double secs = monotonic_seconds() - t0;
    st.counters["per_s"] = n / secs;
    st.SetIterationTime(secs);
    g_rate["fork from a grown process (128 MiB, 8 threads)"] = n / secs;
  }
  stop = true;
  for (auto& t : ts) t.join();
  for (void* m : maps) munmap(m, 1 << 20);
}

void BM_small_fork(benchmark::State& st) { helper_bench(st, "small process: fork", 0, kForks); }
void BM_small_clone3(benchmark::State& st) { helper_bench(st, "small process: raw clone3", 1, kForks); }
void BM_small_vfork(benchmark::State& st) { helper_bench(st, "small process: vfork (shares its mm)", 2, kForks); }
void BM_small_clone_vm(benchmark::State& st) {
  helper_bench(st, "small process: clone(CLONE_VM) (shares its mm)", 3, kForks);
}
void BM_spawner_1(benchmark::State& st) { spawner_bench(st, "spawner, 1 channel", kForks, 1, 1, false); }
void BM_spawner_4(benchmark::State& st) { spawner_bench(st, "spawner, 4 channels", kForks, 4, 1, false); }
void BM_spawner_2x2(benchmark::State& st) { spawner_bench(st, "2 spawners, 4 channels", kForks, 4, 2, false); }
void BM_exec_pool(benchmark::State& st) {
  spawner_bench(st, "exec /bin/true: 2 spawners, 4 channels", kExecs, 4, 2, true);
}
void BM_exec_spawner(benchmark::State& st) {
  spawner_bench(st, "exec /bin/true: spawner (fork + exec), 4 channels", kExecs, 4, 1, true);
}
void BM_exec_posix_spawn(benchmark::State& st) {
  helper_bench(st, "exec /bin/true: posix_spawn, small process", 4, kExecs);
}
void BM_exec_vfork(benchmark::State& st) { helper_bench(st, "exec /bin/true: vfork + exec, small process", 5, kExecs); }

#define ONCE(f) BENCHMARK(f)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond)
ONCE(BM_small_fork);
ONCE(BM_small_clone3);
ONCE(BM_small_vfork);
ONCE(BM_small_clone_vm);
ONCE(BM_spawner_1);
ONCE(BM_spawner_4);
ONCE(BM_spawner_2x2);
ONCE(BM_exec_spawner);
ONCE(BM_exec_pool);
ONCE(BM_exec_posix_spawn);
ONCE(BM_exec_vfork);
ONCE(BM_fork_from_grown_process);

}  // namespace
}  // namespace lg

int main(int argc, char** argv) {
  using namespace lg;
  std::string err;
  // Helpers and spawners first, while this process is small.
  if (!start_helper() || !g_spawner.start(err) || !g_pool.start(err, 2)) {
    fprintf(stderr, "spawn_bench: cannot start its helpers: %s\n", err.c_str());
    return 1;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  close(g_helper_in);
  printf("\nLoad average at the end: %s\n", trim(read_file("/proc/loadavg")).c_str());
  printf("Per second:\n");
  for (const auto& [k, v] : g_rate) printf("  %-52s %10s\n", k.c_str(), format_number(std::round(v)).c_str());
  return 0;
}
