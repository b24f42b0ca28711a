// SPDX-License-Identifier: MIT
// System metrics that need root: sys.netns follows namespaces held by fd, leakguard's own BPF
// objects stay out of sys.bpf_*, and cgroup scope counts a cgroup and the cgroups below it.
// Other work on the machine may create namespaces or BPF objects at the same time, so the
// system checks retry a few rounds and pass when one round is undisturbed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "census/zoo.h"
#include "harness/base/cgroup.h"
#include "harness/base/fs.h"
#include "harness/base/series.h"
#include "harness/census/census.h"
#include "harness/census/columns.h"

namespace lg {
namespace {

using test::Zoo;

double metric(Census& c, const std::string& name) {
  std::vector<double> v;
  std::string err;
  EXPECT_TRUE(c.sample(v, err)) << err;
  int i = column(c.metrics(), name);
  return i >= 0 && i < (int)v.size() ? v[i] : kUnavailable;
}

std::unique_ptr<Census> system_bpf(std::string& skip) {
  if (geteuid() != 0) {
    skip = "needs root";
    return nullptr;
  }
  std::string err, note;
  auto c = make_census(Backend::Bpf, CensusScope{}, CensusOptions{}, err, note);
  if (!c) skip = "BPF census unavailable: " + err;
  return c;
}

// Reads `names` until they hold still for 100 ms (other work on the machine may be churning
// them). False when they never do.
bool steady(Census& c, const std::vector<std::string>& names, std::vector<double>& v) {
  auto read_all = [&] {
    std::vector<double> r;
    for (const auto& n : names) r.push_back(metric(c, n));
    return r;
  };
  v = read_all();
  for (int i = 0; i < 2; i++) {
    usleep(50000);
    if (read_all() != v) return false;
  }
  return true;
}

TEST(SysNetns, FollowsNamespacesHeldByFd) {
  std::string skip;
  auto c = system_bpf(skip);
  if (!c) GTEST_SKIP() << skip;
  const int n = 20;
  bool ok = false;
  int undisturbed = 0;
  std::string log;
  for (int round = 0; round < 12 && !ok && undisturbed < 3; round++) {
    std::vector<double> base, after;
    if (!steady(*c, {"sys.netns"}, base)) {
      log += "round " + std::to_string(round) + ": busy\n";
      continue;
    }
    Zoo zoo;
    ASSERT_TRUE(zoo.start({"--netns", std::to_string(n)})) << zoo.error;
    double up = metric(*c, "sys.netns");
    zoo.stop();
    // Teardown is asynchronous (cleanup_net): poll for the count to come back.
    double down = up;
    for (int i = 0; i < 60 && down > base[0]; i++) {
      usleep(50000);
      down = metric(*c, "sys.netns");
    }
    log += "round " + std::to_string(round) + ": " + std::to_string(base[0]) + " -> " + std::to_string(up) + " -> " +
           std::to_string(down) + "\n";
    if (!steady(*c, {"sys.netns"}, after) || after[0] != base[0]) continue;  // someone else moved it
    undisturbed++;
    ok = up - base[0] == n;
  }
  if (!ok && undisturbed == 0) GTEST_SKIP() << "sys.netns never held still: other processes churn namespaces\n" << log;
  EXPECT_TRUE(ok) << log;
}

TEST(SysBpf, OwnObjectsExcludedOthersCounted) {
  std::string skip;
  auto c = system_bpf(skip);
  if (!c) GTEST_SKIP() << skip;
  const std::vector<std::string> names = {"sys.bpf_maps", "sys.bpf_progs", "sys.bpf_links"};
  bool ok = false;
  int undisturbed = 0;
  std::string log;
  auto show = [](const std::vector<double>& v) {
    return std::to_string((int)v[0]) + "/" + std::to_string((int)v[1]) + "/" + std::to_string((int)v[2]);
  };
  for (int round = 0; round < 12 && !ok && undisturbed < 3; round++) {
    std::vector<double> v0, v1, v2, after;
    if (!steady(*c, names, v0)) {
      log += "round " + std::to_string(round) + ": busy\n";
      continue;
    }
    // A second census (its own maps, programs and links) changes nothing.
    std::string err, note;
    auto other = make_census(Backend::Bpf, CensusScope{}, CensusOptions{}, err, note);
    ASSERT_TRUE(other) << err;
    for (const auto& n : names) v1.push_back(metric(*c, n));
    other.reset();
    {
      // fdzoo's objects are counted: 5 maps, 2 socket filters + the raw tracepoint program
      // behind its 3 links.
      Zoo zoo;
      ASSERT_TRUE(zoo.start({"--bpf-map", "5", "--bpf-prog", "2", "--bpf-link", "3"})) << zoo.error;
      for (const auto& n : names) v2.push_back(metric(*c, n));
    }
    log += "round " + std::to_string(round) + ": maps/progs/links " + show(v0) + " -> " + show(v1) +
           " (second census) -> " + show(v2) + " (fdzoo)\n";
    usleep(100000);  // freeing BPF objects is deferred a little
    if (!steady(*c, names, after) || after != v0) continue;
    undisturbed++;
    ok = v1 == v0 && v2[0] == v0[0] + 5 && v2[1] == v0[1] + 3 && v2[2] == v0[2] + 3;
  }
  if (!ok && undisturbed == 0) GTEST_SKIP() << "BPF object counts never held still\n" << log;
  EXPECT_TRUE(ok) << log;
}

TEST(SysSlab, BpfMatchesSlabinfo) {
  std::string skip;
  auto c = system_bpf(skip);
  if (!c) GTEST_SKIP() << skip;
  std::string err, note;
  auto p = make_census(Backend::Procfs, CensusScope{}, CensusOptions{}, err, note);
  ASSERT_TRUE(p) << err;
  // task_struct changes only when tasks come and go; allow a few rounds for quiet.
  bool ok = false;
  std::string log;
  for (int round = 0; round < 5 && !ok; round++) {
    double a = metric(*c, "sys.slab.task_struct"), b = metric(*p, "sys.slab.task_struct");
    log += std::to_string(a) + " vs " + std::to_string(b) + "\n";
    ok = a == b && a > 0;
  }
  EXPECT_TRUE(ok) << log;
}

// sys.dstate counts what ps calls D: BPF (task->__state) and procfs (the state letters) agree,
// so idle kernel threads (TASK_IDLE, "I") are not counted by BPF; 4 stuck threads add 4.
// Tasks of other work may enter and leave D state between two readings: rounds, one must agree.
TEST(SysDstate, BpfAgreesWithProcfsAndCountsStuckThreads) {
  std::string skip;
  auto c = system_bpf(skip);
  if (!c) GTEST_SKIP() << skip;
  std::string err, note;
  auto p = make_census(Backend::Procfs, CensusScope{}, CensusOptions{}, err, note);
  ASSERT_TRUE(p) << err;
  std::string log;
  auto agree = [&](double& v) {
    for (int round = 0; round < 20; round++) {
      double a = metric(*c, "sys.dstate"), b = metric(*p, "sys.dstate"), a2 = metric(*c, "sys.dstate");
      log += std::to_string(a) + " / " + std::to_string(b) + " / " + std::to_string(a2) + "\n";
      if (a == b && a == a2) {
        v = a;
        return true;
      }
      usleep(20000);
    }
    return false;
  };
  double idle = -1, during = -1;
  ASSERT_TRUE(agree(idle)) << "BPF and procfs never agreed on sys.dstate:\n" << log;
  Zoo zoo;
  ASSERT_TRUE(zoo.start({"--dstate", "4"})) << zoo.error;
  ASSERT_TRUE(agree(during)) << log;
  // Other D-state tasks may come and go (so no exact difference): at least the 4 are there.
  EXPECT_GE(during, 4) << log;
}

TEST(SysDyingCgroups, BpfReadsWhatCgroupStatSays) {
  std::string skip;
  auto c = system_bpf(skip);
  if (!c) GTEST_SKIP() << skip;
  std::string mount = cgroup2_mount();
  if (mount.empty()) GTEST_SKIP() << "no cgroup v2 mount to compare with";
  bool ok = false;
  std::string log;
  for (int round = 0; round < 10 && !ok; round++) {
    double b = metric(*c, "sys.dying_cgroups");
    std::string stat = read_file(mount + "/cgroup.stat");
    size_t at = stat.find("nr_dying_descendants ");
    ASSERT_NE(at, std::string::npos) << stat;
    double f = atof(stat.c_str() + at + 21);
    log += std::to_string(b) + " vs " + std::to_string(f) + "\n";
    ok = b == f;
  }
  EXPECT_TRUE(ok) << log;
}

// A cgroup directory removed on scope exit (after the processes in it are gone).
struct TempCgroup {
  std::string path;
  bool make(const std::string& p, std::string& err) {
    if (mkdir(p.c_str(), 0755) != 0) {
      err = "mkdir " + p + ": " + strerror(errno);
      return false;
    }
    path = p;
    return true;
  }
  ~TempCgroup() {
    for (int i = 0; !path.empty() && i < 200 && rmdir(path.c_str()) != 0 && errno == EBUSY; i++) usleep(10000);
  }
};

bool join(const std::string& cg, pid_t pid) {
  int fd = open((cg + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::string s = std::to_string(pid);
  bool ok = write(fd, s.data(), s.size()) == (ssize_t)s.size();
  close(fd);
  return ok;
}

class CgroupTest : public ::testing::TestWithParam<Backend> {};

TEST_P(CgroupTest, CountsTheCgroupAndBelow) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  std::string mount = cgroup2_mount();
  if (mount.empty()) GTEST_SKIP() << "no cgroup v2 mount";
  std::string err;
  TempCgroup outer, inner;  // destroyed after the zoos below
  if (!outer.make(mount + "/lg-census-test-" + std::to_string(getpid()), err)) GTEST_SKIP() << err;
  ASSERT_TRUE(inner.make(outer.path + "/inner", err)) << err;
  Zoo a, b;
  ASSERT_TRUE(a.start({"--socket", "3", "--threads", "2", "--zombies", "1"})) << a.error;
  ASSERT_TRUE(b.start({"--eventfd", "4"})) << b.error;
  ASSERT_TRUE(join(outer.path, a.pid));
  ASSERT_TRUE(join(inner.path, b.pid));

  CensusScope s;
  s.kind = CensusScope::Cgroup;
  s.cgroup = outer.path;
  std::string note;
  auto c = make_census(GetParam(), s, CensusOptions{}, err, note);
  if (!c) GTEST_SKIP() << "census unavailable: " << err;
  EXPECT_EQ(metric(*c, "proc.processes"), 2);
  EXPECT_EQ(metric(*c, "proc.threads"), 3 + 1);
  EXPECT_EQ(metric(*c, "proc.zombies"), 1);
  EXPECT_EQ(metric(*c, "fd.socket"), 3);
  EXPECT_EQ(metric(*c, "fd.eventfd"), 4);
  EXPECT_EQ(metric(*c, "fd.pipe"), 6);
  EXPECT_EQ(metric(*c, "fd.total"), 13);

  s.cgroup = inner.path;
  auto ci = make_census(GetParam(), s, CensusOptions{}, err, note);
  ASSERT_TRUE(ci) << err;
  EXPECT_EQ(metric(*ci, "proc.processes"), 1);
  EXPECT_EQ(metric(*ci, "fd.total"), 7);
  EXPECT_EQ(metric(*ci, "proc.zombies"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, CgroupTest, ::testing::Values(Backend::Bpf, Backend::Procfs),
                         [](const auto& info) { return info.param == Backend::Bpf ? "bpf" : "procfs"; });

}  // namespace
}  // namespace lg
