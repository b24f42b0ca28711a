// SPDX-License-Identifier: MIT
#include "harness/run/ghost_watch.h"

#include <algorithm>
#include <map>

#include "harness/base/metrics.h"
#include "harness/base/units.h"
#include "harness/run/target.h"

namespace lg {

namespace {

constexpr size_t kMaxDetails = 10;  // task lines per site; the rest are counted

bool counts_for(const std::string& metric, const GhostTask& g) {
  if (metric == metric_name(MetricId::proc_zombies)) return g.kind == GhostTask::Zombie;
  if (metric == metric_name(MetricId::proc_dstate)) return g.kind == GhostTask::DState && g.target;
  if (metric == metric_name(MetricId::sys_dstate)) return g.kind == GhostTask::DState;
  return false;
}

// A task's frames as /proc/PID/stack names them ("kernel_clone+0x1d3"), with their addresses
// when BPF gave them (0 otherwise); a wait channel alone is one frame.
std::vector<Frame> kernel_frames(const GhostTask& g, const KernelSymbols& ksyms) {
  std::vector<Frame> out;
  auto add = [&](std::string fn, uint64_t addr) {
    Frame f;
    f.function = std::move(fn);
    f.module = "[kernel]";
    f.offset = addr;
    out.push_back(std::move(f));
  };
  if (!g.frames.empty()) {
    for (const auto& f : g.frames) add(f, 0);
  } else if (!g.stack.empty()) {
    for (uint64_t a : g.stack) {
      std::string n = ksyms.name(a);
      if (n.empty()) {
        char hex[32];
        snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)a);
        n = hex;
      }
      add(n, a);
    }
  } else if (!g.wchan.empty()) {
    add(g.wchan, 0);
  }
  return out;
}

// A frame as a reader names the function: "kernel_clone+0x1d3" -> "kernel_clone",
// "nfs_wait+0x12 [nfs]" -> "nfs_wait [nfs]", and without the compiler's clone suffixes:
// "poll_schedule_timeout.constprop.0+0x37" -> "poll_schedule_timeout".
std::string function_name(const std::string& f) {
  size_t sp = f.find(' ');
  std::string fn = f.substr(0, sp), mod = sp == std::string::npos ? "" : f.substr(sp);
  fn = fn.substr(0, fn.find("+0x"));
  for (const char* suffix : {".constprop.", ".isra.", ".part.", ".cold", ".llvm."})
    if (size_t at = fn.find(suffix); at != std::string::npos && at > 0) fn.resize(at);
  return fn + mod;
}

// Where a stack waits, in words: its two innermost frames, "kernel_clone <- __do_sys_clone".
std::string wait_site(const std::vector<Frame>& frames) {
  std::string s;
  for (size_t i = 0; i < frames.size() && i < 2; i++) s += (i ? " <- " : "") + function_name(frames[i].function);
  return s;
}

std::string proc_name(pid_t pid, const std::string& comm) {
  return "pid " + std::to_string(pid) + (comm.empty() ? "" : " (" + comm + ")");
}

std::string task_line(const GhostTask& g) {
  std::string who = g.tid == g.pid
                        ? proc_name(g.pid, g.comm)
                        : "task " + std::to_string(g.tid) + " (" + g.comm + ") of " + proc_name(g.pid, g.process_comm);
  return who + ", parent " + proc_name(g.ppid, g.parent_comm);
}

struct Group {
  Site site;
  size_t details = 0;                     // tasks behind it
  std::map<std::string, size_t> waiting;  // where the vfork children they wait for are: count
};

void add_detail(Group& grp, const std::string& line) {
  if (grp.details++ < kMaxDetails) grp.site.details.push_back(line);
}

