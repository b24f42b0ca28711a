// SPDX-License-Identifier: MIT
#include "harness/run/scenario_run.h"

#include <sys/wait.h>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <memory>
#include <optional>
#include <set>
#include <thread>

#include "harness/attrib/attribution.h"
#include "harness/base/clock.h"
#include "harness/base/fs.h"
#include "harness/base/metrics.h"
#include "harness/base/units.h"
#include "harness/census/census.h"
#include "harness/census/proctrack.h"
#include "harness/run/baseline.h"
#include "harness/run/ghost_watch.h"
#include "harness/run/phase.h"
#include "harness/run/preflight.h"
#include "harness/run/sample_store.h"
#include "harness/run/sampler.h"
#include "harness/run/target.h"
#include "harness/verdict/churn_seen.h"
#include "harness/verdict/judge.h"
#include "harness/workloads/spawner.h"
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

// How long the judged machine-wide metrics must hold still (baseline and settle).
constexpr double kQuietWindow = 1.0;

std::vector<Check> checks_for(const Scenario& sc) {
  if (!sc.default_checks) return sc.checks;
  std::vector<std::string> kinds;
  for (const auto& ph : sc.phases)
    for (const auto& w : ph.workloads)
      if (std::find(kinds.begin(), kinds.end(), w.kind) == kinds.end()) kinds.push_back(w.kind);
  return default_checks(kinds, sc.target.has_value());
}

// The columns of the system metrics the checks judge that this census measures.
std::vector<int> judged_system_columns(const std::vector<Check>& checks, const std::vector<std::string>& names,
                                       const std::vector<std::string>& unavailable, bool with_tracker = false) {
  std::set<std::string> want;
  for (const auto& c : checks) {
    const MetricInfo* m = find_metric(c.metric);
    if (m && (m->scope == Scope::System || (with_tracker && m->backends == kTracker))) want.insert(c.metric);
  }
  std::vector<int> cols;
  for (size_t i = 0; i < names.size(); i++)
    if (want.count(names[i]) && (i >= unavailable.size() || unavailable[i].empty())) cols.push_back((int)i);
  return cols;
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
  bool follow_processes();
  bool start_attribution();
  bool baseline_census();
  void launch();
  void record_columns();
  void wait_ready();
  void run_phases();
  void stop_target();
  void settle();
  void release();
  void judge();
  void diagnose();
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
  // The creation tracker; before the census that wraps it (members die in reverse order).
  std::unique_ptr<Attribution> attrib_;
  std::string attrib_why_;
  CensusOptions census_opts_;
  CensusScope scope_;
  std::unique_ptr<Census> census_;
  std::string census_note_;
  std::vector<std::string> base_names_;
  std::vector<double> base_values_;
  std::unique_ptr<ProcTracker> tracker_;
  std::unique_ptr<Target> target_;
  bool launched_ = false, ready_ = false;
  std::vector<Check> checks_;
  // Lists stuck tasks and zombies while they exist, for the diagnosis; before the sampler,
  // whose thread calls it (members are destroyed in reverse order).
  std::unique_ptr<GhostWatch> ghosts_;
  std::unique_ptr<EventBoard> board_;
  std::unique_ptr<Sampler> sampler_;
  int netns_col_ = -1, fds_col_ = -1;
  std::function<void(const std::string&)> own_cgroup_;  // tells the watchdog (WorkloadContext)
  std::vector<std::unique_ptr<Prepared>> prepared_;     // kept from containment to the stop
};

RunResult ScenarioRun::run() {
  describe_run();
  if (!preflight_ok() || !containment() || !follow_processes() || !start_attribution() || !baseline_census())
    return finish();
  launch();
  record_columns();
  wait_ready();
  run_phases();
  stop_target();
  settle();
  release();
  judge();
  diagnose();
  return finish();
}

// What ran, where: the parts of the result known before anything starts.
void ScenarioRun::describe_run() {
  wall0_ = monotonic_seconds();
  r_.scenario = sc_.name;
  r_.description = sc_.description;
  r_.scenario_file = sc_.file;
  r_.out_dir = env_.out->path();
  r_.timestamp = utc_timestamp();
  utsname u{};
  uname(&u);
  r_.hostname = u.nodename;
  r_.kernel = u.release;
  r_.version = LEAKGUARD_VERSION;
  r_.seed = sc_.seed;
  r_.notes = env_.notes;
  if (has_target_) r_.target_argv = sc_.target->command;
  if (has_target_) r_.target_env = sc_.target->env;
}

