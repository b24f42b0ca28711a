// SPDX-License-Identifier: MIT
// cgroup workload: counts, hold and concurrency, processes inside the groups, the parent
// directory (default and `parent`), errors with their errno, nothing left behind.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "harness/base/cgroup.h"
#include "harness/workloads/cgroup_parent.h"
#include "tests/workloads/wl_util.h"

namespace lg::test {
namespace {

std::vector<std::string> subdirs(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d))
    if (e->d_type == DT_DIR && e->d_name[0] != '.') out.push_back(e->d_name);
  closedir(d);
  return out;
}

bool exists(const std::string& p) { return access(p.c_str(), F_OK) == 0; }

class Cgroup : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!is_root()) GTEST_SKIP() << "needs root (cgroups)";
    mount_ = cgroup2_mount();
    if (mount_.empty()) GTEST_SKIP() << "no cgroup v2 mounted";
    parent_ = default_cgroup_parent();
    top_ = parent_.substr(0, parent_.rfind('/'));
  }
  std::string mount_, parent_, top_;
};

TEST_F(Cgroup, ExactCountAndNothingLeft) {
  ASSERT_FALSE(exists(top_));
  std::vector<std::string> told;
  WorkloadContext ctx;
  ctx.own_cgroup = [&](const std::string& d) { told.push_back(d); };
  size_t peak = 0;
  Ran r = run_kind("cgroup", P({{"count", int64_t{300}}}), ctx, -1,
                   [&] { peak = std::max(peak, subdirs(parent_).size()); });
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.achieved, 300u);
  EXPECT_EQ(r.events, 300u);
  EXPECT_TRUE(r.monotonic);
  EXPECT_LE(peak, 1u) << "hold 0: one group at a time";
  // Outside a run nobody made the run's group: the workload made both and removed both, and
  // told the watchdog hook before making each.
  EXPECT_EQ(told, (std::vector<std::string>{top_, parent_}));
  EXPECT_FALSE(exists(parent_));
  EXPECT_FALSE(exists(top_));
}

TEST_F(Cgroup, HoldAndConcurrencyBoundTheLiveGroups) {
  size_t peak = 0;
  Ran r = run_kind("cgroup", P({{"count", int64_t{20}}, {"hold", 0.1}, {"concurrency", int64_t{5}}}), {}, -1,
                   [&] { peak = std::max(peak, subdirs(parent_).size()); });
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.achieved, 20u);
  EXPECT_GE(peak, 2u);
  EXPECT_LE(peak, 5u);
  EXPECT_FALSE(exists(top_));
}

TEST_F(Cgroup, ProcessesStartInsideEachGroupAndGoWithIt) {
  std::set<pid_t> seen;
  std::map<std::string, size_t> most;  // group -> most processes seen in it at once
  Ran r =
      run_kind("cgroup", P({{"count", int64_t{4}}, {"procs", int64_t{2}}, {"hold", 0.2}, {"concurrency", int64_t{2}}}),
               {}, -1, [&] {
                 for (const auto& g : subdirs(parent_)) {
                   size_t n = 0;
                   for (const auto& p : split(trim(read_file(parent_ + "/" + g + "/cgroup.procs")), '\n'))
                     if (!p.empty()) n++, seen.insert(atoi(p.c_str()));
                   most[g] = std::max(most[g], n);
                 }
               });
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.achieved, 4u);
  int full = 0;
  for (const auto& [g, n] : most) {
    EXPECT_LE(n, 2u) << g;
    full += n == 2;
  }
  EXPECT_GE(full, 2) << "groups seen with both their processes while they were held";
  for (pid_t p : seen) EXPECT_FALSE(exists("/proc/" + std::to_string(p) + "/stat")) << p << " survived";
  EXPECT_FALSE(exists(top_));
}

