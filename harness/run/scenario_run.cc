// SPDX-License-Identifier: MIT
#include "harness/run/scenario_run.h"

#include <sys/wait.h>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <memory>
#include <set>

#include "harness/base/fs.h"
#include "harness/base/metrics.h"
#include "harness/base/units.h"
#include "harness/census/census.h"
#include "harness/run/phase.h"
#include "harness/run/preflight.h"
#include "harness/run/sampler.h"
#include "harness/run/target.h"
#include "harness/verdict/judge.h"
#include "version.h"

namespace lg {

namespace {

LifecycleStep skipped_step(const char* name, const std::string& why) {
  LifecycleStep s;
  s.name = name;
  s.skipped = true;
  s.message = why;
  return s;
}

// A netns for the run, held only by an fd (nothing to clean if we die: the fd goes with us).
int make_run_netns() {
  int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (self < 0) return -1;
  int fd = -1;
  if (unshare(CLONE_NEWNET) == 0) {
    fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (setns(self, CLONE_NEWNET) != 0) {
      // Cannot get back: this thread would run everything inside the new netns. Refuse.
      if (fd >= 0) close(fd);
      fd = -2;
    }
  }
  close(self);
  return fd;
}

std::vector<double> by_name(const std::vector<std::string>& want, const std::vector<std::string>& have,
                            const std::vector<double>& v) {
  std::vector<double> out(want.size(), kUnavailable);
  for (size_t i = 0; i < want.size(); i++)
    for (size_t j = 0; j < have.size() && j < v.size(); j++)
      if (want[i] == have[j]) out[i] = v[j];
  return out;
}

}  // namespace

bool prepare_out_dir(const std::string& dir, std::string& err) {
  std::string name = dir.substr(dir.rfind('/') + 1);
  if (name.empty() || name == "." || name == "..") {
    err = "scenario name '" + name + "' cannot be an output directory name";
    return false;
  }
  std::error_code ec;
  // Only what a previous run wrote is cleared: a name that collides with some other
  // directory (OUT=/, a scenario named "etc") must never cost its contents.
  if (std::filesystem::is_directory(dir, ec) && !std::filesystem::is_empty(dir, ec)) {
    bool ours = false;
    for (const char* f : {"series.json", "junit.xml", "report.html", "target.stdout.log"})
      ours |= std::filesystem::exists(dir + "/" + f, ec);
    if (!ours) {
      err = "refusing to clear " + dir + ": it is not empty and holds no leakguard report";
      return false;
    }
  }
  std::filesystem::remove_all(dir, ec);
  if (ec) {
    err = "cannot clear " + dir + ": " + ec.message();
    return false;
  }
  return make_dirs(dir, err);
}

RunResult run_scenario(const Scenario& sc, RunEnv& env) {
  RunResult r;
  double wall0 = monotonic_seconds();
  r.scenario = sc.name;
  r.description = sc.description;
  r.scenario_file = sc.file;
  r.out_dir = env.out_root + "/" + sc.name;
  r.timestamp = utc_timestamp();
  utsname u{};
  uname(&u);
  r.hostname = u.nodename;
  r.kernel = u.release;
  r.version = LEAKGUARD_VERSION;
  r.seed = sc.seed;
  const bool has_target = sc.target.has_value();
  if (has_target) r.target_argv = sc.target->command;
  auto interrupted = [&] { return env.interrupts && env.interrupts->load() > 0; };
  auto finish = [&] {
    r.interrupted = interrupted();
    r.duration = monotonic_seconds() - wall0;
    return r;
  };

  std::string err;
  env.out_dir_ready = prepare_out_dir(r.out_dir, err);
  if (!env.out_dir_ready) {
    r.environment_error = err;
    return finish();
  }
  Backend backend = env.backend.value_or(sc.sampling.backend);
  r.environment_error = preflight(sc, *env.probe, backend);
  if (!r.environment_error.empty()) return finish();

  // Containment.
  std::string tcg;
  std::optional<uint64_t> nproc;
  if (has_target && env.cgroup) {
    bool limited = false;
    uint64_t pids = sc.target->limit_pids.value_or(0);
    tcg = env.cgroup->add_target("target-" + std::to_string(env.index + 1), pids, limited, err);
    if (tcg.empty()) {
      r.environment_error = err;
      return finish();
    }
    r.containment = "cgroup " + tcg;
    if (pids && !limited) {
      nproc = pids;
      r.containment +=
          " (pids controller not available to cgroup v2 here: target.limits.pids "
          "applied as RLIMIT_NPROC, which does not bind a target running as root)";
    }
  } else if (has_target) {
    r.containment =
        "process tree (" + env.no_cgroup_reason + "): descendants that leave the target's session can escape";
    nproc = sc.target->limit_pids;
  } else {
    r.containment = "none (no target: system metrics only)";
  }

  // The run's netns, for workloads that run things inside one. Made before the baseline so
  // that it is in both the baseline and the residue census.
  int run_netns = -1;
  if (sc.workload_count() && env.probe->ok("netns.create")) {
    run_netns = make_run_netns();
    if (run_netns == -2) {
      r.environment_error = "cannot return to the host network namespace after creating the run's";
      return finish();
    }
  }

  // Census: made before launch when the scope exists already (cgroup, system); a process-tree
  // census needs the target's pid, so it is made right after launch.
  CensusOptions co;
  co.slab_caches = sc.sampling.slab_caches;
  std::unique_ptr<Census> census;
  std::string note;
  auto make = [&](const CensusScope& scope) {
    census = make_census(backend, scope, co, err, note);
    if (!census) r.environment_error = "census: " + err;
    return census != nullptr;
  };
  CensusScope scope;
  bool tree = has_target && tcg.empty();
  if (has_target && !tree) {
    scope.kind = CensusScope::Cgroup;
    scope.cgroup = tcg;
  }
  std::vector<std::string> base_names;
  std::vector<double> base_values;
  {
    std::unique_ptr<Census> sys_census;
    Census* c = nullptr;
    if (!tree) {
      if (!make(scope)) return finish();
      c = census.get();
    } else {
      CensusScope sys;
      std::string n2;
      sys_census = make_census(backend, sys, co, err, n2);
      if (!sys_census) {
        r.environment_error = "census: " + err;
        return finish();
      }
      c = sys_census.get();
    }
    base_names = c->metrics();
    if (!c->sample(base_values, err)) base_values.assign(base_names.size(), kUnavailable);
  }

  // Launch.
  std::unique_ptr<Target> target;
  bool launched = false, ready = false;
  double t0 = monotonic_seconds();
  r.stdout_log = r.out_dir + "/target.stdout.log";
  r.stderr_log = r.out_dir + "/target.stderr.log";
  if (has_target) {
    const TargetSpec& ts = *sc.target;
    TargetConfig tc;
    tc.argv = ts.command;
    std::string exe = resolve_command(ts.command[0], self_dir());
    if (!exe.empty()) tc.argv[0] = exe;
    tc.env = ts.env;
    tc.cwd = ts.cwd;
    tc.user = ts.user;
    tc.limit_nofile = ts.limit_nofile;
    tc.limit_nproc = nproc;
    tc.cgroup = tcg;
    if (tree) {
      tc.tag = "LEAKGUARD_RUN=" + std::to_string(getpid()) + "-" + std::to_string(env.index + 1);
      env.watchdog->add_tag(tc.tag);
    }
    tc.stdout_log = r.stdout_log;
    tc.stderr_log = r.stderr_log;
    if (ts.ready.kind == ReadySpec::Stdout) tc.ready_pattern = ts.ready.pattern;
    target = std::make_unique<Target>();
    LifecycleStep st;
    st.name = "started";
    t0 = monotonic_seconds();
    launched = target->launch(tc, err);
    st.ok = launched;
    st.message = launched ? "pid " + std::to_string(target->pid()) + ": " + tc.argv[0] : err;
    r.lifecycle.push_back(st);
    if (launched && tree) {
      env.watchdog->add_pid(target->pid());
      scope.kind = CensusScope::Cgroup;  // process tree: the census's fallback mode
      scope.tree_root = target->pid();
      if (!make(scope)) launched = false;
    }
  } else {
    r.stdout_log.clear();
    r.stderr_log.clear();
    r.lifecycle.push_back(skipped_step("started", "no target: system only"));
  }

  Series& s = r.series;
  if (census) {
    r.backend = census->backend();
    r.backend_note = note;
    s.metrics = census->metrics();
    s.unavailable = census->unavailable();
    for (const auto& m : s.metrics) {
      const MetricInfo* mi = find_metric(m);
      s.units.push_back(mi ? mi->unit : "objects");
    }
    s.pre_launch = by_name(s.metrics, base_names, base_values);
  }
  for (const auto& ph : sc.phases)
    for (const auto& w : ph.workloads)
      if (s.event_index(w.kind) < 0) s.event_kinds.push_back(w.kind);
  s.values.resize(s.metrics.size());
  s.events.resize(s.event_kinds.size());

  EventBoard board(s.event_kinds.size());
  std::unique_ptr<Sampler> sampler;
  if (census) {
    sampler = std::make_unique<Sampler>(*census, s, board, t0, env.interval > 0 ? env.interval : sc.sampling.interval);
    sampler->start();
  }
  int netns_col = s.metric_index(metric_name(MetricId::sys_netns));
  int fds_col = s.metric_index(metric_name(MetricId::fd_total));
  auto progress = [&](ProgressState& st) {
    if (!env.progress) return;
    st.scenario = sc.name;
    st.elapsed = monotonic_seconds() - t0;
    bool running = target && !target->exited() && s.stop < 0;
    st.fds = (running && sampler && fds_col >= 0) ? sampler->latest(fds_col) : -1;
    if (!available(st.fds)) st.fds = -1;
    env.progress->update(st);
  };

  // Ready.
  if (has_target && launched) {
    std::string msg;
    std::atomic<bool> cancel{false};
    // wait_ready polls `cancel`; mirror the interrupt count into it from here.
    std::thread mirror([&] {
      while (!cancel) {
        if (interrupted()) cancel = true;
        usleep(20000);
      }
    });
    ready = target->wait_ready(sc.target->ready, &cancel, msg);
    bool was_cancelled = cancel.exchange(true);
    mirror.join();
    LifecycleStep st;
    st.name = "became ready";
    st.seconds = monotonic_seconds() - t0;
    st.ok = ready;
    st.message = ready ? "after " + format_fixed(st.seconds, 2) + "s" : msg;
    if (!ready && !was_cancelled) st.detail = target->stderr_last(20);
    if (!ready && was_cancelled) st.skipped = true;  // the interrupt is the failure, reported once
    r.lifecycle.push_back(st);
  } else if (has_target) {
    r.lifecycle.push_back(skipped_step("became ready", "never started"));
  } else {
    r.lifecycle.push_back(skipped_step("became ready", "no target"));
    ready = true;
  }

  // Phases.
  if (ready && census) {
    WorkloadContext ctx;
    ctx.target_pid = target ? target->pid() : 0;
    ctx.run_dir = r.out_dir;
    ctx.netns_dir = env.mounts ? env.mounts->netns_dir : "/run/netns";
    ctx.bpffs_dir = env.mounts ? env.mounts->bpffs_dir : "";
    ctx.run_netns_fd = run_netns;
    if (netns_col >= 0 && s.unavailable[netns_col].empty()) {
      Sampler* sp = sampler.get();
      ctx.live_netns = [sp, netns_col] { return sp->latest(netns_col); };
    }
    if (target) {
      Target* tp = target.get();
      ctx.target_pids = [tp] { return tp->pids(); };
    }
    PhaseHooks hooks;
    hooks.must_stop = [&] { return interrupted() || (target && target->exited()); };
    hooks.progress = progress;
    for (const auto& ph : sc.phases) {
      if (hooks.must_stop()) break;
      PhaseSpan span;
      span.name = ph.name;
      span.has_workloads = !ph.workloads.empty();
      span.start = monotonic_seconds() - t0;
      run_phase(ph, s.event_kinds, board, ctx, hooks, r.workloads);
      span.end = monotonic_seconds() - t0;
      s.phases.push_back(span);
    }
  }

  // Stop.
  if (target && launched) {
    s.stop = monotonic_seconds() - t0;
    if (!ready) {
      target->kill_all();
      r.lifecycle.push_back(skipped_step("stopped cleanly", "killed: it never became ready"));
    } else {
      bool early = target->exited();
      LifecycleStep st = target->stop(sc.target->stop, [&] { return env.interrupts && env.interrupts->load() >= 2; });
      if (early) st.message += " at " + format_fixed(target->exit_time() - t0, 1) + "s";
      r.lifecycle.push_back(st);
    }
  } else {
    r.lifecycle.push_back(skipped_step("stopped cleanly", has_target ? "never started" : "no target"));
  }
  if (env.progress) env.progress->clear();
  // Orphans of the target (its unreaped children) were reparented to us, the subreaper: reap
  // them now, so what the residue census sees is what the target left in the kernel, not how
  // slowly an init process reaps. Workloads are joined by now, so no status is stolen.
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }

