// SPDX-License-Identifier: MIT
#include "harness/run/run.h"

#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <algorithm>
#include <set>

#include "harness/base/exit_codes.h"
#include "harness/base/fs.h"
#include "harness/base/out_dir.h"
#include "harness/base/safe_file.h"
#include "harness/probe/probe.h"
#include "harness/run/leftovers.h"
#include "harness/run/scenario_run.h"
#include "harness/workloads/spawner.h"
#include "harness/verdict/check_type.h"
#include "reports/report.h"

namespace lg {

namespace {

std::atomic<int> g_interrupts{0};

void on_signal(int sig) {
  int n = ++g_interrupts;
  // Tell a person at a terminal what happens (write(2) is async-signal-safe).
  const char* m = n == 1 ? "\nleakguard: interrupted: stopping the target and cleaning up "
                           "(again to skip the grace period)\n"
                         : "\nleakguard: interrupted again: killing without grace\n";
  if (write(2, m, strlen(m)) < 0) {
  }
  (void)sig;
}

void install_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a dead target's pipe must not kill us
}

std::string absolute(const std::string& p) {
  std::error_code ec;
  auto a = std::filesystem::absolute(p, ec);
  return ec ? p : a.lexically_normal().string();
}

// OUT and the OUT/<scenario> directories of this run, made and locked before anything starts.
class OutputRoots {
 public:
  bool open(const std::string& root, const std::vector<Scenario>& all, const std::vector<size_t>& mine,
            std::string& err) {
    if (!Dir::open(root, true, root_, err, &created_)) return false;
    dirs_.resize(all.size());
    for (size_t i : mine) {
      dirs_[i] = std::make_unique<OutputDir>();
      pid_t holder = 0;
      if (!dirs_[i]->open(root_, all[i].name, true, err, holder)) {
        undo();
        return false;
      }
    }
    return true;
  }
  OutputDir* dir(size_t i) { return dirs_[i].get(); }

 private:
  // Gives up: what was made for this run is removed again (nothing is left behind).
  void undo() {
    for (auto& d : dirs_)
      if (d) d->discard();
    dirs_.clear();
    root_ = Dir();
    for (auto it = created_.rbegin(); it != created_.rend(); ++it) rmdir(it->c_str());
  }
  Dir root_;
  std::vector<std::string> created_;
  std::vector<std::unique_ptr<OutputDir>> dirs_;
};

}  // namespace

std::vector<size_t> shard_indexes(size_t count, int index, int of) {
  std::vector<size_t> out;
  for (size_t i = 0; i < count; i++)
    if (of <= 1 || (int)(i % of) == index - 1) out.push_back(i);
  return out;
}

bool leak_found(const RunResult& r) {
  if (r.interrupted || !r.environment_error.empty()) return false;
  for (const auto& s : r.lifecycle)
    if ((s.name == "started" || s.name == "became ready") && !s.ok && !s.skipped) return false;
  for (const auto& v : r.verdicts)
    if (v.outcome == Outcome::Fail) return true;
  return false;
}

int bisect_exit_code(int code, bool leak, bool interrupted) {
  if (interrupted) return kExitBisectSkip;
  if (leak) return kExitCheckFailed;
  return code == kExitOk ? kExitOk : kExitBisectSkip;
}

