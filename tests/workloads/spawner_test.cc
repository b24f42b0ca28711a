// SPDX-License-Identifier: MIT
// The spawner: real processes with their own address space, reaped and reported with their
// status and errno, killed on request, and nothing left when the channel, the spawner or its
// parent goes away (also after SIGKILL).
#include "harness/workloads/spawner.h"

#include <fcntl.h>
#include <linux/kcmp.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <cerrno>
#include <chrono>
#include <set>

#include <gtest/gtest.h>

#include "harness/base/cgroup.h"
#include "harness/base/fs.h"
#include "tests/workloads/wl_util.h"

namespace lg::test {
namespace {

bool alive(pid_t p) {
  std::string s = read_file("/proc/" + std::to_string(p) + "/stat");
  size_t rp = s.rfind(')');
  return rp != std::string::npos && rp + 2 < s.size() && s[rp + 2] != 'Z';
}

bool eventually(double seconds, const std::function<bool()>& f) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (f()) return true;
    usleep(10000);
  }
  return f();
}

// Next event that is not a timeout; fails the test after 10 s.
SpawnEvent next(SpawnChannel& ch) {
  SpawnEvent ev;
  for (int i = 0; i < 500; i++) {
    int r = ch.next(ev, 20);
    if (r == 1) return ev;
    if (r < 0) {
      ADD_FAILURE() << "channel error: " << strerror(errno);
      return ev;
    }
  }
  ADD_FAILURE() << "no event in 10 s";
  return ev;
}

TEST(Spawner, ChildrenExitAndAreReapedWithTheirStatus) {
  Spawner sp;
  std::string err;
  ASSERT_TRUE(sp.start(err)) << err;
  EXPECT_NE(sp.pid(), getpid());
  EXPECT_TRUE(
      eventually(5, [&] { return trim(read_file("/proc/" + std::to_string(sp.pid()) + "/comm")) == "lg-spawner"; }));
  auto ch = sp.open({}, err);
  ASSERT_TRUE(ch) << err;
  std::set<pid_t> pids;
  for (uint64_t i = 1; i <= 50; i++) {
    ASSERT_TRUE(ch->spawn(i));
    SpawnEvent ev = next(*ch);
    EXPECT_FALSE(ev.started);
    EXPECT_EQ(ev.cookie, i);
    EXPECT_GT(ev.pid, 0);
    EXPECT_TRUE(WIFEXITED(ev.status) && WEXITSTATUS(ev.status) == 0) << ev.status;
    EXPECT_EQ(ev.step, kSpawnOk);
    pids.insert(ev.pid);
  }
  EXPECT_EQ(pids.size(), 50u);
  for (pid_t p : pids) EXPECT_FALSE(alive(p));
  EXPECT_TRUE(children(std::to_string(sp.pid())).empty()) << "reaped, not zombies";
  sp.stop();
  EXPECT_FALSE(sp.running());
}

TEST(Spawner, EachChildHasItsOwnAddressSpaceAndThreads) {
  Spawner sp;
  std::string err;
  ASSERT_TRUE(sp.start(err)) << err;
  SpawnSpec spec;
  spec.threads = 2;
  spec.pause = true;
  spec.report_start = true;
  auto ch = sp.open(spec, err);
  ASSERT_TRUE(ch) << err;
  ASSERT_TRUE(ch->spawn(7));
  SpawnEvent ev = next(*ch);
  ASSERT_TRUE(ev.started);
  pid_t child = ev.pid;
  ASSERT_TRUE(eventually(5, [&] {
    return read_file("/proc/" + std::to_string(child) + "/status").find("Threads:\t3") != std::string::npos;
  }));
  // kcmp(KCMP_VM): 0 would mean the same mm (a vfork or CLONE_VM child).
  long same = syscall(SYS_kcmp, child, sp.pid(), KCMP_VM, 0, 0);
  if (same < 0 && errno == ENOSYS) GTEST_SKIP() << "no kcmp";
  EXPECT_NE(same, 0) << "the child shares the spawner's address space";
  EXPECT_NE(read_file("/proc/" + std::to_string(child) + "/maps"), "");
  EXPECT_TRUE(ch->kill(7));
  ev = next(*ch);
  EXPECT_FALSE(ev.started);
  EXPECT_EQ(ev.pid, child);
  EXPECT_TRUE(WIFSIGNALED(ev.status) && WTERMSIG(ev.status) == SIGKILL) << ev.status;
}

