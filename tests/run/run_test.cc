// SPDX-License-Identifier: MIT
// `leakguard run` end to end, as a subprocess, with misbehaving helper targets.
#include <bpf/bpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "harness/base/fs.h"
#include "harness/base/series.h"
#include "harness/base/strings.h"
#include "harness/census/census.h"
#include "harness/run/cgroup.h"
#include "run/run_util.h"

extern char** environ;

namespace {

int count_ids(int (*next)(__u32, __u32*)) {
  int n = 0;
  __u32 id = 0;
  while (next(id, &id) == 0) n++;
  return n;
}

double sys_netns() {
  std::string err, note;
  auto c = lg::make_census(lg::Backend::Auto, lg::CensusScope{}, {}, err, note);
  if (!c) return -1;
  std::vector<double> v;
  if (!c->sample(v, err)) return -1;
  for (size_t i = 0; i < c->metrics().size(); i++)
    if (c->metrics()[i] == "sys.netns") return lg::available(v[i]) ? v[i] : -1;
  return -1;
}

#define REQUIRE_ROOT() \
  if (geteuid() != 0) GTEST_SKIP() << "leakguard run needs root"

const char* kIgnoreTerm = R"(name: ignore-term
target:
  command: [badtarget, ignore-term, --pids, PIDS]
  ready: {stdout: "^ready$", timeout: 5s}
  stop: {signal: TERM, grace: 300ms}
sampling: {interval: 50ms, settle_timeout: 2s}
phases:
  - name: idle
    duration: 300ms
)";

std::string with_pids(std::string yaml, const std::string& pids) {
  size_t p = yaml.find("PIDS");
  if (p != std::string::npos) yaml.replace(p, 4, pids);
  return yaml;
}

TEST(Run, TargetIgnoringTermIsKilledAfterGraceWithAllItsDescendants) {
  REQUIRE_ROOT();
  TempDir d;
  std::string sc = d.write("s.yaml", with_pids(kIgnoreTerm, d.path + "/pids"));
  Leakguard lg(d, {sc, "--out", d.path + "/out", "--quiet"});
  int code = lg.wait();
  EXPECT_EQ(code, 0) << lg.output();
  auto pids = read_pids(d.path + "/pids");
  EXPECT_EQ(pids.size(), 5u);
  for (pid_t p : pids) EXPECT_FALSE(alive(p)) << "pid " << p << " of the target survived";
  std::string series = lg::read_file(d.path + "/out/ignore-term/series.json");
  EXPECT_NE(series.find("killed after grace 300ms"), std::string::npos) << series.substr(0, 2000);
  EXPECT_EQ(lg::read_file(d.path + "/out/ignore-term/target.stdout.log"), "ready\n");
  EXPECT_NE(lg.output().find("ignore-term: PASSED"), std::string::npos) << lg.output();
}

// Without a cgroup (forced here): the process-tree fallback still gets every descendant,
// and the watchdog still cleans up after a SIGKILL of leakguard.
TEST(Run, ProcessTreeFallbackContainsTheTargetToo) {
  REQUIRE_ROOT();
  TempDir d;
  std::string sc = d.write("s.yaml", with_pids(kIgnoreTerm, d.path + "/pids"));
  {
    Leakguard lg(d, {sc, "--out", d.path + "/out", "--quiet"}, "LEAKGUARD_NO_CGROUP=1");
    EXPECT_EQ(lg.wait(), 0) << lg.output();
    auto pids = read_pids(d.path + "/pids");
    EXPECT_EQ(pids.size(), 5u);
    for (pid_t p : pids) EXPECT_FALSE(alive(p)) << "pid " << p << " of the target survived";
    std::string series = lg::read_file(d.path + "/out/ignore-term/series.json");
    EXPECT_NE(series.find("process tree (LEAKGUARD_NO_CGROUP is set)"), std::string::npos);
    EXPECT_NE(series.find("killed after grace"), std::string::npos);
  }
  unlink((d.path + "/pids").c_str());
  std::string sc2 = d.write("s2.yaml", with_pids(R"(name: tree-sigkill
target:
  command: [badtarget, ignore-term, --pids, PIDS]
  ready: {stdout: "^ready$", timeout: 5s}
phases:
  - name: idle
    duration: 60s
)",
                                                 d.path + "/pids"));
  Leakguard lg(d, {sc2, "--out", d.path + "/out", "--quiet"}, "LEAKGUARD_NO_CGROUP=1");
  ASSERT_TRUE(eventually(10, [&] { return read_pids(d.path + "/pids").size() == 5; })) << lg.output();
  kill(lg.pid, SIGKILL);
  lg.wait();
  auto pids = read_pids(d.path + "/pids");
  EXPECT_TRUE(eventually(5, [&] {
    for (pid_t p : pids)
      if (alive(p)) return false;
    return true;
  })) << "a target process survived leakguard's SIGKILL";
}