TEST_F(Cgroup, ParentFieldIsMadeAndRemovedAndMustNotExist) {
  std::string rel = "lg-cgroup-test-" + std::to_string(getpid());
  std::string dir = mount_ + "/" + rel;
  bool seen = false;
  Ran r = run_kind("cgroup", P({{"count", int64_t{10}}, {"hold", 0.05}, {"parent", rel}}), {}, -1,
                   [&] { seen |= !subdirs(dir).empty(); });
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.achieved, 10u);
  EXPECT_TRUE(seen);
  EXPECT_FALSE(exists(dir));
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  r = run_kind("cgroup", P({{"count", int64_t{10}}, {"parent", rel}}));
  EXPECT_EQ(r.out.error_errno, EEXIST);
  EXPECT_NE(r.out.error.find("exists already"), std::string::npos) << r.out.error;
  EXPECT_EQ(r.out.achieved, 0u);
  EXPECT_TRUE(exists(dir)) << "a directory the run did not make is left alone";
  rmdir(dir.c_str());
}

TEST_F(Cgroup, MkdirFailureKeepsItsErrnoAndReleasesTheRest) {
  // A parent under a group that allows 3 descendants: the parent and two groups.
  std::string outer = mount_ + "/lg-cgroup-limit-" + std::to_string(getpid());
  ASSERT_EQ(mkdir(outer.c_str(), 0755), 0);
  {
    int f = open((outer + "/cgroup.max.descendants").c_str(), O_WRONLY);
    ASSERT_GE(f, 0);
    ASSERT_EQ(write(f, "3", 1), 1);
    close(f);
  }
  std::string rel = outer.substr(mount_.size() + 1) + "/p";
  Ran r = run_kind("cgroup", P({{"count", int64_t{10}}, {"hold", 5.0}, {"parent", rel}}));
  EXPECT_EQ(r.out.error_errno, EAGAIN) << r.out.error;
  EXPECT_EQ(r.out.error.rfind("mkdir(" + outer + "/p/", 0), 0u) << r.out.error;
  EXPECT_NE(r.out.error.find("Resource temporarily unavailable"), std::string::npos) << r.out.error;
  EXPECT_TRUE(subdirs(outer).empty()) << "the groups made before the error and the parent are removed";
  EXPECT_EQ(rmdir(outer.c_str()), 0) << strerror(errno);
}

TEST_F(Cgroup, StopReleasesEverythingAtOnce) {
  Ran r = run_kind("cgroup",
                   P({{"count", int64_t{100}}, {"hold", 60.0}, {"concurrency", int64_t{8}}, {"procs", int64_t{1}}}), {},
                   0.3);
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.achieved, 8u) << "the 8 alive at the stop are removed (and counted)";
  ASSERT_FALSE(r.out.warnings.empty());
  EXPECT_NE(r.out.warnings[0].find("stopped by the phase end"), std::string::npos);
  EXPECT_FALSE(exists(top_));
  EXPECT_TRUE(children().empty());
}

TEST_F(Cgroup, PacingWithinTolerance) {
  Ran r = run_kind("cgroup", P({{"count", int64_t{1000}}, {"rate", 40.0}}), {}, 1.0);
  EXPECT_EQ(r.out.error, "");
  EXPECT_GE(r.out.achieved, 30u);
  EXPECT_LE(r.out.achieved, 50u);
}

TEST(CgroupParentField, Validation) {
  EXPECT_EQ(cgroup_parent_problem(""), "");
  EXPECT_EQ(cgroup_parent_problem("kubepods.slice/lg"), "");
  EXPECT_NE(cgroup_parent_problem("/abs"), "");
  EXPECT_NE(cgroup_parent_problem("a/../b"), "");
  EXPECT_NE(cgroup_parent_problem("a//b"), "");
  EXPECT_NE(cgroup_parent_problem("a b"), "");
  std::string f;
  EXPECT_NE(check_error("cgroup", P({{"parent", std::string("/sys/fs/cgroup/x")}}), f), "");
  EXPECT_EQ(f, "parent");
  EXPECT_EQ(check_error("cgroup", P({{"procs", int64_t{2}}}), f), "");
  EXPECT_NE(check_error("cgroup", P({{"procs", int64_t{10001}}}), f), "");
  EXPECT_EQ(f, "procs");
}

}  // namespace
}  // namespace lg::test