TEST(Spawner, ExecFailureKeepsItsErrno) {
  Spawner sp;
  std::string err;
  ASSERT_TRUE(sp.start(err)) << err;
  SpawnSpec spec;
  spec.path = "/nonexistent/lg-spawner-test";
  spec.argv = {"x"};
  auto ch = sp.open(spec, err);
  ASSERT_TRUE(ch) << err;
  ASSERT_TRUE(ch->spawn(1));
  SpawnEvent ev = next(*ch);
  EXPECT_EQ(ev.step, kSpawnExec);
  EXPECT_EQ(ev.err, ENOENT);
  EXPECT_STREQ(spawn_step_call(ev.step), "execve");
}

TEST(Spawner, ExecRunsTheProgramWithItsArgv) {
  char tmpl[] = "/tmp/lg-spawner-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  close(fd);
  Spawner sp;
  std::string err;
  ASSERT_TRUE(sp.start(err)) << err;
  SpawnSpec spec;
  spec.path = "/bin/sh";
  spec.argv = {"sh", "-c", std::string("echo \"$0 $1\" >> ") + tmpl, "a b", "c"};
  auto ch = sp.open(spec, err);
  ASSERT_TRUE(ch) << err;
  for (int i = 0; i < 3; i++) {
    ASSERT_TRUE(ch->spawn(1));
    SpawnEvent ev = next(*ch);
    EXPECT_TRUE(WIFEXITED(ev.status) && WEXITSTATUS(ev.status) == 0);
  }
  EXPECT_EQ(read_file(tmpl), "a b c\na b c\na b c\n");
  unlink(tmpl);
}

// Children still alive when their channel closes, when the spawner stops, or when the
// spawner's parent dies are killed.
SpawnSpec pausing(uint32_t threads = 0) {
  SpawnSpec spec;
  spec.pause = true;
  spec.report_start = true;
  spec.threads = threads;
  return spec;
}

std::vector<pid_t> start_pausing(SpawnChannel& ch, int n) {
  std::vector<pid_t> pids;
  for (int i = 0; i < n; i++) {
    if (!ch.spawn(1)) break;
    SpawnEvent ev = next(ch);
    if (ev.started) pids.push_back(ev.pid);
  }
  return pids;
}

TEST(Spawner, ClosingAChannelKillsItsChildren) {
  Spawner sp;
  std::string err;
  ASSERT_TRUE(sp.start(err)) << err;
  auto a = sp.open(pausing(), err);
  auto b = sp.open(pausing(), err);
  ASSERT_TRUE(a && b) << err;
  auto pa = start_pausing(*a, 3), pb = start_pausing(*b, 2);
  ASSERT_EQ(pa.size(), 3u);
  ASSERT_EQ(pb.size(), 2u);
  a.reset();
  EXPECT_TRUE(eventually(5, [&] {
    for (pid_t p : pa)
      if (alive(p)) return false;
    return true;
  }));
  for (pid_t p : pb) EXPECT_TRUE(alive(p)) << "another channel's child was killed";
  pid_t spid = sp.pid();
  sp.stop();
  for (pid_t p : pb) EXPECT_FALSE(alive(p));
  EXPECT_FALSE(alive(spid));
}