TEST(Run, TargetCrashingMidChurnIsAnErrorWithTheSignal) {
  REQUIRE_ROOT();
  TempDir d;
  std::string sc = d.write("s.yaml", R"(name: crash
target:
  command: [badtarget, crash, "300"]
  ready: {stdout: ready, timeout: 5s}
sampling: {interval: 50ms, settle_timeout: 1s}
phases:
  - name: churn
    duration: 10s
    workloads:
      - kind: procexit
        count: 100000
        rate: 500/s
)");
  Leakguard lg(d, {sc, "--out", d.path + "/out"});
  double t0 = now_s();
  EXPECT_EQ(lg.wait(), 1) << lg.output();
  EXPECT_LT(now_s() - t0, 8) << "the churn phase should end when the target dies";
  EXPECT_NE(lg.output().find("crashed mid-run: killed by SIGSEGV"), std::string::npos) << lg.output();
  std::string junit = lg::read_file(d.path + "/out/crash/junit.xml");
  EXPECT_NE(junit.find("SIGSEGV"), std::string::npos);
  EXPECT_NE(junit.find("about to crash"), std::string::npos) << "stderr tail in the report";
}

TEST(Run, TargetNeverReadyIsAnErrorAndLeavesNothingRunning) {
  REQUIRE_ROOT();
  TempDir d;
  std::string sc = d.write("s.yaml", R"(name: never-ready
target:
  command: [badtarget, never-ready, --pids, )" +
                                         d.path + R"(/pids]
  ready: {stdout: "^ready$", timeout: 500ms}
sampling: {interval: 50ms, settle_timeout: 1s}
phases:
  - name: churn
    workloads:
      - kind: procexit
        count: 10
)");
  Leakguard lg(d, {sc, "--out", d.path + "/out"});
  EXPECT_EQ(lg.wait(), 1) << lg.output();
  EXPECT_NE(lg.output().find("not ready after 500ms"), std::string::npos) << lg.output();
  auto pids = read_pids(d.path + "/pids");
  EXPECT_EQ(pids.size(), 2u);
  for (pid_t p : pids) EXPECT_FALSE(alive(p)) << "pid " << p << " survived";
  EXPECT_NE(lg::read_file(d.path + "/out/never-ready/junit.xml").find("waiting for nothing"), std::string::npos);
}

TEST(Run, MissingTargetExecutableExitsTwoBeforeAnythingStarts) {
  TempDir d;
  std::string good = d.write("good.yaml", "name: good\nphases:\n  - name: idle\n    duration: 100ms\n");
  std::string bad = d.write("bad.yaml",
                            "name: bad\ntarget:\n  command: [/nonexistent/leakguard-target]\n"
                            "phases:\n  - name: idle\n    duration: 100ms\n");
  Leakguard lg(d, {good, bad, "--out", d.path + "/out"});
  EXPECT_EQ(lg.wait(), 2) << lg.output();
  EXPECT_NE(lg.output().find("bad.yaml"), std::string::npos) << lg.output();
  EXPECT_NE(access((d.path + "/out").c_str(), F_OK), 0) << "nothing may start, not even the valid scenario";
}