// The output directory (only what leakguard wrote there before, its manifest, is removed;
// the rest stays), then whether this machine can run the scenario at all.
bool ScenarioRun::preflight_ok() {
  std::string err;
  if (!env_.out->clear(err)) {
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
    r_.containment = "process tree (" + env_.no_cgroup_reason + ")";
    nproc_ = sc_.target->limit_pids;
  } else {
    r_.containment = "none (no target: system metrics only)";
  }
  tree_ = has_target_ && tcg_.empty();

  // What workload kinds make before the target starts, kept until it has stopped.
  if (env_.watchdog) {
    Watchdog* wd = env_.watchdog;
    own_cgroup_ = [wd](const std::string& dir) { wd->add_cgroup(dir); };
  }
  for (const auto& ph : sc_.phases)
    for (const auto& w : ph.workloads) {
      const WorkloadKind* k = find_workload_kind(w.kind);
      if (!k || !k->prepare) continue;
      WorkloadContext pctx;
      pctx.own_cgroup = own_cgroup_;
      auto p = k->prepare(w.params, pctx, err);
      if (!p) {
        r_.environment_error = "phase " + ph.name + ", workload " + w.kind + ": " + err;
        return false;
      }
      prepared_.push_back(std::move(p));
    }

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

// The target's processes are followed by fork from its first instruction: they count, are
// killed and are reported wherever they go (another cgroup, another session).
bool ScenarioRun::follow_processes() {
  if (!has_target_) return true;
  tracker_ = std::make_unique<ProcTracker>();
  std::string mount = env_.cgroup ? env_.cgroup->top.substr(0, env_.cgroup->top.rfind('/')) : "";
  std::string how, err;
  Watchdog* wd = env_.watchdog;
  tracker_->on_escape([wd](const ProcTracker::Escape& e) {
    // Outside the cgroup, the watchdog's cgroup.kill would miss it after a SIGKILL of ours.
    if (wd) wd->add_proc(e.pid, proc_start_time(e.pid));
  });
  if (!tracker_->start(tcg_, mount, how, err)) {
    r_.environment_error = "fork tracking: " + err;
    return false;
  }
  r_.containment += "; " + how;
  scope_.tracker = tracker_.get();
  return true;
}

// Attribution: the tracker is loaded before launch, so the target is followed from its exec.
// Off still loads it for the target-owned residue (objects seen held); auto falls back to that
// when the kernel refuses, on refuses the run.
bool ScenarioRun::start_attribution() {
  if (!has_target_) return true;
  AttributionChoice ac = env_.attribution.value_or(sc_.sampling.attribution);
  AttributionOptions ao;
  ao.cgroup = tcg_;
  ao.tree = tree_;
  ao.syscalls = ac != AttributionChoice::Off;
  ao.exe = resolve_command(sc_.target->command[0], self_dir());
  ao.debug_dirs = env_.debug_dirs;
  attrib_ = Attribution::start(ao, attrib_why_);
  if (!attrib_ && ac == AttributionChoice::On) {
    r_.environment_error = "attribution is on but cannot run here: " + attrib_why_;
    return false;
  }
  if (!attrib_ && ao.syscalls) {
    std::string why2;
    ao.syscalls = false;
    attrib_ = Attribution::start(ao, why2);
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
  // Wait until the machine-wide metrics the checks judge hold still (deferred teardown of a
  // previous scenario's namespaces), bounded like settle; say so when they never did.
  checks_ = checks_for(sc_);
  std::vector<int> watch = judged_system_columns(checks_, base_names_, c->unavailable());
  Baseline b = take_baseline([&](std::vector<double>& v, std::string& e) { return c->sample(v, e); }, watch,
                             base_names_, kQuietWindow, sc_.sampling.settle_timeout, 0.1, monotonic_seconds,
                             [](double sec) { usleep((useconds_t)(sec * 1e6)); }, [this] { return interrupted(); });
  base_values_ = b.values;
  if (base_values_.size() != base_names_.size()) base_values_.assign(base_names_.size(), kUnavailable);
  if (!b.quiet && !interrupted()) r_.warnings.push_back(b.note);
  return true;
}

// Launch: the target started in its cgroup (or tagged, in process-tree mode).
void ScenarioRun::launch() {
  t0_ = monotonic_seconds();
  r_.stdout_log = env_.out->file("target.stdout.log");
  r_.stderr_log = env_.out->file("target.stderr.log");
  if (!has_target_) {
    r_.stdout_log.clear();
    r_.stderr_log.clear();
    r_.lifecycle.push_back(skipped_step("started", "no target: system only"));
    return;
  }
  const TargetSpec& ts = *sc_.target;
  TargetConfig tc;
  std::string err;
  tc.tracker = tracker_.get();
  // Created in the output directory leakguard opened, never through a planted link.
  tc.stdout_log_fd = env_.out->create_stream("target.stdout.log", err);
  if (tc.stdout_log_fd >= 0) tc.stderr_log_fd = env_.out->create_stream("target.stderr.log", err);
  if (tc.stderr_log_fd < 0) {
    if (tc.stdout_log_fd >= 0) close(tc.stdout_log_fd);
    r_.environment_error = err;
    r_.lifecycle.push_back(skipped_step("started", "the logs could not be created"));
    return;
  }
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
  if (ts.ready.kind == ReadySpec::Stdout || ts.ready.kind == ReadySpec::Stderr) {
    tc.ready_pattern = ts.ready.pattern;
    tc.ready_stream = ts.ready.kind == ReadySpec::Stdout ? 1 : 2;
  }
  target_ = std::make_unique<Target>();
  LifecycleStep st;
  st.name = "started";
  t0_ = monotonic_seconds();
  launched_ = target_->launch(tc, err);
  st.ok = launched_;
  st.message = launched_ ? "pid " + std::to_string(target_->pid()) + ": " + tc.argv[0] : err;
  r_.lifecycle.push_back(st);
  if (launched_ && attrib_ && tree_) attrib_->add_root(target_->pid());
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
  // The target-owned residue columns (target.*), and a snapshot of the target's objects with
  // every sample.
  if (census_ && has_target_)
    census_ = attrib_
                  ? attrib_->wrap(std::move(census_), t0_)
                  : Attribution::without(std::move(census_), "the creation tracker cannot run here: " + attrib_why_);
  if (census_) {
    r_.backend = census_->backend();
    r_.backend_note = census_note_;
    if (attrib_) r_.backend_note += std::string(census_note_.empty() ? "" : "; ") + attrib_->note();
    if (attrib_ && !attrib_->records() && !attrib_why_.empty())
      r_.backend_note += " (attribution unavailable: " + attrib_why_ + ")";
    s.metrics = census_->metrics();
    s.unavailable = census_->unavailable();
    for (const auto& m : s.metrics) {
      const MetricInfo* mi = find_metric(m);
      s.units.push_back(mi ? mi->unit : "objects");
    }
    s.pre_launch = by_name(s.metrics, base_names_, base_values_);
    // Nothing the target created exists before it does.
    for (const auto& m : tracker_metrics())
      if (int c = s.metric_index(m); c >= 0 && s.unavailable[c].empty()) s.pre_launch[c] = 0;
  }
  for (const auto& ph : sc_.phases)
    for (const auto& w : ph.workloads)
      if (s.event_index(w.kind) < 0) s.event_kinds.push_back(w.kind);
  // Every sample on disk, a bounded copy in memory (a day-long soak keeps leakguard small).
  env_.store = std::make_unique<SampleStore>(s, env_.series_rows);
  std::string err;
  if (!env_.store->open(env_.out->dir(), err))
    r_.backend_note += std::string(r_.backend_note.empty() ? "" : "; ") + "every sample kept in memory (" + err + ")";

  ghosts_ = std::make_unique<GhostWatch>(checks_, s);
  board_ = std::make_unique<EventBoard>(s.event_kinds.size());
  if (census_) {
    sampler_ = std::make_unique<Sampler>(*census_, *env_.store, *board_, t0_,
                                         env_.interval > 0 ? env_.interval : sc_.sampling.interval);
    if (ghosts_->active()) {
      GhostWatch* g = ghosts_.get();
      sampler_->on_sample([g](Census& c, double t, const std::vector<double>& v) { g->after_sample(c, t, v); });
    }
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
  ctx.spawner = env_.spawner;
  ctx.own_cgroup = own_cgroup_;
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
  hooks.must_stop = [&]() -> const char* {
    if (interrupted()) return "the interruption";
    if (target_ && target_->exited()) return "the target's exit";
    return nullptr;
  };
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
  // What the target holds at the end, for the diagnosis of what it kept.
  if (attrib_ && ready_ && launched_) attrib_->mark_end(monotonic_seconds() - t0_);
  if (target_ && launched_) {
    // The stuck tasks and zombies the checks judge are listed while they still exist.
    if (sampler_ && ghosts_->active())
      sampler_->with_census([&](Census& c) { ghosts_->before_stop(c, monotonic_seconds() - t0_); });
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
  prepared_.clear();  // the target is gone: nothing watches what they held any more
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
  if (!sampler_) return;
  // The machine's judged metrics, and what the target created (target.*): its objects are
  // freed after it exits, at the kernel's pace.
  std::vector<int> cols = judged_system_columns(checks_, s.metrics, s.unavailable, true);
  double since = monotonic_seconds() - t0_;
  double deadline = monotonic_seconds() + sc_.sampling.settle_timeout;
  while (!cols.empty() && !interrupted() && monotonic_seconds() < deadline &&
         !sampler_->stable(cols, since, kQuietWindow)) {
    ProgressState st;
    st.phase = "settle";
    progress(st);
    usleep(20000);
  }
  if (env_.progress) env_.progress->clear();
  sampler_->stop();
  sampler_->sample_now();
  SampleStore& store = *env_.store;
  store.finish();
  if (interrupted()) {
    // No settle, no residue census: what is left now is still being torn down.
    s.unsettled = "interrupted before settle";
  } else {
    s.settle_end = store.latest_t();
    s.post_settle.resize(s.metrics.size());
    for (size_t i = 0; i < s.metrics.size(); i++) s.post_settle[i] = store.latest(i);
    if (attrib_ && has_target_) attrib_->mark_residue(s.settle_end);
  }
  s.maps = sampler_->maps();
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
    target_->finish_output();
    r_.stdout_tail = target_->stdout_tail();
    r_.stderr_tail = target_->stderr_tail();
    r_.stdout_dropped = target_->stdout_dropped();
    r_.stderr_dropped = target_->stderr_dropped();
    target_.reset();  // joins its threads; everything of it is dead already
  }
  if (tracker_) {
    tracker_->kill_all();  // nothing it started outlives the run, wherever it went
    tracker_->stop();
    for (const auto& e : tracker_->escapes())
      r_.escapes.push_back("target process " + std::to_string(e.pid) + " (" + e.comm + ") " +
                           (e.born_outside ? "was started outside its cgroup, in " : "left its cgroup for ") +
                           (e.cgroup.empty() ? std::string("another cgroup") : e.cgroup));
    if (uint64_t lost = tracker_->lost())
      r_.backend_note += std::string(r_.backend_note.empty() ? "" : "; ") + std::to_string(lost) +
                         " forks of the target were not followed (tracking map full)";
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
  // The spawners stay for the next scenario (their children are among those killed here).
  if (env_.cgroup)
    for (pid_t p : cgroup_pids(env_.cgroup->harness, false))
      if (p != getpid() && !(env_.spawner && env_.spawner->owns(p))) kill(p, SIGKILL);
}

// Judge what was recorded. A target that never ran leaves nothing worth judging. A long run
// is judged on every sample (read back from disk), not on the reduced copy in memory.
void ScenarioRun::judge() {
  if (r_.series.metrics.empty() || (has_target_ && !(launched_ && ready_))) return;
  const SampleStore* store = env_.store.get();
  std::string err;
  bool full = false;
  if (store && store->reduced() && store->disk_error().empty()) {
    full = judge_checks_full(checks_, r_.series, *store, r_.verdicts, err);
    if (!full) r_.backend_note += std::string(r_.backend_note.empty() ? "" : "; ") + err;
  }
  if (!full) r_.verdicts = judge_checks(checks_, r_.series);
  if (store && store->reduced() && !full)
    r_.backend_note += std::string(r_.backend_note.empty() ? "" : "; ") + "judged on a reduced series, 1 sample in " +
                       std::to_string(store->stride()) + " (" +
                       (store->disk_error().empty() ? err : store->disk_error()) + ")";
  for (auto& w : churn_warnings(r_.series)) r_.warnings.push_back(std::move(w));
  if (ghosts_)
    for (auto& d : ghosts_->diagnoses(r_.verdicts)) r_.diagnoses.push_back(std::move(d));
}

// Where the objects of each judged metric come from: every one in attribution.json (judge
// re-attaches them), the failing ones in the run's result.
void ScenarioRun::diagnose() {
  if (!attrib_ || !launched_ || !ready_) return;
  std::vector<std::string> judged;
  for (const auto& v : r_.verdicts) judged.push_back(v.check.metric);
  std::vector<Diagnosis> ds = attrib_->diagnose(judged, r_.series);
  std::string werr;
  if (env_.out && !env_.out->write("attribution.json", attribution_json(ds, attrib_->note()), werr))
    r_.backend_note += "; " + werr;
  attach_diagnoses(r_, ds);
}

RunResult ScenarioRun::finish() {
  r_.interrupted = interrupted();
  r_.duration = monotonic_seconds() - wall0_;
  return r_;
}

}  // namespace

RunResult run_scenario(const Scenario& sc, RunEnv& env) { return ScenarioRun(sc, env).run(); }

}  // namespace lg
