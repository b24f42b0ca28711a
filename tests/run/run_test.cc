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

extern char** environ;

namespace {

std::string bin(const char* name) { return std::string(LEAKGUARD_BIN_DIR) + "/" + name; }

double now_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

bool eventually(double seconds, const std::function<bool()>& f) {
  for (double end = now_s() + seconds; now_s() < end; usleep(20000))
    if (f()) return true;
  return f();
}

struct TempDir {
  std::string path;
  TempDir() {
    char t[] = "/tmp/lg-run-e2e-XXXXXX";
    path = mkdtemp(t);
  }
  ~TempDir() { (void)!system(("rm -rf " + path).c_str()); }
  std::string write(const std::string& name, const std::string& text) const {
    std::string p = path + "/" + name, err;
    lg::write_file(p, text, err);
    return p;
  }
};

// leakguard as a child, stdout+stderr to OUT/console.log.
struct Leakguard {
  pid_t pid = -1;
  std::string log;
  Leakguard(const TempDir& d, std::vector<std::string> args, const char* extra_env = nullptr) {
    log = d.path + "/console.log";
    args.insert(args.begin(), {bin("leakguard"), "run"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    std::vector<char*> env;
    for (char** e = environ; *e; e++) env.push_back(*e);
    std::string extra = extra_env ? extra_env : "";
    if (extra_env) env.push_back(extra.data());
    env.push_back(nullptr);
    if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), env.data()) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  // Exit code, or -signal; kills it after `timeout` seconds (a test failure, not a hang).
  int wait(double timeout = 60) {
    int st = 0;
    for (double end = now_s() + timeout; waitpid(pid, &st, WNOHANG) == 0; usleep(10000))
      if (now_s() > end) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        ADD_FAILURE() << "leakguard did not finish in " << timeout << "s";
        break;
      }
    pid = -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
  }
  std::string output() const { return lg::read_file(log); }
  ~Leakguard() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

bool alive(pid_t p) {
  std::string s = lg::read_file("/proc/" + std::to_string(p) + "/stat");
  size_t rp = s.rfind(')');
  return rp != std::string::npos && rp + 2 < s.size() && s[rp + 2] != 'Z';
}

std::vector<pid_t> read_pids(const std::string& file) {
  std::vector<pid_t> out;
  for (const auto& l : lg::split(lg::read_file(file), '\n'))
    if (!l.empty()) out.push_back(atoi(l.c_str()));
  return out;
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  DIR* d = opendir("/proc");
  while (dirent* e = d ? readdir(d) : nullptr) {
    if (!isdigit((unsigned char)e->d_name[0])) continue;
    std::string s = lg::read_file(std::string("/proc/") + e->d_name + "/stat");
    size_t rp = s.rfind(')');
    int ppid = 0;
    char st;
    if (rp != std::string::npos && sscanf(s.c_str() + rp + 1, " %c %d", &st, &ppid) == 2 && ppid == parent)
      out.push_back(atoi(e->d_name));
  }
  if (d) closedir(d);
  return out;
}

// Processes whose mount namespace is `ns` ("mnt:[4026...]").
int procs_in_mntns(const std::string& ns) {
  int n = 0;
  DIR* d = opendir("/proc");
  while (dirent* e = d ? readdir(d) : nullptr) {
    if (!isdigit((unsigned char)e->d_name[0])) continue;
    char buf[64];
    ssize_t k = readlink((std::string("/proc/") + e->d_name + "/ns/mnt").c_str(), buf, sizeof buf - 1);
    if (k > 0 && std::string(buf, k) == ns && alive(atoi(e->d_name))) n++;
  }
  if (d) closedir(d);
  return n;
}

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

}  // namespace