TEST(Spawner, SigkillOfItsParentLeavesNothing) {
  // A process that starts a spawner with pausing children, tells us the pids, then waits.
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  pid_t parent = fork();
  if (parent == 0) {
    close(p[0]);
    Spawner sp;
    std::string err;
    if (!sp.start(err)) _exit(1);
    auto ch = sp.open(pausing(1), err);
    if (!ch) _exit(1);
    std::vector<pid_t> pids = start_pausing(*ch, 4);
    pids.push_back(sp.pid());
    if (write(p[1], pids.data(), pids.size() * sizeof(pid_t)) < 0) _exit(1);
    close(p[1]);
    for (;;) pause();
  }
  close(p[1]);
  std::vector<pid_t> pids(5);
  ssize_t n = read(p[0], pids.data(), pids.size() * sizeof(pid_t));
  close(p[0]);
  ASSERT_EQ(n, (ssize_t)(5 * sizeof(pid_t)));
  for (pid_t q : pids) EXPECT_TRUE(alive(q));
  kill(parent, SIGKILL);
  waitpid(parent, nullptr, 0);
  EXPECT_TRUE(eventually(5, [&] {
    for (pid_t q : pids)
      if (alive(q)) return false;
    return true;
  })) << "the spawner or one of its children survived its parent's SIGKILL";
}

TEST(Spawner, ChildStartsInTheCgroupGiven) {
  if (!is_root()) GTEST_SKIP() << "needs root (cgroups)";
  std::string mount = cgroup2_mount();
  if (mount.empty()) GTEST_SKIP() << "no cgroup v2";
  std::string dir = mount + "/lg-spawner-test-" + std::to_string(getpid());
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0) << strerror(errno);
  int cg = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(cg, 0);
  Spawner sp;
  std::string err;
  ASSERT_TRUE(sp.start(err)) << err;
  auto ch = sp.open(pausing(), err);
  ASSERT_TRUE(ch) << err;
  ASSERT_TRUE(ch->spawn(3, cg));
  ASSERT_TRUE(ch->spawn(3, cg));
  std::vector<pid_t> pids;
  for (int i = 0; i < 2; i++) {
    SpawnEvent ev = next(*ch);
    EXPECT_TRUE(ev.started) << spawn_step_call(ev.step) << ": " << strerror(ev.err);
    if (ev.started) pids.push_back(ev.pid);
  }
  close(cg);
  std::string procs = read_file(dir + "/cgroup.procs");
  for (pid_t p : pids) EXPECT_NE(procs.find(std::to_string(p)), std::string::npos) << procs;
  EXPECT_TRUE(ch->kill(3));
  for (size_t i = 0; i < pids.size(); i++) EXPECT_FALSE(next(*ch).started);
  EXPECT_TRUE(eventually(5, [&] { return rmdir(dir.c_str()) == 0; })) << strerror(errno);
}

}  // namespace
}  // namespace lg::test

namespace lg::test {
namespace {

TEST(Spawner, APoolGivesChannelsToEachSpawnerInTurn) {
  Spawner sp;
  std::string err;
  ASSERT_TRUE(sp.start(err, 2)) << err;
  ASSERT_EQ(sp.pids().size(), 2u);
  EXPECT_TRUE(sp.owns(sp.pids()[1]));
  EXPECT_FALSE(sp.owns(getpid()));
  auto a = sp.open(pausing(), err), b = sp.open(pausing(), err);
  ASSERT_TRUE(a && b) << err;
  auto pa = start_pausing(*a, 2), pb = start_pausing(*b, 2);
  ASSERT_EQ(pa.size() + pb.size(), 4u);
  // Each spawner has the two children of its channel.
  EXPECT_EQ(children(std::to_string(sp.pids()[0])).size(), 2u);
  EXPECT_EQ(children(std::to_string(sp.pids()[1])).size(), 2u);
  std::vector<pid_t> spids = sp.pids();
  sp.stop();
  for (pid_t p : pa) EXPECT_FALSE(alive(p));
  for (pid_t p : pb) EXPECT_FALSE(alive(p));
  for (pid_t p : spids) EXPECT_FALSE(alive(p));
}

}  // namespace
}  // namespace lg::test