TEST(Run, SystemOnlyScenarioWorksAndShardsPickTheirSlice) {
  REQUIRE_ROOT();
  TempDir d;
  std::string a = d.write("a.yaml", R"(name: sys-a
sampling: {interval: 50ms, settle_timeout: 3s}
phases:
  - name: churn
    workloads:
      - kind: netns
        count: 20
)");
  std::string b = d.write("b.yaml", "name: sys-b\nphases:\n  - name: idle\n    duration: 100ms\n");
  Leakguard lg(d, {a, b, "--shard", "1/2", "--out", d.path + "/out", "--junit", d.path + "/all.xml"});
  EXPECT_EQ(lg.wait(), 0) << lg.output();
  EXPECT_EQ(access((d.path + "/out/sys-a/series.json").c_str(), F_OK), 0);
  EXPECT_NE(access((d.path + "/out/sys-b").c_str(), F_OK), 0) << "shard 1/2 must not run the second scenario";
  std::string junit = lg::read_file(d.path + "/all.xml");
  EXPECT_NE(junit.find("sys-a"), std::string::npos);
  EXPECT_EQ(junit.find("sys-b"), std::string::npos);
  EXPECT_NE(lg.output().find("PASSED"), std::string::npos) << lg.output();
  std::string series = lg::read_file(d.path + "/out/sys-a/series.json");
  EXPECT_NE(series.find("\"netns\""), std::string::npos) << "event kind recorded";
}

TEST(Run, InterruptStopsTheTargetAndWritesAnInterruptedReport) {
  REQUIRE_ROOT();
  TempDir d;
  std::string sc = d.write("s.yaml", with_pids(R"(name: interrupted
target:
  command: [badtarget, ignore-term, --pids, PIDS]
  ready: {stdout: "^ready$", timeout: 5s}
  stop: {signal: TERM, grace: 20s}
sampling: {interval: 50ms, settle_timeout: 1s}
phases:
  - name: long
    duration: 60s
)",
                                               d.path + "/pids"));
  Leakguard lg(d, {sc, "--out", d.path + "/out"});
  ASSERT_TRUE(eventually(10, [&] { return read_pids(d.path + "/pids").size() == 5; }));
  usleep(300000);
  kill(lg.pid, SIGINT);
  usleep(300000);
  kill(lg.pid, SIGINT);  // the second one skips the 20 s grace
  EXPECT_EQ(lg.wait(15), 1) << lg.output();
  for (pid_t p : read_pids(d.path + "/pids")) EXPECT_FALSE(alive(p)) << "pid " << p << " survived";
  std::string series = lg::read_file(d.path + "/out/interrupted/series.json");
  EXPECT_NE(series.find("\"interrupted\":true"), std::string::npos) << series.substr(0, 1500);
  EXPECT_NE(series.find("killed without grace"), std::string::npos);
}