  // Settle: keep sampling until the system metrics the checks look at hold still.
  std::vector<Check> checks = sc.default_checks ? default_checks(s.event_kinds, has_target) : sc.checks;
  if (sampler) {
    std::vector<int> cols;
    std::set<std::string> names;
    for (const auto& c : checks) {
      const MetricInfo* m = find_metric(c.metric);
      if (m && m->scope == Scope::System) names.insert(c.metric);
    }
    for (const auto& n : names) {
      int i = s.metric_index(n);
      if (i >= 0 && s.unavailable[i].empty()) cols.push_back(i);
    }
    double since = monotonic_seconds() - t0;
    double deadline = monotonic_seconds() + sc.sampling.settle_timeout;
    while (!cols.empty() && !interrupted() && monotonic_seconds() < deadline && !sampler->stable(cols, since, 1.0)) {
      ProgressState st;
      st.phase = "settle";
      progress(st);
      usleep(20000);
    }
    if (env.progress) env.progress->clear();
    sampler->stop();
    sampler->sample_now();
    s.settle_end = s.t.back();
    s.post_settle.resize(s.metrics.size());
    for (size_t i = 0; i < s.metrics.size(); i++) s.post_settle[i] = s.values[i].back();
    if (sampler->failures())
      r.backend_note += std::string(r.backend_note.empty() ? "" : "; ") + std::to_string(sampler->failures()) +
                        " census readings failed (first: " + sampler->first_error() + ")";
  }
  if (run_netns >= 0) close(run_netns);
  if (target) {
    r.stdout_tail = target->stdout_tail();
    r.stderr_tail = target->stderr_tail();
    target.reset();  // joins its threads; everything of it is dead already
  }
  sampler.reset();
  census.reset();
  if (!tcg.empty()) {
    std::string e;
    cgroup_kill(tcg);
    cgroup_wait_empty(tcg, 5);
    cgroup_remove(tcg, e);
  }
  // Processes our workloads forked live in the harness group; none may outlive the scenario.
  if (env.cgroup)
    for (pid_t p : cgroup_pids(env.cgroup->harness, false))
      if (p != getpid()) kill(p, SIGKILL);

  // Judge what was recorded. A target that never ran leaves nothing worth judging.
  if (census || !s.metrics.empty())
    if (!has_target || (launched && ready)) r.verdicts = judge_checks(checks, s);
  return finish();
}

}  // namespace lg