std::vector<Site> sorted_sites(std::map<std::string, Group>& groups) {
  std::vector<Site> out;
  for (auto& [key, g] : groups) {
    if (g.details > kMaxDetails)
      g.site.details.push_back("... and " + format_number((double)(g.details - kMaxDetails)) + " more");
    // First, why they wait: the vfork children that have not exec'd, by where those are.
    std::vector<std::pair<std::string, size_t>> children(g.waiting.begin(), g.waiting.end());
    std::stable_sort(children.begin(), children.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (auto it = children.rbegin(); it != children.rend(); ++it) {
      std::string line = format_number((double)it->second) + (it->second == 1 ? " waits" : " wait") +
                         " for a vfork child that has not exec'd";
      if (!it->first.empty()) line += ", which waits at " + it->first;
      g.site.details.insert(g.site.details.begin(), line);
    }
    out.push_back(std::move(g.site));
  }
  std::stable_sort(out.begin(), out.end(), [](const Site& a, const Site& b) { return a.count > b.count; });
  return out;
}

}  // namespace

bool is_ghost_metric(const std::string& m) {
  return m == metric_name(MetricId::proc_dstate) || m == metric_name(MetricId::sys_dstate) ||
         m == metric_name(MetricId::proc_zombies);
}

size_t ghost_count(const std::string& metric, const GhostSnapshot& snap) {
  return std::count_if(snap.tasks.begin(), snap.tasks.end(), [&](const GhostTask& g) { return counts_for(metric, g); });
}

Diagnosis ghost_diagnosis(const std::string& metric, const GhostSnapshot& snap, const KernelSymbols& ksyms) {
  Diagnosis d;
  d.metric = metric;
  bool zombies = metric == metric_name(MetricId::proc_zombies);
  d.title = zombies ? "Who does not reap them" : "Where they wait";
  d.noun = zombies ? "zombies" : "tasks";
  if (!snap.error.empty()) d.notes.push_back("the tasks could not be listed: " + snap.error);
  std::map<std::string, Group> groups;
  bool raw = false, wchan_only = false;
  std::string no_stack;
  // The vfork children stuck tasks wait for, by the thread waiting.
  std::map<pid_t, const GhostTask*> vfork_child;
  for (const auto& g : snap.tasks)
    if (g.kind == GhostTask::VforkChild) vfork_child[g.parent_tid] = &g;
  for (const auto& g : snap.tasks) {
    if (!counts_for(metric, g)) continue;
    std::vector<Frame> frames = kernel_frames(g, ksyms);
    raw |= !g.stack.empty();
    wchan_only |= g.frames.empty() && g.stack.empty() && !g.wchan.empty();
    if (frames.empty() && no_stack.empty()) no_stack = g.no_stack;
    std::string where = wait_site(frames);
    if (zombies) {
      // One site per parent: the process that does not reap them, and where it is instead.
      Group& grp = groups[std::to_string(g.ppid)];
      if (grp.site.count == 0) {
        grp.site.headline =
            "left unreaped by " + proc_name(g.ppid, g.parent_comm) + (where.empty() ? "" : ", which waits at " + where);
        grp.site.frames = frames;
      }
      grp.site.count++;
      add_detail(grp, "zombie " + proc_name(g.pid, g.comm) + ", " + describe_wait_status(g.exit_code));
      continue;
    }
    // One site per process name and kernel stack.
    std::string key = g.process_comm + '\n';
    for (const auto& f : frames) key += f.function + '\n';
    Group& grp = groups[key];
    if (grp.site.count == 0) {
      grp.site.headline = "of " + g.process_comm + " in D state " +
                          (where.empty() ? "at an unknown place in the kernel" : "at " + where);
      grp.site.frames = frames;
    }
    grp.site.count++;
    std::string line = task_line(g);
    if (auto c = vfork_child.find(g.tid); c != vfork_child.end()) {
      line += ", waits for its vfork child " + proc_name(c->second->pid, c->second->comm);
      grp.waiting[wait_site(kernel_frames(*c->second, ksyms))]++;
    }
    add_detail(grp, line);
  }
  d.sites = sorted_sites(groups);
  if (raw && ksyms.empty()) d.notes.push_back("kernel addresses are not named: " + ksyms.why());
  if (wchan_only)
    d.notes.push_back("only the wait channel (wchan) is known for some tasks: their kernel stacks were unavailable");
  if (!no_stack.empty()) d.notes.push_back(no_stack);
  return d;
}