// The promise: SIGKILL leakguard at any moment and nothing of its run survives.
TEST(Run, SigkillMidChurnLeavesNothingBehind) {
  REQUIRE_ROOT();
  std::string mount = lg::cgroup2_mount();
  if (mount.empty()) GTEST_SKIP() << "no cgroup v2 here";
  TempDir d;
  double netns0 = sys_netns();
  int maps0 = count_ids(bpf_map_get_next_id), progs0 = count_ids(bpf_prog_get_next_id),
      links0 = count_ids(bpf_link_get_next_id);
  std::string sc = d.write("s.yaml", with_pids(R"(name: sigkill
target:
  command: [badtarget, ignore-term, --pids, PIDS]
  ready: {stdout: "^ready$", timeout: 5s}
sampling: {interval: 50ms}
phases:
  - name: churn
    duration: 60s
    workloads:
      - kind: netns
        count: 1000000
        rate: 300/s
        concurrency: 16
        hold: 50ms
        bind_mount: true
        process: true
      - kind: maps
        count: 1000000
        rate: 300/s
        concurrency: 8
        pin: true
      - kind: procexit
        count: 1000000
        rate: 200/s
)",
                                               d.path + "/pids"));
  Leakguard lg(d, {sc, "--out", d.path + "/out", "--quiet"});
  pid_t lgpid = lg.pid;
  std::string cg = mount + "/leakguard-" + std::to_string(lgpid);
  // Mid-churn: the target is up and the workloads have been running for a while.
  ASSERT_TRUE(eventually(10, [&] { return read_pids(d.path + "/pids").size() == 5; })) << lg.output();
  usleep(1500000);
  char buf[64];
  ssize_t k = readlink(("/proc/" + std::to_string(lgpid) + "/ns/mnt").c_str(), buf, sizeof buf - 1);
  ASSERT_GT(k, 0);
  std::string mntns(buf, k);
  std::vector<pid_t> run_pids = lg::cgroup_pids(cg, true);
  for (pid_t p : children_of(lgpid)) run_pids.push_back(p);  // the watchdog among them
  ASSERT_GT(run_pids.size(), 5u);
  ASSERT_EQ(access(cg.c_str(), F_OK), 0);
  kill(lgpid, SIGKILL);
  EXPECT_EQ(lg.wait(), -SIGKILL);
  double t0 = now_s();

  EXPECT_TRUE(eventually(5, [&] {
    for (pid_t p : run_pids)
      if (alive(p)) return false;
    return true;
  })) << "a process of the run survived";
  for (pid_t p : read_pids(d.path + "/pids")) EXPECT_FALSE(alive(p)) << "target pid " << p;
  EXPECT_TRUE(eventually(5 - (now_s() - t0), [&] { return access(cg.c_str(), F_OK) != 0; })) << cg;
  EXPECT_TRUE(eventually(5 - (now_s() - t0), [&] { return procs_in_mntns(mntns) == 0; }))
      << "the run's mount namespace (and its netns bind mounts, bpffs pins) is still alive";
  std::string priv = "/run/leakguard-" + std::to_string(lgpid);
  EXPECT_TRUE(eventually(5 - (now_s() - t0), [&] { return access(priv.c_str(), F_OK) != 0; })) << priv;
  EXPECT_EQ(lg::read_file("/proc/self/mountinfo").find(priv), std::string::npos);
  // Kernel-wide counts: other work on this machine may churn too, so "back to at most the
  // baseline at some moment within the 5 s".
  EXPECT_TRUE(eventually(5 - (now_s() - t0), [&] { return count_ids(bpf_map_get_next_id) <= maps0; }));
  EXPECT_TRUE(eventually(5 - (now_s() - t0), [&] { return count_ids(bpf_prog_get_next_id) <= progs0; }));
  EXPECT_TRUE(eventually(5 - (now_s() - t0), [&] { return count_ids(bpf_link_get_next_id) <= links0; }));
  if (netns0 >= 0) {
    EXPECT_TRUE(eventually(5 - (now_s() - t0), [&] { return sys_netns() <= netns0; }))
        << "network namespaces: " << sys_netns() << " now, " << netns0 << " before";
  }
  EXPECT_LT(now_s() - t0, 5.5);
}

// Processes whose environment holds `mark` (the target and everything it forks or clones), and
// how many of their tasks are in D state.
std::vector<pid_t> marked(const std::string& mark, int* dstate = nullptr) {
  std::vector<pid_t> out;
  if (dstate) *dstate = 0;
  DIR* d = opendir("/proc");
  while (dirent* e = d ? readdir(d) : nullptr) {
    if (!isdigit((unsigned char)e->d_name[0])) continue;
    std::string env = lg::read_file(std::string("/proc/") + e->d_name + "/environ");
    if (env.find(mark) == std::string::npos) continue;
    out.push_back(atoi(e->d_name));
    if (!dstate) continue;
    DIR* t = opendir((std::string("/proc/") + e->d_name + "/task").c_str());
    while (dirent* te = t ? readdir(t) : nullptr) {
      std::string st = lg::read_file(std::string("/proc/") + e->d_name + "/task/" + te->d_name + "/stat");
      size_t rp = st.rfind(')');
      *dstate += rp != std::string::npos && rp + 2 < st.size() && st[rp + 2] == 'D';
    }
    if (t) closedir(t);
  }
  if (d) closedir(d);
  return out;
}

