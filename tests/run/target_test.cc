// SPDX-License-Identifier: MIT
// The target lifecycle in-process: launch into a cgroup, readiness, stop, containment.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "harness/base/fs.h"
#include "harness/base/units.h"
#include "harness/base/strings.h"
#include "harness/run/cgroup.h"
#include "harness/run/target.h"
#include "harness/run/watchdog.h"

namespace {

std::string bin(const char* name) { return std::string(LEAKGUARD_BIN_DIR) + "/" + name; }

struct TempDir {
  std::string path;
  TempDir() {
    char t[] = "/tmp/lg-run-test-XXXXXX";
    path = mkdtemp(t);
  }
  ~TempDir() { (void)!system(("rm -rf " + path).c_str()); }
};

// A cgroup of the test's own, removed at the end.
struct TestCgroup {
  std::string dir;
  TestCgroup() {
    std::string m = lg::cgroup2_mount();
    if (m.empty()) return;
    dir = m + "/leakguard-test-" + std::to_string(getpid());
    std::string err;
    if (!lg::cgroup_create(dir, err)) dir.clear();
  }
  ~TestCgroup() {
    if (dir.empty()) return;
    lg::cgroup_kill(dir);
    lg::cgroup_wait_empty(dir, 5);
    std::string err;
    lg::cgroup_remove(dir, err);
  }
};

// Alive and not a zombie (a zombie's reaper may be outside this test's control).
bool alive(pid_t p) {
  std::string s = lg::read_file("/proc/" + std::to_string(p) + "/stat");
  size_t rp = s.rfind(')');
  return rp != std::string::npos && rp + 2 < s.size() && s[rp + 2] != 'Z';
}

bool eventually_dead(pid_t p) {
  for (int i = 0; i < 200 && alive(p); i++) usleep(10000);
  return !alive(p);
}

std::vector<pid_t> read_pids(const std::string& file) {
  std::vector<pid_t> out;
  for (const auto& l : lg::split(lg::read_file(file), '\n'))
    if (!l.empty()) out.push_back(atoi(l.c_str()));
  return out;
}

#define REQUIRE_ROOT_CGROUP(cg)                               \
  if (geteuid() != 0) GTEST_SKIP() << "needs root (cgroups)"; \
  if ((cg).dir.empty()) GTEST_SKIP() << "no writable cgroup v2 mount here"

TEST(Target, IgnoresTermAndDoubleForksAllGoneAfterGrace) {
  TestCgroup cg;
  REQUIRE_ROOT_CGROUP(cg);
  TempDir tmp;
  lg::TargetConfig c;
  c.argv = {bin("badtarget"), "ignore-term", "--pids", tmp.path + "/pids"};
  c.cgroup = cg.dir;
  c.ready_pattern = "^ready$";
  c.stdout_log_fd = open((tmp.path + "/out.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  lg::Target t;
  std::string err;
  ASSERT_TRUE(t.launch(c, err)) << err;
  lg::ReadySpec r;
  r.kind = lg::ReadySpec::Stdout;
  r.pattern = "^ready$";
  r.timeout = 10;
  std::string msg;
  ASSERT_TRUE(t.wait_ready(r, nullptr, msg)) << msg;
  // main + 2 children + 2 detached grandchildren (setsid: out of the process group too).
  auto pids = read_pids(tmp.path + "/pids");
  for (int i = 0; i < 200 && pids.size() < 5; i++, usleep(10000)) pids = read_pids(tmp.path + "/pids");
  ASSERT_EQ(pids.size(), 5u);
  EXPECT_EQ(t.pids().size(), 5u);
  lg::StopSpec s;
  s.grace = 0.3;
  lg::LifecycleStep step = t.stop(s);
  EXPECT_TRUE(step.ok);
  EXPECT_NE(step.message.find("killed after grace"), std::string::npos) << step.message;
  for (pid_t p : pids) EXPECT_FALSE(alive(p)) << "pid " << p << " survived";
  EXPECT_FALSE(lg::cgroup_populated(cg.dir));
  EXPECT_EQ(lg::read_file(tmp.path + "/out.log"), "ready\n");
}

TEST(Target, CleanStopIsRecordedAsSuch) {
  TestCgroup cg;
  REQUIRE_ROOT_CGROUP(cg);
  lg::TargetConfig c;
  c.argv = {bin("badtarget"), "serve"};
  c.cgroup = cg.dir;
  c.ready_pattern = "ready";
  lg::Target t;
  std::string err, msg;
  ASSERT_TRUE(t.launch(c, err)) << err;
  lg::ReadySpec r;
  r.kind = lg::ReadySpec::Stdout;
  r.pattern = "ready";
  ASSERT_TRUE(t.wait_ready(r, nullptr, msg)) << msg;
  lg::LifecycleStep step = t.stop(lg::StopSpec{SIGTERM, 5, {}});
  EXPECT_TRUE(step.ok) << step.message;
  EXPECT_EQ(step.message, "exited with status 0 after SIGTERM");
}

TEST(Target, CrashMidRunIsAnErrorWithTheSignal) {
  TestCgroup cg;
  REQUIRE_ROOT_CGROUP(cg);
  lg::TargetConfig c;
  c.argv = {bin("badtarget"), "crash", "50"};
  c.cgroup = cg.dir;
  lg::Target t;
  std::string err;
  ASSERT_TRUE(t.launch(c, err)) << err;
  for (int i = 0; i < 500 && !t.exited(); i++) usleep(10000);
  ASSERT_TRUE(t.exited());
  lg::LifecycleStep step = t.stop(lg::StopSpec{});
  EXPECT_FALSE(step.ok);
  EXPECT_NE(step.message.find("crashed mid-run: killed by SIGSEGV"), std::string::npos) << step.message;
  EXPECT_NE(step.detail.find("about to crash"), std::string::npos) << step.detail;
}

TEST(Target, NeverReadyTimesOutAndLeavesNothing) {
  TestCgroup cg;
  REQUIRE_ROOT_CGROUP(cg);
  TempDir tmp;
  lg::TargetConfig c;
  c.argv = {bin("badtarget"), "never-ready", "--pids", tmp.path + "/pids"};
  c.cgroup = cg.dir;
  lg::Target t;
  std::string err, msg;
  ASSERT_TRUE(t.launch(c, err)) << err;
  lg::ReadySpec r;
  r.kind = lg::ReadySpec::File;
  r.file = tmp.path + "/never";
  r.timeout = 0.3;
  EXPECT_FALSE(t.wait_ready(r, nullptr, msg));
  EXPECT_NE(msg.find("did not appear"), std::string::npos) << msg;
  t.kill_all();
  for (pid_t p : read_pids(tmp.path + "/pids")) EXPECT_FALSE(alive(p));
  EXPECT_FALSE(lg::cgroup_populated(cg.dir));
}

TEST(Target, ExitBeforeReadyGivesStatusAndStderr) {
  lg::TargetConfig c;
  c.argv = {bin("badtarget"), "exit-early"};
  lg::Target t;
  std::string err, msg;
  ASSERT_TRUE(t.launch(c, err)) << err;
  lg::ReadySpec r;
  r.kind = lg::ReadySpec::Stdout;
  r.pattern = "ready";
  EXPECT_FALSE(t.wait_ready(r, nullptr, msg));
  EXPECT_EQ(msg, "exited with status 3 before ready");
  t.kill_all();
  for (int i = 0; i < 100 && t.stderr_tail().empty(); i++) usleep(10000);
  EXPECT_NE(t.stderr_tail().find("cannot open config"), std::string::npos);
}

TEST(Target, MissingExecutableIsALaunchError) {
  lg::TargetConfig c;
  c.argv = {"/nonexistent/leakguard-no-such-binary"};
  lg::Target t;
  std::string err;
  EXPECT_FALSE(t.launch(c, err));
  EXPECT_NE(err.find("No such file"), std::string::npos) << err;
}

TEST(Target, ProcessTreeFallbackFindsDetachedDescendantsByTag) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  TempDir tmp;
  lg::TargetConfig c;
  c.argv = {bin("badtarget"), "ignore-term", "--pids", tmp.path + "/pids"};
  c.tag = "LEAKGUARD_RUN=test-" + std::to_string(getpid());
  lg::Target t;
  std::string err;
  ASSERT_TRUE(t.launch(c, err)) << err;
  auto pids = read_pids(tmp.path + "/pids");
  for (int i = 0; i < 200 && pids.size() < 5; i++, usleep(10000)) pids = read_pids(tmp.path + "/pids");
  ASSERT_EQ(pids.size(), 5u);
  // The setsid() grandchildren left the process group and the parent chain: only the tag
  // still ties them to the target.
  EXPECT_EQ(lg::process_tree(t.pid()).size(), 3u);
  EXPECT_EQ(t.pids().size(), 5u);
  lg::StopSpec s;
  s.grace = 0.2;
  EXPECT_NE(t.stop(s).message.find("killed after grace"), std::string::npos);
  for (pid_t p : pids) EXPECT_TRUE(eventually_dead(p)) << "pid " << p;
}

TEST(Target, LimitsAndEnvReachTheTarget) {
  TempDir tmp;
  lg::TargetConfig c;
  c.argv = {"/bin/sh", "-c", "ulimit -n; echo \"$LG_TEST_VAR\"; pwd"};
  c.env["LG_TEST_VAR"] = "hello";
  c.cwd = tmp.path;
  c.limit_nofile = 123;
  c.stdout_log_fd = open((tmp.path + "/out.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  lg::Target t;
  std::string err;
  ASSERT_TRUE(t.launch(c, err)) << err;
  for (int i = 0; i < 500 && !t.exited(); i++) usleep(10000);
  EXPECT_TRUE(t.stop(lg::StopSpec{SIGTERM, 5, {}}).message.find("exited early: exited with status 0") == 0);
  for (int i = 0; i < 100 && lg::split(t.stdout_tail(), '\n').size() < 4; i++) usleep(10000);
  EXPECT_EQ(t.stdout_tail(), "123\nhello\n" + tmp.path + "\n");
}

TEST(Target, RunsAsTheConfiguredUser) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to switch users";
  TempDir tmp;
  lg::TargetConfig c;
  c.argv = {"/usr/bin/id", "-u"};
  c.user = "nobody";
  lg::Target t;
  std::string err;
  ASSERT_TRUE(t.launch(c, err)) << err;
  for (int i = 0; i < 500 && !t.exited(); i++) usleep(10000);
  t.stop(lg::StopSpec{});
  for (int i = 0; i < 100 && t.stdout_tail().empty(); i++) usleep(10000);
  EXPECT_EQ(t.stdout_tail(), "65534\n");
  lg::TargetConfig bad;
  bad.argv = {"/usr/bin/id"};
  bad.user = "no-such-user-leakguard";
  lg::Target t2;
  EXPECT_FALSE(t2.launch(bad, err));
  EXPECT_EQ(err, "target.user: no user named 'no-such-user-leakguard'");
}

TEST(Watchdog, CleansCgroupsAndPidsWhenThePipeCloses) {
  TestCgroup cg;
  REQUIRE_ROOT_CGROUP(cg);
  std::string sub = cg.dir + "/wd";
  std::string err;
  ASSERT_TRUE(lg::cgroup_create(sub, err)) << err;
  lg::TargetConfig c;
  c.argv = {bin("badtarget"), "ignore-term"};
  c.cgroup = sub;
  lg::Target t;
  ASSERT_TRUE(t.launch(c, err)) << err;
  lg::Watchdog wd;
  ASSERT_TRUE(wd.start(err)) << err;
  wd.add_cgroup(sub);
  wd.finish();  // as if leakguard had died: the watchdog cleans up and exits
  EXPECT_NE(access(sub.c_str(), F_OK), 0) << sub << " still exists";
  EXPECT_FALSE(lg::cgroup_populated(cg.dir));
}

}  // namespace

// Issue 17: a daemon that exits with the stop signal's number (atop exits 15 after SIGTERM),
// or with 128 + it, stopped cleanly; other statuses only when the scenario lists them.
TEST(CleanStop, StatusesThatCountAsClean) {
  auto exited = [](int code) { return code << 8; };  // a wait status for exit(code)
  lg::StopSpec term;
  std::string why;
  EXPECT_TRUE(lg::clean_stop_status(term, exited(0), why));
  EXPECT_EQ(why, "");
  EXPECT_TRUE(lg::clean_stop_status(term, SIGTERM, why));  // killed by SIGTERM itself
  EXPECT_TRUE(lg::clean_stop_status(term, exited(15), why));
  EXPECT_EQ(why, "the stop signal's number");
  EXPECT_TRUE(lg::clean_stop_status(term, exited(143), why));
  EXPECT_EQ(why, "128 + the stop signal's number");
  EXPECT_FALSE(lg::clean_stop_status(term, exited(1), why));
  EXPECT_FALSE(lg::clean_stop_status(term, SIGKILL, why));
  EXPECT_FALSE(lg::clean_stop_status(term, exited(2), why));  // SIGINT's number, not the stop signal's
  EXPECT_FALSE(lg::clean_stop_status(term, -1, why));         // status unknown
  lg::StopSpec hup{SIGHUP, 5, {3, 7}};
  EXPECT_TRUE(lg::clean_stop_status(hup, exited(3), why));
  EXPECT_EQ(why, "listed in target.stop.exit_codes");
  EXPECT_TRUE(lg::clean_stop_status(hup, exited(1), why));  // SIGHUP's number
  EXPECT_FALSE(lg::clean_stop_status(hup, exited(4), why));
  EXPECT_TRUE(lg::clean_stop_status(hup, exited(129), why));
  EXPECT_FALSE(lg::clean_stop_status(hup, exited(15), why));
  EXPECT_FALSE(lg::clean_stop_status(hup, SIGTERM, why));
}

// The same through a real process and its stop step.
TEST(Target, ExitStatusOfTheSignalIsACleanStop) {
  struct Case {
    int code;
    std::vector<int> accepted;
    bool ok;
    const char* message;
  };
  for (const Case& k :
       {Case{15, {}, true, "exited with status 15 after SIGTERM (a clean stop: the stop signal's number)"},
        Case{143, {}, true, "exited with status 143 after SIGTERM (a clean stop: 128 + the stop signal's number)"},
        Case{1,
             {},
             false,
             "exited with status 1 after SIGTERM (not a clean stop: add it to target.stop.exit_codes if the program "
             "means it)"},
        Case{1, {1}, true, "exited with status 1 after SIGTERM (a clean stop: listed in target.stop.exit_codes)"}}) {
    lg::TargetConfig c;
    c.argv = {bin("badtarget"), "exit-on-term", std::to_string(k.code)};
    c.ready_pattern = "ready";
    lg::Target t;
    std::string err, msg;
    ASSERT_TRUE(t.launch(c, err)) << err;
    lg::ReadySpec r;
    r.kind = lg::ReadySpec::Stdout;
    r.pattern = "ready";
    ASSERT_TRUE(t.wait_ready(r, nullptr, msg)) << msg;
    lg::StopSpec s;
    s.exit_codes = k.accepted;
    lg::LifecycleStep step = t.stop(s);
    EXPECT_EQ(step.ok, k.ok) << step.message;
    EXPECT_EQ(step.message, k.message);
  }
}

TEST(Target, ReadyOnAStderrLine) {
  lg::TargetConfig c;
  c.argv = {bin("badtarget"), "ready-stderr", "200"};
  c.ready_pattern = "Listening on";
  c.ready_stream = 2;
  lg::Target t;
  std::string err, msg;
  ASSERT_TRUE(t.launch(c, err)) << err;
  lg::ReadySpec r;
  r.kind = lg::ReadySpec::Stderr;
  r.pattern = "Listening on";
  EXPECT_TRUE(t.wait_ready(r, nullptr, msg)) << msg;
  EXPECT_TRUE(t.stop(lg::StopSpec{}).ok);
  // The same line on stdout's watch never comes.
  lg::TargetConfig c2 = c;
  c2.ready_stream = 1;
  lg::Target t2;
  ASSERT_TRUE(t2.launch(c2, err)) << err;
  lg::ReadySpec r2 = r;
  r2.kind = lg::ReadySpec::Stdout;
  r2.timeout = 0.6;
  EXPECT_FALSE(t2.wait_ready(r2, nullptr, msg));
  EXPECT_EQ(msg, "not ready after 600ms: no stdout line matched /Listening on/");
}

TEST(Target, ReadyWhenItsPortListens) {
  // A free port: bind to 0, read it back, close.
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(bind(s, (sockaddr*)&a, sizeof a), 0);
  ASSERT_EQ(getsockname(s, (sockaddr*)&a, &len), 0);
  int port = ntohs(a.sin_port);
  close(s);
  lg::TargetConfig c;
  c.argv = {bin("badtarget"), "listen", std::to_string(port)};
  lg::Target t;
  std::string err, msg;
  ASSERT_TRUE(t.launch(c, err)) << err;
  EXPECT_FALSE(lg::tcp_port_listening(t.pid(), port));  // it waits 300 ms first
  lg::ReadySpec r;
  r.kind = lg::ReadySpec::Port;
  r.port = port;
  EXPECT_TRUE(t.wait_ready(r, nullptr, msg)) << msg;
  EXPECT_TRUE(lg::tcp_port_listening(t.pid(), port));
  EXPECT_FALSE(lg::tcp_port_listening(t.pid(), port == 1 ? 2 : port - 1));
  r.port = port == 1 ? 2 : port - 1;
  r.timeout = 0.2;
  EXPECT_FALSE(t.wait_ready(r, nullptr, msg));
  EXPECT_EQ(msg, "not ready after 200ms: nothing listens on TCP port " + std::to_string(r.port) +
                     " in its network namespace");
  EXPECT_TRUE(t.stop(lg::StopSpec{}).ok);
}
TEST(Target, ALogKeepsItsHeadAndTailAndSaysWhatWasDropped) {
  TempDir tmp;
  lg::TargetConfig c;
  c.argv = {"/bin/sh", "-c", "for i in $(seq 1 200); do echo \"line $i\"; done"};
  c.stdout_log_fd = open((tmp.path + "/out.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  c.log_head = 64;
  c.log_tail = 32;
  lg::Target t;
  std::string err;
  ASSERT_TRUE(t.launch(c, err)) << err;
  for (int i = 0; i < 500 && !t.exited(); i++) usleep(10000);
  t.stop(lg::StopSpec{SIGTERM, 1, {}});
  t.finish_output();
  std::string log = lg::read_file(tmp.path + "/out.log");
  std::string all;
  for (int i = 1; i <= 200; i++) all += "line " + std::to_string(i) + "\n";
  uint64_t dropped = all.size() - 64 - 32;
  EXPECT_EQ(t.stdout_dropped(), dropped);
  EXPECT_EQ(log, all.substr(0, 64) + "\n[leakguard: " + lg::format_number((double)dropped) +
                     " bytes of output dropped here; this log keeps the first 64 bytes and the last 32 bytes]\n" +
                     all.substr(all.size() - 32));
}

TEST(Target, AReadyLinePrintedJustBeforeExitingCounts) {
  for (int i = 0; i < 20; i++) {
    lg::TargetConfig c;
    c.argv = {"/bin/sh", "-c", "echo ready; exit 0"};
    c.ready_pattern = "^ready$";
    lg::Target t;
    std::string err, msg;
    ASSERT_TRUE(t.launch(c, err)) << err;
    for (int k = 0; k < 500 && !t.exited(); k++) usleep(1000);  // exited before we look
    lg::ReadySpec r;
    r.kind = lg::ReadySpec::Stdout;
    r.pattern = "^ready$";
    EXPECT_TRUE(t.wait_ready(r, nullptr, msg)) << "round " << i << ": " << msg;
  }
}