GhostWatch::GhostWatch(const std::vector<Check>& checks, const Series& s) {
  for (const auto& c : checks) {
    if (!is_ghost_metric(c.metric)) continue;
    int col = s.metric_index(c.metric);
    if (col < 0 || (size_t)col >= s.unavailable.size() || !s.unavailable[col].empty()) continue;
    bool dup = false;
    for (const auto& w : watched_) dup |= w.metric == c.metric;
    if (dup) continue;
    watched_.push_back({c.metric, col, 0, nullptr});
    system_ |= c.metric == metric_name(MetricId::sys_dstate);
  }
}

std::shared_ptr<GhostSnapshot> GhostWatch::take(Census& c, double t) const {
  auto snap = std::make_shared<GhostSnapshot>();
  snap->t = t;
  if (!c.ghosts(system_, snap->tasks, snap->error) && snap->error.empty()) snap->error = "unknown error";
  return snap;
}

void GhostWatch::after_sample(Census& c, double t, const std::vector<double>& values) {
  auto rose = [&](const Watched& w) {
    double v = (size_t)w.column < values.size() ? values[w.column] : kUnavailable;
    return available(v) && v > 0 && v > w.high;
  };
  if (std::none_of(watched_.begin(), watched_.end(), rose)) return;
  auto snap = take(c, t);
  for (auto& w : watched_)
    if (rose(w)) {
      w.high = values[w.column];
      w.at_high = snap;
    }
}

void GhostWatch::before_stop(Census& c, double t) {
  if (active()) at_stop_ = take(c, t);
}

std::vector<Diagnosis> GhostWatch::diagnoses(const std::vector<Verdict>& verdicts) const {
  std::vector<Diagnosis> out;
  std::unique_ptr<KernelSymbols> ksyms;
  for (const auto& w : watched_) {
    bool failed = false;
    for (const auto& v : verdicts)
      failed |= v.check.metric == w.metric && (v.outcome == Outcome::Fail || v.outcome == Outcome::Error);
    if (!failed) continue;
    // The tasks still there when the target was stopped are the ones that stayed; when none
    // was, those of the highest sample.
    const GhostSnapshot* snap = nullptr;
    std::string when;
    if (at_stop_ && ghost_count(w.metric, *at_stop_) > 0) {
      snap = at_stop_.get();
      when = "right before the target was asked to stop";
    } else if (w.at_high) {
      snap = w.at_high.get();
      when = "when " + w.metric + " was at its highest (" + format_number(w.high) + ")";
    }
    if (!snap) {
      Diagnosis d;
      d.metric = w.metric;
      d.title = w.metric == metric_name(MetricId::proc_zombies) ? "Who does not reap them" : "Where they wait";
      d.notes.push_back(at_stop_ && !at_stop_->error.empty()
                            ? "the tasks could not be listed: " + at_stop_->error
                            : "no task to list: " + w.metric + " was never above 0 in a sample");
      out.push_back(std::move(d));
      continue;
    }
    bool raw = std::any_of(snap->tasks.begin(), snap->tasks.end(), [](const GhostTask& g) { return !g.stack.empty(); });
    if (raw && !ksyms) ksyms = std::make_unique<KernelSymbols>(KernelSymbols::load());
    static const KernelSymbols none{std::string_view()};
    Diagnosis d = ghost_diagnosis(w.metric, *snap, ksyms ? *ksyms : none);
    d.notes.insert(d.notes.begin(),
                   (snap->error.empty() ? "listed at " : "listing tried at ") + format_duration(snap->t) + ", " + when);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace lg