// dstuck leaky: each SIGHUP leaves a helper thread in D state and a child waiting before its
// exec. SIGUSR1 as stop signal does not stop it, so leakguard must kill them after the grace.
std::string stuck_scenario(const std::string& mark, int count) {
  return "name: stuck\n"
         "target:\n"
         "  command: [dstuck, --mode, leaky]\n"
         "  env: {GHOST_MARK: " +
         mark +
         "}\n"
         "  ready: {stdout: \"ready\", timeout: 10s}\n"
         "  stop: {signal: USR1, grace: 1s}\n"
         "sampling: {settle_timeout: 2s}\n"  // sys.dstate of a busy machine never holds still
         "phases:\n"
         "  - name: spawn\n"
         "    workloads:\n"
         "      - kind: signal\n"
         "        count: " +
         std::to_string(count) +
         "\n"
         "        rate: 20/s\n"
         "checks:\n"
         "  - metric: proc.dstate\n"
         "    max: 0\n"
         "  - metric: sys.dstate\n"
         "    max: 0\n";
}

class StuckTasks : public ::testing::TestWithParam<bool> {};  // true: process-tree containment

// Tasks stuck in the kernel die with the run: killed after the grace, and after SIGKILL of
// leakguard (by the watchdog), with every child they spawned.
TEST_P(StuckTasks, NothingStuckOutlivesTheRun) {
  REQUIRE_ROOT();
  bool tree = GetParam();
  const char* env = tree ? "LEAKGUARD_NO_CGROUP=1" : nullptr;
  TempDir d;
  std::string mark = "lg-ghost-" + std::to_string(getpid()) + (tree ? "-tree" : "-cgroup");
  {
    std::string sc = d.write("s.yaml", stuck_scenario(mark + "-a", 8));
    Leakguard lg(d, {sc, "--out", d.path + "/out"}, env);
    EXPECT_EQ(lg.wait(), 1) << lg.output();
    std::string out = lg.output();
    // Both checks fail, each with the stuck helpers named under it (sys.dstate: among every
    // D-state task of the machine).
    size_t proc_fail = out.find("FAIL   proc.dstate max <= 0"), sys_fail = out.find("FAIL   sys.dstate max <= 0");
    ASSERT_NE(proc_fail, std::string::npos) << out;
    ASSERT_NE(sys_fail, std::string::npos) << out;
    ASSERT_LT(proc_fail, sys_fail) << "checks are printed in scenario order";
    EXPECT_NE(out.substr(proc_fail, sys_fail - proc_fail).find("tasks of dstuck in D state at "), std::string::npos)
        << out;
    EXPECT_NE(out.substr(sys_fail).find("tasks of dstuck in D state at "), std::string::npos) << out;
    std::string series = lg::read_file(d.path + "/out/stuck/series.json");
    EXPECT_NE(series.find("killed after grace"), std::string::npos) << "leakguard killed them, not dstuck itself";
    EXPECT_TRUE(eventually(2, [&] { return marked(mark + "-a").empty(); }))
        << marked(mark + "-a").size() << " processes of the run are left";
  }
  std::string sc = d.write("s2.yaml", stuck_scenario(mark + "-b", 100000));
  Leakguard lg(d, {sc, "--out", d.path + "/out2", "--quiet"}, env);
  int dstate = 0;
  ASSERT_TRUE(eventually(20,
                         [&] {
                           marked(mark + "-b", &dstate);
                           return dstate >= 5;
                         }))
      << "no task got stuck: " << lg.output();
  kill(lg.pid, SIGKILL);
  EXPECT_EQ(lg.wait(), -SIGKILL);
  EXPECT_TRUE(eventually(5, [&] { return marked(mark + "-b").empty(); }))
      << marked(mark + "-b").size() << " processes of the run survived leakguard's SIGKILL";
}

INSTANTIATE_TEST_SUITE_P(Containment, StuckTasks, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "process_tree" : "cgroup"; });

}  // namespace

