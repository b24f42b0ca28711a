// SPDX-License-Identifier: MIT
// Attribution costs that are not a target's loop rate (bench/attrib_bench.sh measures those):
//   load_attach   Tracker::create (load, verify, attach, the unwind rules of the modules
//                 leakguard shares with targets) and its teardown
//   symbolize     2,000 surviving fds from 20 sites (build/bin/attrib_toy_nofp sites 2000):
//                 a fresh symboliser each iteration (debug info of the toy and libc loaded
//                 each time), every fd's stack symbolised once per distinct stack
// Needs root. Run: sudo build/bin/attrib_bench --benchmark_repetitions=10
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <set>

#include "harness/attrib/symbolize.h"
#include "harness/attrib/tracker.h"

namespace {

void load_attach(benchmark::State& st) {
  for (auto _ : st) {
    std::string err;
    lg::TrackerOptions o;
    o.tree = true;
    auto t = lg::Tracker::create(o, err);
    if (!t) {
      st.SkipWithError(err.c_str());
      return;
    }
  }
}
BENCHMARK(load_attach)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

void symbolize(benchmark::State& st) {
  std::string bin = std::string(LEAKGUARD_BIN_DIR) + "/attrib_toy_nofp", err;
  lg::TrackerOptions o;
  o.tree = true;
  auto t = lg::Tracker::create(o, err);
  if (!t) {
    st.SkipWithError(err.c_str());
    return;
  }
  t->prefill_executable(bin);
  int in[2], out[2];
  if (pipe(in) || pipe(out)) return;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    execl(bin.c_str(), bin.c_str(), "sites", "2000", (char*)nullptr);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  t->add_root(pid);
  char c = 'g', buf[16];
  if (write(in[1], &c, 1) != 1 || read(out[0], buf, sizeof buf) <= 0) {
    st.SkipWithError("toy did not run");
    return;
  }
  lg::Snapshot s;
  t->snapshot(s, err);
  std::map<uint32_t, lg::SymModule> mods;
  for (const auto& m : t->modules()) mods[m.id] = lg::SymModule{m.path, m.build_id, m.fd};
  size_t fds = 0, sites = 0;
  for (auto _ : st) {
    lg::Symbolizer sym;
    std::map<uint64_t, std::string> site_of;  // stack -> file:line of its first frame with a line
    std::set<std::string> distinct;
    fds = 0;
    for (const auto& f : s.fds) {
      if (!f.stack) continue;
      fds++;
      if (site_of.count(f.stack)) continue;
      lg::StackInfo si;
      if (!t->stack(f.stack, si)) continue;
      std::string where;
      for (uint64_t fr : si.frames) {
        auto it = mods.find(fr >> LGA_FRAME_OFF_BITS);
        if (it == mods.end()) continue;
        for (const auto& x : sym.symbolize(it->second, fr & LGA_FRAME_OFF_MASK))
          if (where.empty() && x.line && x.file.find("toy.c") != std::string::npos)
            where = x.file + ":" + std::to_string(x.line);
      }
      site_of[f.stack] = where;
      distinct.insert(where);
    }
    sites = distinct.size();
  }
  st.counters["fds"] = (double)fds;
  st.counters["sites"] = (double)sites;
  close(in[1]);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}
BENCHMARK(symbolize)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

}  // namespace

BENCHMARK_MAIN();
