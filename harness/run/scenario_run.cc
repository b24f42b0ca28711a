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
#include <optional>
#include <set>
#include <thread>

#include "harness/base/clock.h"
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

namespace {

// One scenario run, in the steps run_scenario names: each is a method a reader can find, and
// the state they share is here.
class ScenarioRun {
 public:
  ScenarioRun(const Scenario& sc, RunEnv& env) : sc_(sc), env_(env), has_target_(sc.target.has_value()) {}
  ~ScenarioRun() {
    if (run_netns_ >= 0) close(run_netns_);
  }
  RunResult run();

 private:
  bool interrupted() const { return env_.interrupts && env_.interrupts->load() > 0; }
  void describe_run();
  bool preflight_ok();
  bool containment();
  bool baseline_census();
  void launch();
  void record_columns();
  void wait_ready();
  void run_phases();
  void stop_target();
  void settle();
  void release();
  void judge();
  RunResult finish();
  bool make_target_census(const CensusScope& scope);
  void progress(ProgressState& st);

  const Scenario& sc_;
  RunEnv& env_;
  const bool has_target_;
  RunResult r_;
  double wall0_ = 0;
  double t0_ = 0;  // launch: the time origin of the series
  Backend backend_ = Backend::Auto;
  std::string tcg_;  // the target's cgroup ("" : process tree or no target)
  bool tree_ = false;
  std::optional<uint64_t> nproc_;  // RLIMIT_NPROC when the pids controller cannot bind
  int run_netns_ = -1;
  CensusOptions census_opts_;
  CensusScope scope_;
  std::unique_ptr<Census> census_;
  std::string census_note_;
  std::vector<std::string> base_names_;
  std::vector<double> base_values_;
  std::unique_ptr<Target> target_;
  bool launched_ = false, ready_ = false;
  std::unique_ptr<EventBoard> board_;
  std::unique_ptr<Sampler> sampler_;
  int netns_col_ = -1, fds_col_ = -1;
  std::vector<Check> checks_;
};

RunResult ScenarioRun::run() {
  describe_run();
  if (!preflight_ok() || !containment() || !baseline_census()) return finish();
  launch();
  record_columns();
  wait_ready();
  run_phases();
  stop_target();
  settle();
  release();
  judge();
  return finish();
}

// What ran, where: the parts of the result known before anything starts.
void ScenarioRun::describe_run() {
  wall0_ = monotonic_seconds();
  r_.scenario = sc_.name;
  r_.description = sc_.description;
  r_.scenario_file = sc_.file;
  r_.out_dir = env_.out_root + "/" + sc_.name;
  r_.timestamp = utc_timestamp();
  utsname u{};
  uname(&u);
  r_.hostname = u.nodename;
  r_.kernel = u.release;
  r_.version = LEAKGUARD_VERSION;
  r_.seed = sc_.seed;
  if (has_target_) r_.target_argv = sc_.target->command;
}

// The output directory, then whether this machine can run the scenario at all.
bool ScenarioRun::preflight_ok() {
  std::string err;
  env_.out_dir_ready = prepare_out_dir(r_.out_dir, err);
  if (!env_.out_dir_ready) {
    r_.environment_error = err;
    return false;
  }
  backend_ = env_.backend.value_or(sc_.sampling.backend);
  r_.environment_error = preflight(sc_, *env_.probe, backend_);
  return r_.environment_error.empty();
}

// Containment: the target's own cgroup (or its process tree), and the run's netns.
bool ScenarioRun::containment() {
  std::string err;
  if (has_target_ && env_.cgroup) {
    bool limited = false;
    uint64_t pids = sc_.target->limit_pids.value_or(0);
    tcg_ = env_.cgroup->add_target("target-" + std::to_string(env_.index + 1), pids, limited, err);
    if (tcg_.empty()) {
      r_.environment_error = err;
      return false;
    }
    r_.containment = "cgroup " + tcg_;
    if (pids && !limited) {
      nproc_ = pids;
      r_.containment +=
          " (pids controller not available to cgroup v2 here: target.limits.pids "
          "applied as RLIMIT_NPROC, which does not bind a target running as root)";
    }
  } else if (has_target_) {
    r_.containment =
        "process tree (" + env_.no_cgroup_reason + "): descendants that leave the target's session can escape";
    nproc_ = sc_.target->limit_pids;
  } else {
    r_.containment = "none (no target: system metrics only)";
  }
  tree_ = has_target_ && tcg_.empty();

  // The run's netns, for workloads that run things inside one. Made before the baseline so
  // that it is in both the baseline and the residue census.
  if (sc_.workload_count() && env_.probe->ok("netns.create")) {
    run_netns_ = make_run_netns();
    if (run_netns_ == -2) {
      r_.environment_error = "cannot return to the host network namespace after creating the run's";
      return false;
    }
  }
  return true;
}

bool ScenarioRun::make_target_census(const CensusScope& scope) {
  std::string err;
  census_ = make_census(backend_, scope, census_opts_, err, census_note_);
  if (!census_) r_.environment_error = "census: " + err;
  return census_ != nullptr;
}

// The census before launch. Made before launch when the scope exists already (cgroup,
// system); a process-tree census needs the target's pid, so it is made right after launch and
// the baseline comes from a system census.
bool ScenarioRun::baseline_census() {
  census_opts_.slab_caches = sc_.sampling.slab_caches;
  if (has_target_ && !tree_) {
    scope_.kind = CensusScope::Cgroup;
    scope_.cgroup = tcg_;
  }
  std::unique_ptr<Census> sys_census;
  Census* c = nullptr;
  std::string err;
  if (!tree_) {
    if (!make_target_census(scope_)) return false;
    c = census_.get();
  } else {
    CensusScope sys;
    std::string note;
    sys_census = make_census(backend_, sys, census_opts_, err, note);
    if (!sys_census) {
      r_.environment_error = "census: " + err;
      return false;
    }
    c = sys_census.get();
  }
  base_names_ = c->metrics();
  if (!c->sample(base_values_, err)) base_values_.assign(base_names_.size(), kUnavailable);
  return true;
}

// Launch: the target started in its cgroup (or tagged, in process-tree mode).
void ScenarioRun::launch() {
  t0_ = monotonic_seconds();
  r_.stdout_log = r_.out_dir + "/target.stdout.log";
  r_.stderr_log = r_.out_dir + "/target.stderr.log";
  if (!has_target_) {
    r_.stdout_log.clear();
    r_.stderr_log.clear();
    r_.lifecycle.push_back(skipped_step("started", "no target: system only"));
    return;
  }
  const TargetSpec& ts = *sc_.target;
  TargetConfig tc;
  tc.argv = ts.command;
  std::string exe = resolve_command(ts.command[0], self_dir());
  if (!exe.empty()) tc.argv[0] = exe;
  tc.env = ts.env;
  tc.cwd = ts.cwd;
  tc.user = ts.user;
  tc.limit_nofile = ts.limit_nofile;
  tc.limit_nproc = nproc_;
  tc.cgroup = tcg_;
  if (tree_) {
    tc.tag = "LEAKGUARD_RUN=" + std::to_string(getpid()) + "-" + std::to_string(env_.index + 1);
    env_.watchdog->add_tag(tc.tag);
  }
  tc.stdout_log = r_.stdout_log;
  tc.stderr_log = r_.stderr_log;
  if (ts.ready.kind == ReadySpec::Stdout) tc.ready_pattern = ts.ready.pattern;
  target_ = std::make_unique<Target>();
  LifecycleStep st;
  st.name = "started";
  t0_ = monotonic_seconds();
  std::string err;
  launched_ = target_->launch(tc, err);
  st.ok = launched_;
  st.message = launched_ ? "pid " + std::to_string(target_->pid()) + ": " + tc.argv[0] : err;
  r_.lifecycle.push_back(st);
  if (launched_ && tree_) {
    env_.watchdog->add_pid(target_->pid());
    scope_.kind = CensusScope::Cgroup;  // process tree: the census's fallback mode
    scope_.tree_root = target_->pid();
    if (!make_target_census(scope_)) launched_ = false;
  }
}

// The columns of the series (the census's metrics, the scenario's event kinds), the baseline,
// and the sampler, which runs from here to the end of settle.
void ScenarioRun::record_columns() {
  Series& s = r_.series;
  if (census_) {
    r_.backend = census_->backend();
    r_.backend_note = census_note_;
    s.metrics = census_->metrics();
    s.unavailable = census_->unavailable();
    for (const auto& m : s.metrics) {
      const MetricInfo* mi = find_metric(m);
      s.units.push_back(mi ? mi->unit : "objects");
    }
    s.pre_launch = by_name(s.metrics, base_names_, base_values_);
  }
  for (const auto& ph : sc_.phases)
    for (const auto& w : ph.workloads)
      if (s.event_index(w.kind) < 0) s.event_kinds.push_back(w.kind);
  s.values.resize(s.metrics.size());
  s.events.resize(s.event_kinds.size());

  board_ = std::make_unique<EventBoard>(s.event_kinds.size());
  if (census_) {
    sampler_ =
        std::make_unique<Sampler>(*census_, s, *board_, t0_, env_.interval > 0 ? env_.interval : sc_.sampling.interval);
    sampler_->start();
  }
  netns_col_ = s.metric_index(metric_name(MetricId::sys_netns));
  fds_col_ = s.metric_index(metric_name(MetricId::fd_total));
}

void ScenarioRun::progress(ProgressState& st) {
  if (!env_.progress) return;
  st.scenario = sc_.name;
  st.elapsed = monotonic_seconds() - t0_;
  bool running = target_ && !target_->exited() && r_.series.stop < 0;
  st.fds = (running && sampler_ && fds_col_ >= 0) ? sampler_->latest(fds_col_) : -1;
  if (!available(st.fds)) st.fds = -1;
  env_.progress->update(st);
}

// Ready: the target's readiness condition, or an interrupt.
void ScenarioRun::wait_ready() {
  if (!has_target_) {
    r_.lifecycle.push_back(skipped_step("became ready", "no target"));
    ready_ = true;
    return;
  }
  if (!launched_) {
    r_.lifecycle.push_back(skipped_step("became ready", "never started"));
    return;
  }
  std::string msg;
  std::atomic<bool> cancel{false};
  // wait_ready polls `cancel`; mirror the interrupt count into it from here.
  std::thread mirror([&] {
    while (!cancel) {
      if (interrupted()) cancel = true;
      usleep(20000);
    }
  });
  ready_ = target_->wait_ready(sc_.target->ready, &cancel, msg);
  bool was_cancelled = cancel.exchange(true);
  mirror.join();
  LifecycleStep st;
  st.name = "became ready";
  st.seconds = monotonic_seconds() - t0_;
  st.ok = ready_;
  st.message = ready_ ? "after " + format_fixed(st.seconds, 2) + "s" : msg;
  if (!ready_ && !was_cancelled) st.detail = target_->stderr_last(20);
  if (!ready_ && was_cancelled) st.skipped = true;  // the interrupt is the failure, reported once
  r_.lifecycle.push_back(st);
}

// Phases, in order, until the last one ends or the run must stop.
void ScenarioRun::run_phases() {
  if (!ready_ || !census_) return;
  Series& s = r_.series;
  WorkloadContext ctx;
  ctx.target_pid = target_ ? target_->pid() : 0;
  ctx.run_dir = r_.out_dir;
  ctx.netns_dir = env_.mounts ? env_.mounts->netns_dir : "/run/netns";
  ctx.bpffs_dir = env_.mounts ? env_.mounts->bpffs_dir : "";
  ctx.run_netns_fd = run_netns_;
  if (netns_col_ >= 0 && s.unavailable[netns_col_].empty()) {
    Sampler* sp = sampler_.get();
    int col = netns_col_;
    ctx.live_netns = [sp, col] { return sp->latest(col); };
  }
  if (target_) {
    Target* tp = target_.get();
    ctx.target_pids = [tp] { return tp->pids(); };
  }
  PhaseHooks hooks;
  hooks.must_stop = [&] { return interrupted() || (target_ && target_->exited()); };
  hooks.progress = [this](ProgressState& st) { progress(st); };
  for (const auto& ph : sc_.phases) {
    if (hooks.must_stop()) break;
    PhaseSpan span;
    span.name = ph.name;
    span.has_workloads = !ph.workloads.empty();
    span.start = monotonic_seconds() - t0_;
    run_phase(ph, s.event_kinds, *board_, ctx, hooks, r_.workloads);
    span.end = monotonic_seconds() - t0_;
    s.phases.push_back(span);
  }
}

// Stop: the stop signal, the grace, then the whole group killed; the target's orphans reaped.
void ScenarioRun::stop_target() {
  if (target_ && launched_) {
    r_.series.stop = monotonic_seconds() - t0_;
    if (!ready_) {
      target_->kill_all();
      r_.lifecycle.push_back(skipped_step("stopped cleanly", "killed: it never became ready"));
    } else {
      bool early = target_->exited();
      LifecycleStep st =
          target_->stop(sc_.target->stop, [&] { return env_.interrupts && env_.interrupts->load() >= 2; });
      if (early) st.message += " at " + format_fixed(target_->exit_time() - t0_, 1) + "s";
      r_.lifecycle.push_back(st);
    }
  } else {
    r_.lifecycle.push_back(skipped_step("stopped cleanly", has_target_ ? "never started" : "no target"));
  }
  if (env_.progress) env_.progress->clear();
  // Orphans of the target (its unreaped children) were reparented to us, the subreaper: reap
  // them now, so what the residue census sees is what the target left in the kernel, not how
  // slowly an init process reaps. Workloads are joined by now, so no status is stolen.
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

// Settle: keep sampling until the system metrics the checks look at hold still, then the
// residue census.
void ScenarioRun::settle() {
  Series& s = r_.series;
  checks_ = sc_.default_checks ? default_checks(s.event_kinds, has_target_) : sc_.checks;
  if (!sampler_) return;
  std::vector<int> cols;
  std::set<std::string> names;
  for (const auto& c : checks_) {
    const MetricInfo* m = find_metric(c.metric);
    if (m && m->scope == Scope::System) names.insert(c.metric);
  }
  for (const auto& n : names) {
    int i = s.metric_index(n);
    if (i >= 0 && s.unavailable[i].empty()) cols.push_back(i);
  }
  double since = monotonic_seconds() - t0_;
  double deadline = monotonic_seconds() + sc_.sampling.settle_timeout;
  while (!cols.empty() && !interrupted() && monotonic_seconds() < deadline && !sampler_->stable(cols, since, 1.0)) {
    ProgressState st;
    st.phase = "settle";
    progress(st);
    usleep(20000);
  }
  if (env_.progress) env_.progress->clear();
  sampler_->stop();
  sampler_->sample_now();
  s.settle_end = s.t.back();
  s.post_settle.resize(s.metrics.size());
  for (size_t i = 0; i < s.metrics.size(); i++) s.post_settle[i] = s.values[i].back();
  if (sampler_->failures())
    r_.backend_note += std::string(r_.backend_note.empty() ? "" : "; ") + std::to_string(sampler_->failures()) +
                       " census readings failed (first: " + sampler_->first_error() + ")";
}

// Everything of this scenario is let go: the run's netns, the target's threads, the census,
// the target's cgroup, and any process a workload forked.
void ScenarioRun::release() {
  if (run_netns_ >= 0) close(run_netns_);
  run_netns_ = -1;
  if (target_) {
    r_.stdout_tail = target_->stdout_tail();
    r_.stderr_tail = target_->stderr_tail();
    target_.reset();  // joins its threads; everything of it is dead already
  }
  sampler_.reset();
  census_.reset();
  if (!tcg_.empty()) {
    std::string e;
    cgroup_kill(tcg_);
    cgroup_wait_empty(tcg_, 5);
    cgroup_remove(tcg_, e);
  }
  // Processes our workloads forked live in the harness group; none may outlive the scenario.
  if (env_.cgroup)
    for (pid_t p : cgroup_pids(env_.cgroup->harness, false))
      if (p != getpid()) kill(p, SIGKILL);
}

// Judge what was recorded. A target that never ran leaves nothing worth judging.
void ScenarioRun::judge() {
  if (!r_.series.metrics.empty())
    if (!has_target_ || (launched_ && ready_)) r_.verdicts = judge_checks(checks_, r_.series);
}

RunResult ScenarioRun::finish() {
  r_.interrupted = interrupted();
  r_.duration = monotonic_seconds() - wall0_;
  return r_;
}

}  // namespace

RunResult run_scenario(const Scenario& sc, RunEnv& env) { return ScenarioRun(sc, env).run(); }

}  // namespace lg