namespace {

// The spawner (harness/workloads/spawner.h) forks procexit's processes: after a SIGKILL of
// leakguard neither it nor any of its children may survive, with the run's cgroup and with
// the process-tree fallback (where the watchdog and PR_SET_PDEATHSIG are all there is).
void spawner_dies_with_leakguard(const char* env) {
  TempDir d;
  std::string sc = d.write("s.yaml", R"(name: spawner-sigkill
sampling: {interval: 100ms}
phases:
  - name: churn
    duration: 60s
    workloads:
      - kind: procexit
        count: 1000000
        concurrency: 4
        lifetime: 30s
        threads: 1
      - kind: procexit
        count: 1000000
        rate: 200/s
)");
  Leakguard lg(d, {sc, "--out", d.path + "/out", "--quiet"}, env);
  std::vector<pid_t> spawners, kids;
  ASSERT_TRUE(eventually(10,
                         [&] {
                           spawners.clear(), kids.clear();
                           for (pid_t p : children_of(lg.pid))
                             if (lg::trim(lg::read_file("/proc/" + std::to_string(p) + "/comm")) == "lg-spawner")
                               spawners.push_back(p);
                           for (pid_t s : spawners)
                             for (pid_t k : children_of(s)) kids.push_back(k);
                           return !spawners.empty() && kids.size() >= 4;
                         }))
      << spawners.size() << " spawners with " << kids.size() << " children\n"
      << lg.output();
  kill(lg.pid, SIGKILL);
  EXPECT_EQ(lg.wait(), -SIGKILL);
  EXPECT_TRUE(eventually(5, [&] {
    for (pid_t p : spawners)
      if (alive(p)) return false;
    for (pid_t p : kids)
      if (alive(p)) return false;
    return true;
  })) << "a spawner or one of its children survived leakguard's SIGKILL";
}

TEST(Run, SigkillLeavesNoSpawnerNorItsChildren) {
  REQUIRE_ROOT();
  spawner_dies_with_leakguard(nullptr);
}

TEST(Run, SigkillLeavesNoSpawnerNorItsChildrenWithoutCgroup) {
  REQUIRE_ROOT();
  spawner_dies_with_leakguard("LEAKGUARD_NO_CGROUP=1");
}

}  // namespace

namespace {

// The groups of a `cgroup` workload, their processes and their parent directory are gone after
// a SIGKILL of leakguard: with the run's cgroup (the parent is inside it) and without one (the
// watchdog was told about the directories before they were made).
void cgroup_churn_dies_with_leakguard(const char* env) {
  std::string mount = lg::cgroup2_mount();
  if (mount.empty()) GTEST_SKIP() << "no cgroup v2 here";
  TempDir d;
  std::string sc = d.write("s.yaml", R"(name: cgroup-sigkill
sampling: {interval: 100ms}
phases:
  - name: churn
    duration: 60s
    workloads:
      - kind: cgroup
        count: 1000000
        rate: 200/s
        concurrency: 8
        hold: 30s
        procs: 1
)");
  Leakguard lg(d, {sc, "--out", d.path + "/out", "--quiet"}, env);
  std::string top = mount + "/leakguard-" + std::to_string(lg.pid), parent = top + "/churn";
  std::vector<pid_t> procs;
  ASSERT_TRUE(eventually(10,
                         [&] {
                           procs = lg::cgroup_pids(parent, true);
                           return procs.size() >= 8;
                         }))
      << procs.size() << " processes in " << parent << "\n"
      << lg.output();
  kill(lg.pid, SIGKILL);
  EXPECT_EQ(lg.wait(), -SIGKILL);
  EXPECT_TRUE(eventually(5, [&] {
    for (pid_t p : procs)
      if (alive(p)) return false;
    return access(parent.c_str(), F_OK) != 0 && access(top.c_str(), F_OK) != 0;
  })) << "a group, its parent or one of their processes survived leakguard's SIGKILL";
}

TEST(Run, SigkillLeavesNoCgroupOfTheCgroupWorkload) {
  REQUIRE_ROOT();
  cgroup_churn_dies_with_leakguard(nullptr);
}

TEST(Run, SigkillLeavesNoCgroupOfTheCgroupWorkloadWithoutTheRunsCgroup) {
  REQUIRE_ROOT();
  cgroup_churn_dies_with_leakguard("LEAKGUARD_NO_CGROUP=1");
}

}  // namespace
