// SPDX-License-Identifier: MIT
// signal workload: every signal sent arrives, group delivery, pacing, errors.
#include <signal.h>
#include <time.h>

#include <cerrno>

#include <gtest/gtest.h>

#include "tests/workloads/wl_util.h"

namespace lg::test {
namespace {

// A process that counts `sig` (real-time signals queue, so none is lost) until none came for
// 300 ms, then reports the count through a pipe. Killed by the destructor if still there.
struct Counter {
  pid_t pid = -1;
  int rd = -1;
  explicit Counter(int sig, pid_t pgid = -1) {
    int ready[2], out[2];
    if (pipe(ready) || pipe(out)) return;
    pid = fork();
    if (pid == 0) {
      if (pgid >= 0) setpgid(0, pgid);
      sigset_t set;
      sigemptyset(&set);
      sigaddset(&set, sig);
      sigprocmask(SIG_BLOCK, &set, nullptr);
      if (write(ready[1], "r", 1) != 1) _exit(1);
      long n = 0;
      timespec first{10, 0}, idle{0, 300000000};
      while (sigtimedwait(&set, nullptr, n ? &idle : &first) == sig) n++;
      std::string s = std::to_string(n);
      if (write(out[1], s.data(), s.size()) < 0) _exit(1);
      _exit(0);
    }
    if (pgid >= 0 && pid > 0) setpgid(pid, pgid);  // both sides: no race on who is first
    char c;
    if (read(ready[0], &c, 1) != 1) pid = -1;
    close(ready[0]), close(ready[1]), close(out[1]);
    rd = out[0];
  }
  long result() {  // waits for the report
    char buf[32] = {};
    ssize_t n = read(rd, buf, sizeof buf - 1);
    waitpid(pid, nullptr, 0);
    pid = -1;
    return n > 0 ? atol(buf) : -1;
  }
  ~Counter() {
    if (pid > 0) kill(pid, SIGKILL), waitpid(pid, nullptr, 0);
    if (rd >= 0) close(rd);
  }
};

TEST(Signal, NoTargetIsAnError) {
  Ran r = run_kind("signal", P({{"count", int64_t{3}}}));
  EXPECT_EQ(r.out.error, "signal workload needs a target");
  EXPECT_EQ(r.out.achieved, 0u);
}

TEST(Signal, EverySignalArrives) {
  Counter c(SIGRTMIN);
  ASSERT_GT(c.pid, 0);
  WorkloadContext ctx;
  ctx.target_pid = c.pid;
  Ran r = run_kind("signal", P({{"count", int64_t{50}}, {"rate", 1000.0}, {"signal", int64_t{SIGRTMIN}}}), ctx);
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.achieved, 50u);
  EXPECT_EQ(r.events, 50u);
  EXPECT_TRUE(r.monotonic);
  EXPECT_EQ(c.result(), 50);
}

TEST(Signal, GroupFromTheRunsProcessList) {
  Counter a(SIGRTMIN + 1), b(SIGRTMIN + 1);
  ASSERT_GT(a.pid, 0);
  ASSERT_GT(b.pid, 0);
  WorkloadContext ctx;
  ctx.target_pid = a.pid;
  ctx.target_pids = [&] { return std::vector<pid_t>{a.pid, b.pid}; };
  Ran r = run_kind(
      "signal",
      P({{"count", int64_t{12}}, {"rate", 1000.0}, {"signal", int64_t{SIGRTMIN + 1}}, {"to", std::string("group")}}),
      ctx);
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.achieved, 12u);
  EXPECT_EQ(a.result(), 12);
  EXPECT_EQ(b.result(), 12);
}

TEST(Signal, GroupWithoutProcessListUsesTheProcessGroup) {
  Counter a(SIGRTMIN + 2, 0);  // leader of a new group
  ASSERT_GT(a.pid, 0);
  Counter b(SIGRTMIN + 2, a.pid);
  ASSERT_GT(b.pid, 0);
  WorkloadContext ctx;
  ctx.target_pid = a.pid;
  Ran r = run_kind(
      "signal",
      P({{"count", int64_t{9}}, {"rate", 1000.0}, {"signal", int64_t{SIGRTMIN + 2}}, {"to", std::string("group")}}),
      ctx);
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(a.result(), 9);
  EXPECT_EQ(b.result(), 9);
}

TEST(Signal, PacingWithinTolerance) {
  Counter c(SIGRTMIN);
  ASSERT_GT(c.pid, 0);
  WorkloadContext ctx;
  ctx.target_pid = c.pid;
  Ran r = run_kind("signal", P({{"count", int64_t{1000}}, {"rate", 20.0}, {"signal", int64_t{SIGRTMIN}}}), ctx, 1.0);
  EXPECT_EQ(r.out.error, "");
  EXPECT_GE(r.out.achieved, 15u);
  EXPECT_LE(r.out.achieved, 25u);
  EXPECT_EQ(c.result(), (long)r.out.achieved);
}

TEST(Signal, GoneTargetIsESRCH) {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  ASSERT_GT(pid, 0);
  waitpid(pid, nullptr, 0);
  WorkloadContext ctx;
  ctx.target_pid = pid;
  Ran r = run_kind("signal", P({{"count", int64_t{5}}, {"rate", 1000.0}, {"signal", int64_t{SIGHUP}}}), ctx);
  EXPECT_EQ(r.out.error_errno, ESRCH);
  EXPECT_EQ(r.out.error, "kill(" + std::to_string(pid) + ", SIGHUP): No such process after 0 signals");
}

TEST(Signal, CheckRejectsKill) {
  std::string field;
  EXPECT_EQ(check_error("signal", P({{"signal", int64_t{SIGHUP}}}), field), "");
  EXPECT_NE(check_error("signal", P({{"signal", int64_t{SIGKILL}}}), field), "");
  EXPECT_EQ(field, "signal");
}

TEST(Registry, EveryKindIsComplete) {
  ASSERT_EQ(workload_kinds().size(), 4u);
  for (const auto* k : workload_kinds()) {
    EXPECT_NE(k->make, nullptr) << k->name;
    EXPECT_EQ(find_workload_kind(k->name), k);
    bool has_count = false;
    for (const auto& f : k->fields) {
      has_count |= std::string(f.name) == "count";
      // Each default is written once, in its FieldSpec, and must read as its type.
      if (f.def && *f.def) {
        EXPECT_TRUE(parse_param(f, f.def)) << k->name << "." << f.name << " default " << f.def;
      }
    }
    EXPECT_TRUE(has_count) << k->name;
  }
  EXPECT_EQ(find_workload_kind("nope"), nullptr);
}

}  // namespace
}  // namespace lg::test
