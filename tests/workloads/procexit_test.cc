// SPDX-License-Identifier: MIT
// procexit workload: counts, threads, exec, lifetime, netns, pacing, everything reaped.
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <gtest/gtest.h>

#include "harness/base/strings.h"
#include "tests/workloads/wl_util.h"

namespace lg::test {
namespace {

// No child of ours is left, not even a zombie (waitpid would find one).
bool no_children() {
  if (!children().empty()) return false;
  errno = 0;
  return waitpid(-1, nullptr, WNOHANG) < 0 && errno == ECHILD;
}

TEST(Procexit, ExactCountAndAllReaped) {
  int threads = thread_count();
  Ran r = run_kind("procexit", P({{"count", int64_t{500}}}));
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.requested, 500u);
  EXPECT_EQ(r.out.achieved, 500u);
  EXPECT_EQ(r.events, 500u);
  EXPECT_TRUE(r.monotonic);
  EXPECT_GT(r.out.achieved_rate, 0);
  EXPECT_TRUE(no_children());
  EXPECT_EQ(thread_count(), threads);
}

TEST(Procexit, ThreadsPerProcessAndConcurrency) {
  int peak_kids = 0, max_threads = 0;
  Ran r = run_kind("procexit",
                   P({{"count", int64_t{6}}, {"threads", int64_t{3}}, {"lifetime", 0.15}, {"concurrency", int64_t{2}}}),
                   {}, -1, [&] {
                     auto kids = grandchildren();  // forked by the workload's spawner
                     peak_kids = std::max(peak_kids, (int)kids.size());
                     for (pid_t k : kids) {
                       for (const auto& line : split(read_file("/proc/" + std::to_string(k) + "/status"), '\n'))
                         if (starts_with(line, "Threads:")) max_threads = std::max(max_threads, atoi(line.c_str() + 8));
                     }
                   });
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.achieved, 6u);
  EXPECT_GE(peak_kids, 1);
  EXPECT_LE(peak_kids, 2);
  EXPECT_EQ(max_threads, 4);  // main + 3
  EXPECT_TRUE(no_children());
}

TEST(Procexit, ExecArgv) {
  char tmpl[] = "/tmp/lg-procexit-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  Ran r = run_kind("procexit", P({{"count", int64_t{7}},
                                  {"exec", std::vector<std::string>{"sh", "-c", std::string("echo x >> ") + tmpl}}}));
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.achieved, 7u);
  EXPECT_EQ(read_file(tmpl), "x\nx\nx\nx\nx\nx\nx\n");
  unlink(tmpl);
  EXPECT_TRUE(no_children());
}

TEST(Procexit, ExecMissingProgramIsAnError) {
  Ran r = run_kind("procexit", P({{"count", int64_t{3}}, {"exec", std::vector<std::string>{"no-such-program-lg"}}}));
  EXPECT_EQ(r.out.error_errno, ENOENT);
  EXPECT_NE(r.out.error.find("no-such-program-lg not found"), std::string::npos) << r.out.error;
  EXPECT_EQ(r.out.achieved, 0u);
}

TEST(Procexit, PacingWithinTolerance) {
  Ran r = run_kind("procexit", P({{"count", int64_t{1000}}, {"rate", 20.0}}), {}, 1.0);
  EXPECT_EQ(r.out.error, "");
  EXPECT_GE(r.out.achieved, 15u);
  EXPECT_LE(r.out.achieved, 25u);
  EXPECT_EQ(r.events, r.out.achieved);
  EXPECT_TRUE(no_children());
}

TEST(Procexit, RateWarningWhenUnreachable) {
  // 4 processes living 100 ms each cannot make 1000/s.
  Ran r = run_kind("procexit",
                   P({{"count", int64_t{20}}, {"rate", 1000.0}, {"lifetime", 0.1}, {"concurrency", int64_t{4}}}));
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.achieved, 20u);
  ASSERT_EQ(r.out.warnings.size(), 1u);
  EXPECT_NE(r.out.warnings[0].find("/s of 1,000/s asked"), std::string::npos) << r.out.warnings[0];
}

TEST(Procexit, StopKillsLongLivedChildren) {
  Ran r = run_kind("procexit", P({{"count", int64_t{10}}, {"lifetime", 60.0}, {"concurrency", int64_t{3}}}), {}, 0.2);
  EXPECT_EQ(r.out.error, "");
  EXPECT_GE(r.out.achieved, 1u);  // the ones started before the stop (3 unless very loaded),
  EXPECT_LE(r.out.achieved, 3u);  // killed and reaped at once: this test takes 0.2 s, not 60
  EXPECT_TRUE(no_children());
}

TEST(Procexit, InTheRunNetns) {
  if (!is_root()) GTEST_SKIP() << "needs root (unshare(CLONE_NEWNET))";
  int nsfd = -1;
  std::thread([&] {  // a namespace held by fd only; this thread goes away with it
    if (unshare(CLONE_NEWNET) == 0) nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  })
      .join();
  ASSERT_GE(nsfd, 0);
  struct stat st;
  ASSERT_EQ(fstat(nsfd, &st), 0);
  char tmpl[] = "/tmp/lg-procexit-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  WorkloadContext ctx;
  ctx.run_netns_fd = nsfd;
  Ran r = run_kind(
      "procexit",
      P({{"count", int64_t{3}},
         {"in_netns", true},
         {"exec", std::vector<std::string>{"sh", "-c", std::string("readlink /proc/self/ns/net >> ") + tmpl}}}),
      ctx);
  EXPECT_EQ(r.out.error, "");
  std::string want = "net:[" + std::to_string(st.st_ino) + "]\n";
  EXPECT_EQ(read_file(tmpl), want + want + want);
  unlink(tmpl);
  close(nsfd);
}

TEST(Procexit, InNetnsWithoutRunNetnsIsAnError) {
  Ran r = run_kind("procexit", P({{"count", int64_t{3}}, {"in_netns", true}}));
  EXPECT_NE(r.out.error.find("no network namespace"), std::string::npos) << r.out.error;
  EXPECT_EQ(r.out.achieved, 0u);
}

TEST(Procexit, FailureInsideTheChildKeepsItsErrno) {
  // An fd that is not a namespace: setns fails in the child with EINVAL.
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  WorkloadContext ctx;
  ctx.run_netns_fd = fd;
  Ran r = run_kind("procexit", P({{"count", int64_t{5}}, {"in_netns", true}, {"concurrency", int64_t{1}}}), ctx);
  close(fd);
  EXPECT_EQ(r.out.error_errno, EINVAL);
  EXPECT_EQ(r.out.error, "setns(run netns) in the child: Invalid argument after 0 processes");
  EXPECT_TRUE(no_children());
}

}  // namespace
}  // namespace lg::test