namespace {

// What `run --bisect` needs beyond the exit code, and what it says about it.
struct Found {
  bool leak = false;
  std::string leak_what;  // "netns-churn: fd.netns max_slope <= 1 per 1000 netns"
  std::string problem;    // the first reason a run went wrong other than a failed check
};

// Why a run went wrong, other than a check that failed: "" when nothing did.
std::string run_problem(const RunResult& r) {
  if (!r.environment_error.empty()) return r.environment_error;
  if (r.interrupted) return "interrupted";
  for (const auto& s : r.lifecycle)
    if (!s.ok && !s.skipped) return "target " + s.name + ": " + s.message;
  for (const auto& w : r.workloads)
    if (!w.error.empty()) return "workload " + w.phase + "/" + w.kind + ": " + w.error;
  for (const auto& v : r.verdicts)
    if (v.outcome == Outcome::Error) return v.sentence;
  return "";
}

int run_scenarios(const RunOptions& o, Found& found) {
  // 1. Every scenario is valid, or nothing starts.
  LoadOptions lo;
  lo.overrides = o.sets;
  lo.target_argv = o.target_argv;
  lo.binary_dir = self_dir();
  lo.command_must_exist = true;
  std::vector<Scenario> all;
  bool bad = false;
  for (const auto& f : o.scenario_files) {
    std::vector<Diagnostic> diags;
    auto s = load_scenario_file(f, lo, diags);
    print_diagnostics(diags);
    if (s)
      all.push_back(std::move(*s));
    else
      bad = true;
  }
  if (bad) return kExitUsage;
  std::set<std::string> names;
  for (const auto& s : all)
    if (!names.insert(s.name).second) {
      fprintf(stderr, "leakguard: error: two scenarios are named '%s'; each needs its own output directory\n",
              s.name.c_str());
      return kExitUsage;
    }
  std::vector<size_t> mine = shard_indexes(all.size(), o.shard_index, o.shard_count);

  // Every output path is usable, or nothing starts (and nothing is created).
  std::string err;
  std::string out_root = absolute(o.out_dir);
  for (size_t i : mine)
    if (!OutputDir::check(out_root, all[i].name, err)) {
      fprintf(stderr, "leakguard: error: --out %s: %s\n", o.out_dir.c_str(), err.c_str());
      return kExitUsage;
    }
  if (!o.junit.empty() && !check_output_file(absolute(o.junit), err)) {
    fprintf(stderr, "leakguard: error: --junit %s: %s\n", o.junit.c_str(), err.c_str());
    return kExitUsage;
  }

  // 2. The run's containment, set up while leakguard has a single thread.
  if (geteuid() != 0) {
    fprintf(stderr,
            "leakguard: error: run needs root (cgroups, a private mount namespace, BPF); "
            "see 'leakguard probe'\n");
    return kExitEnvironment;
  }
  // The output directories, locked for the whole run: a second run on one refuses now.
  OutputRoots outs;
  if (!outs.open(out_root, all, mine, err)) {
    fprintf(stderr, "leakguard: error: %s\n", err.c_str());
    return kExitEnvironment;
  }
  // What dead runs left behind (leakguard and its watchdog killed together) goes now.
  std::vector<std::string> notes = remove_dead_leftovers(cgroup2_mount());
  for (const auto& n : notes) fprintf(stderr, "leakguard: note: %s\n", n.c_str());
  install_handlers();
  Watchdog wd;
  if (!wd.start(err)) {
    fprintf(stderr, "leakguard: error: %s\n", err.c_str());
    return kExitEnvironment;
  }
  RunCgroup cg;
  RunCgroup* cgp = nullptr;
  std::string no_cgroup;
  std::string mount = cgroup2_mount();
  if (mount.empty()) {
    no_cgroup = "cgroup v2 is not mounted";
  } else if (getenv("LEAKGUARD_NO_CGROUP")) {  // to test the fallback where cgroup v2 exists
    no_cgroup = "LEAKGUARD_NO_CGROUP is set";
  } else {
    wd.add_cgroup(mount + "/leakguard-" + std::to_string(getpid()));  // before it exists
    if (cg.create(mount, err) && cg.enter(err)) {
      cgp = &cg;
    } else {
      no_cgroup = err;
      std::string e;
      cg.destroy(e);
    }
  }
  // Orphans of the target reparent to us instead of init, so we can find and reap them (in
  // the process-tree fallback that is also how we find them at all).
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  if (!cgp) {
    fprintf(stderr, "leakguard: warning: %s: targets are contained by process tree instead of a cgroup\n",
            no_cgroup.c_str());
  }
  PrivateMounts pm;
  if (!enter_private_mounts(pm, wd, err)) {
    fprintf(stderr, "leakguard: error: %s\n", err.c_str());
    std::string e;
    cg.destroy(e);
    return kExitEnvironment;
  }
  // The spawners fork the workloads' processes; made now, while leakguard is small and has
  // one thread, so that their forks stay cheap (spawner.h). One per CPU, so that forks run in
  // parallel. They are in the harness group.
  Spawner spawner;
  if (!spawner.start(err, spawners_per_run())) {
    fprintf(stderr, "leakguard: error: %s\n", err.c_str());
    leave_private_mounts(pm);
    std::string e;
    cg.destroy(e);
    return kExitEnvironment;
  }
  for (pid_t p : spawner.pids()) wd.add_pid(p);  // the process-tree fallback has no cgroup to kill them with
  ProbeReport probe = run_probe();

  // 3. The scenarios, one after the other.
  Progress progress(o.quiet);
  RunEnv env;
  env.out_root = out_root;
  env.notes = notes;
  if (const char* rows = getenv("LEAKGUARD_SERIES_ROWS"))  // tests: make a short run a long one
    env.series_rows = std::max<size_t>(16, strtoul(rows, nullptr, 10));
  env.cgroup = cgp;
  env.no_cgroup_reason = no_cgroup;
  env.mounts = &pm;
  env.watchdog = &wd;
  env.spawner = &spawner;
  env.probe = &probe;
  env.backend = o.backend;
  env.interval = o.interval;
  env.attribution = o.attribution;
  env.debug_dirs = o.debug_dirs;
  env.progress = &progress;
  env.interrupts = &g_interrupts;
  std::vector<RunResult> results;
  int code = kExitOk;
  for (size_t i : mine) {
    if (g_interrupts) break;
    env.index = (int)i;
    env.out = outs.dir(i);
    RunResult r = run_scenario(all[i], env);
    if (leak_found(r) && !found.leak) {
      found.leak = true;
      for (const auto& v : r.verdicts)
        if (v.outcome == Outcome::Fail && found.leak_what.empty())
          found.leak_what = r.scenario + ": " + check_words(v.check);
    }
    if (found.problem.empty() && !run_problem(r).empty()) found.problem = r.scenario + ": " + run_problem(r);
    if (!r.environment_error.empty())
      code = kExitEnvironment;
    else if (r.failed() && code == kExitOk)
      code = kExitCheckFailed;
    // A report that cannot be written is the machine's problem (a full disk): exit 3, and the
    // console names only the files that were written.
    std::string werr;
    std::vector<std::string> written;
    const ColumnSource* full =
        env.store && env.store->reduced() && env.store->disk_error().empty() ? env.store.get() : nullptr;
    bool wrote = write_reports(r, *env.out, written, werr, full);
    env.store.reset();
    if (!wrote) {
      fprintf(stderr, "leakguard: error: %s\n", werr.c_str());
      code = kExitEnvironment;
    }
    if (!o.quiet) {
      fputs(console_summary(r, written, werr).c_str(), stdout);
    } else {
      printf("%s: %s\n", r.scenario.c_str(), r.failed() || !werr.empty() ? "FAILED" : "PASSED");
    }
    fflush(stdout);
    results.push_back(std::move(r));
  }
  if (g_interrupts && code == kExitOk) code = kExitCheckFailed;
  if (!o.junit.empty()) {
    std::vector<const RunResult*> ptrs;
    for (const auto& r : results) ptrs.push_back(&r);
    if (!write_junit_runs(ptrs, absolute(o.junit), err)) {
      fprintf(stderr, "leakguard: error: --junit: %s\n", err.c_str());
      code = kExitEnvironment;
    }
  }

  // 4. Nothing of the run survives it.
  std::vector<pid_t> spawner_pids = spawner.pids();
  spawner.stop();
  for (pid_t p : spawner_pids) wd.remove_pid(p);
  leave_private_mounts(pm);
  if (cgp && !cg.destroy(err)) fprintf(stderr, "leakguard: warning: %s (the watchdog retries)\n", err.c_str());
  wd.finish();
  return code;
}

}  // namespace

int run_command(const RunOptions& o) {
  Found found;
  int code = run_scenarios(o, found);
  if (!o.bisect) return code;
  int bisect = bisect_exit_code(code, found.leak, g_interrupts > 0);
  // One line for whoever reads the `git bisect run` log: what this commit was taken for.
  std::string why = bisect == kExitOk            ? "good: every check passed"
                    : bisect == kExitCheckFailed ? "bad: a leak was found (" + found.leak_what + ")"
                    : g_interrupts > 0           ? "skip: interrupted"
                    : !found.problem.empty()     ? "skip: " + found.problem
                    : code == kExitUsage         ? "skip: usage or scenario error"
                    : code == kExitEnvironment   ? "skip: environment error"
                                                 : "skip: the run failed without a leak";
  fprintf(stderr, "leakguard: --bisect: exit %d, %s\n", bisect, why.c_str());
  return bisect;
}

}  // namespace lg
