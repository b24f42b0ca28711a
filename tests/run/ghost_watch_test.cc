// SPDX-License-Identifier: MIT
// The ghost diagnosis from snapshots (no root needed): stuck tasks grouped by process and
// kernel wait site, zombies by the parent that does not reap them, and which snapshot a
// failing check gets.
#include <gtest/gtest.h>

#include "harness/base/metrics.h"
#include "harness/run/ghost_watch.h"
#include "harness/verdict/check_type.h"

namespace lg {
namespace {

const KernelSymbols kSyms(
    "ffffffff8135f520 T kernel_clone\n"
    "ffffffff8135f920 t __do_sys_clone\n"
    "ffffffff81a00000 T do_syscall_64\n"
    "ffffffff81b00000 T do_sys_poll\n"
    "ffffffff81b10000 T __x64_sys_poll\n");

GhostTask stuck(pid_t tid, pid_t pid, const char* comm, bool target) {
  GhostTask g;
  g.kind = GhostTask::DState;
  g.target = target;
  g.tid = tid;
  g.pid = pid;
  g.ppid = 100;
  g.comm = g.process_comm = comm;
  g.parent_comm = "leakguard";
  g.stack = {0xffffffff8135f520ull + 0x1d3, 0xffffffff8135f920ull + 0x8d, 0xffffffff81a00000ull + 0x71};
  return g;
}

GhostTask zombie(pid_t pid, pid_t parent, int status) {
  GhostTask g;
  g.kind = GhostTask::Zombie;
  g.target = true;
  g.tid = g.pid = pid;
  g.ppid = parent;
  g.comm = g.process_comm = "worker";
  g.parent_comm = "reaper";
  g.exit_code = status;
  g.frames = {"poll_schedule_timeout.constprop.0+0x37", "do_sys_poll+0x2a", "__x64_sys_poll+0x10"};  // /proc/PID/stack
  return g;
}

TEST(GhostDiagnosis, StuckTasksGroupedByProcessAndWaitSite) {
  GhostSnapshot snap;
  snap.t = 4.2;
  for (int i = 0; i < 12; i++) snap.tasks.push_back(stuck(4712 + i, 4711, "dstuck", true));
  // The vfork child the first stuck task waits for, in pipe_read (listed by BPF only).
  GhostTask child = stuck(4790, 4790, "dstuck", true);
  child.kind = GhostTask::VforkChild;
  child.ppid = 4711;
  child.parent_tid = 4712;
  child.stack = {0xffffffff81b00000ull + 0x20, 0xffffffff81b10000ull + 0x10};
  snap.tasks.push_back(child);
  GhostTask other = stuck(900, 900, "kworker/0:1", false);  // not the target's
  GhostTask wchan_only = stuck(4800, 4800, "dstuck", true);
  wchan_only.stack.clear();
  wchan_only.wchan = "folio_wait_bit_common";
  snap.tasks.push_back(other);
  snap.tasks.push_back(wchan_only);
  snap.tasks.push_back(zombie(5000, 4711, 0));

  Diagnosis d = ghost_diagnosis("proc.dstate", snap, kSyms);
  EXPECT_EQ(d.metric, "proc.dstate");
  EXPECT_EQ(d.title, "Where they wait");
  EXPECT_EQ(d.noun, "tasks");
  ASSERT_EQ(d.sites.size(), 2u) << "the target's tasks only, one site per wait site";
  const Site& s = d.sites[0];
  EXPECT_EQ(s.count, 12u);
  EXPECT_EQ(s.headline, "of dstuck in D state at kernel_clone <- __do_sys_clone");
  ASSERT_EQ(s.frames.size(), 3u);
  EXPECT_EQ(s.frames[0].function, "kernel_clone+0x1d3");
  EXPECT_EQ(s.frames[0].module, "[kernel]");
  EXPECT_EQ(s.frames[0].offset, 0xffffffff8135f520ull + 0x1d3);
  EXPECT_EQ(s.frames[2].function, "do_syscall_64+0x71");
  // Why first (the vfork child one of them waits for), then ten tasks named, the rest counted;
  // threads name their process and its parent.
  ASSERT_EQ(s.details.size(), 12u);
  EXPECT_EQ(s.details[0],
            "1 waits for a vfork child that has not exec'd, which waits at do_sys_poll <- __x64_sys_poll");
  EXPECT_EQ(s.details[1],
            "task 4712 (dstuck) of pid 4711 (dstuck), parent pid 100 (leakguard), waits for its vfork child pid 4790 "
            "(dstuck)");
  EXPECT_EQ(s.details[2], "task 4713 (dstuck) of pid 4711 (dstuck), parent pid 100 (leakguard)");
  EXPECT_EQ(s.details[11], "... and 2 more");
  EXPECT_EQ(d.sites[1].count, 1u);
  EXPECT_EQ(d.sites[1].headline, "of dstuck in D state at folio_wait_bit_common");
  EXPECT_EQ(d.sites[1].details[0], "pid 4800 (dstuck), parent pid 100 (leakguard)");
  bool wchan_note = false;
  for (const auto& n : d.notes) wchan_note |= n.find("wchan") != std::string::npos;
  EXPECT_TRUE(wchan_note);

  Diagnosis sys = ghost_diagnosis("sys.dstate", snap, kSyms);
  ASSERT_EQ(sys.sites.size(), 3u) << "every D-state task of the machine";
  EXPECT_EQ(sys.sites[2].headline, "of kworker/0:1 in D state at kernel_clone <- __do_sys_clone");
}

TEST(GhostDiagnosis, ZombiesGroupedByTheParentThatDoesNotReap) {
  GhostSnapshot snap;
  for (int i = 0; i < 3; i++) snap.tasks.push_back(zombie(6000 + i, 4711, 0));
  snap.tasks.push_back(zombie(7000, 4800, 9));  // killed by SIGKILL
  snap.tasks.push_back(stuck(4712, 4711, "dstuck", true));
  Diagnosis d = ghost_diagnosis("proc.zombies", snap, kSyms);
  EXPECT_EQ(d.title, "Who does not reap them");
  EXPECT_EQ(d.noun, "zombies");
  ASSERT_EQ(d.sites.size(), 2u);
  EXPECT_EQ(d.sites[0].count, 3u);
  // The wait site in the headline names functions, not their compiler clones; the frames keep all.
  EXPECT_EQ(d.sites[0].headline,
            "left unreaped by pid 4711 (reaper), which waits at poll_schedule_timeout <- do_sys_poll");
  EXPECT_EQ(d.sites[0].details[0], "zombie pid 6000 (worker), exited with status 0");
  EXPECT_EQ(d.sites[0].frames[0].function, "poll_schedule_timeout.constprop.0+0x37");
  EXPECT_EQ(d.sites[1].count, 1u);
  EXPECT_EQ(d.sites[1].details[0], "zombie pid 7000 (worker), killed by SIGKILL");
}

TEST(GhostDiagnosis, UnnamedAddressesAndMissingStacksAreSaid) {
  GhostSnapshot snap;
  snap.tasks.push_back(stuck(10, 10, "x", true));
  GhostTask none = stuck(11, 11, "y", true);
  none.stack.clear();
  none.no_stack = "no kernel stack: /proc/11/task/11/stack and wchan are unreadable";
  snap.tasks.push_back(none);
  KernelSymbols hidden("0000000000000000 T kernel_clone\n");
  Diagnosis d = ghost_diagnosis("proc.dstate", snap, hidden);
  ASSERT_EQ(d.sites.size(), 2u);
  EXPECT_EQ(d.sites[0].frames[0].function, "0xffffffff8135f6f3");
  std::string notes;
  for (const auto& n : d.notes) notes += n + "\n";
  EXPECT_NE(notes.find("kernel addresses are not named: /proc/kallsyms shows no addresses"), std::string::npos)
      << notes;
  EXPECT_NE(notes.find("/proc/11/task/11/stack"), std::string::npos) << notes;
  bool unknown = false;
  for (const auto& s : d.sites) unknown |= s.headline == "of y in D state at an unknown place in the kernel";
  EXPECT_TRUE(unknown);
}

// A fake census that lists what the test says, to drive GhostWatch.
class FakeCensus : public Census {
 public:
  Backend kind() const override { return Backend::Procfs; }
  bool sample(std::vector<double>&, std::string&) override { return true; }
  bool ghosts(bool system, std::vector<GhostTask>& out, std::string& err) override {
    listings++;
    last_system = system;
    if (!fail.empty()) {
      err = fail;
      return false;
    }
    out = tasks;
    return true;
  }
  std::vector<GhostTask> tasks;
  std::string fail;
  int listings = 0;
  bool last_system = false;
};

Series series_of(const std::vector<std::string>& metrics) {
  Series s;
  s.metrics = metrics;
  s.unavailable.assign(metrics.size(), "");
  return s;
}

Check check_on(const std::string& metric) {
  Check c;
  c.metric = metric;
  c.type = CheckType::Max;
  c.text = describe_check(c);
  return c;
}

Verdict failed(const Check& c) {
  Verdict v;
  v.check = c;
  v.outcome = Outcome::Fail;
  return v;
}

TEST(GhostWatch, WatchesOnlyGhostMetricsThatAreMeasured) {
  Series s = series_of({"fd.total", "proc.dstate", "proc.zombies", "sys.dstate"});
  s.unavailable[3] = "not here";
  GhostWatch w({check_on("fd.total"), check_on("sys.dstate")}, s);
  EXPECT_FALSE(w.active());
  GhostWatch w2({check_on("fd.total"), check_on("proc.dstate"), check_on("proc.dstate")}, s);
  EXPECT_TRUE(w2.active());
}

TEST(GhostWatch, SnapshotsOnNewHighsAndBeforeStopPrefersTheEnd) {
  Series s = series_of({"fd.total", "proc.dstate"});
  Check c = check_on("proc.dstate");
  GhostWatch w({c}, s);
  FakeCensus census;
  census.tasks = {stuck(2, 1, "a", true), stuck(3, 1, "a", true)};
  w.after_sample(census, 1.0, {5, 0});
  EXPECT_EQ(census.listings, 0) << "nothing stuck, nothing listed";
  w.after_sample(census, 1.1, {5, 2});
  EXPECT_EQ(census.listings, 1);
  EXPECT_FALSE(census.last_system) << "sys.dstate is not watched: the target's tasks only";
  w.after_sample(census, 1.2, {5, 2});
  w.after_sample(census, 1.3, {5, 1});
  EXPECT_EQ(census.listings, 1) << "only a new high is listed";
  w.after_sample(census, 1.4, {5, kUnavailable});
  EXPECT_EQ(census.listings, 1);

  // Nothing failed: no diagnosis.
  EXPECT_TRUE(w.diagnoses({}).empty());
  // The high's snapshot when nothing is stuck at the end.
  census.tasks.clear();
  w.before_stop(census, 2.0);
  auto ds = w.diagnoses({failed(c)});
  ASSERT_EQ(ds.size(), 1u);
  ASSERT_EQ(ds[0].sites.size(), 1u);
  EXPECT_EQ(ds[0].sites[0].count, 2u);
  EXPECT_EQ(ds[0].notes[0], "listed at 1.1s, when proc.dstate was at its highest (2)");
  // What is still stuck right before the stop wins.
  census.tasks = {stuck(9, 1, "b", true)};
  w.before_stop(census, 3.0);
  ds = w.diagnoses({failed(c)});
  ASSERT_EQ(ds.size(), 1u);
  EXPECT_EQ(ds[0].sites[0].headline, "of b in D state at kernel_clone <- __do_sys_clone");
  EXPECT_EQ(ds[0].notes[0], "listed at 3s, right before the target was asked to stop");
}

TEST(GhostWatch, AFailingCheckWithoutSnapshotSaysWhy) {
  Series s = series_of({"proc.zombies", "sys.dstate"});
  Check z = check_on("proc.zombies"), d = check_on("sys.dstate");
  GhostWatch w({z, d}, s);
  FakeCensus census;
  census.fail = "cannot list /proc: EACCES";
  w.after_sample(census, 1, {0, 3});
  EXPECT_TRUE(census.last_system) << "sys.dstate is watched: every D-state task";
  w.before_stop(census, 2);
  auto ds = w.diagnoses({failed(z), failed(d)});
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_EQ(ds[0].metric, "proc.zombies");
  EXPECT_TRUE(ds[0].sites.empty());
  EXPECT_EQ(ds[0].notes.at(0), "the tasks could not be listed: cannot list /proc: EACCES");
  EXPECT_EQ(ds[1].metric, "sys.dstate");
  bool said = false;
  for (const auto& n : ds[1].notes) said |= n.find("could not be listed: cannot list /proc") != std::string::npos;
  EXPECT_TRUE(said);
}

}  // namespace
}  // namespace lg
