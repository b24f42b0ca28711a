// SPDX-License-Identifier: MIT
// cgagent follows the groups below --root; leaky mode keeps two fds per removed group.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "harness/base/cgroup.h"
#include "tests/targets/target_proc.h"

namespace {

constexpr int kGroups = 20;

class CgagentTest : public ::testing::TestWithParam<const char*> {};

TEST_P(CgagentTest, RemovedGroupsAreClosedUnlessLeaky) {
  if (geteuid() != 0) GTEST_SKIP() << "the target tests run as root only";
  std::string mount = lg::cgroup2_mount();
  if (mount.empty()) GTEST_SKIP() << "no cgroup v2";
  std::string mode = GetParam();
  std::string root = mount + "/lg-cgagent-test-" + std::to_string(getpid());
  ASSERT_EQ(mkdir(root.c_str(), 0755), 0) << strerror(errno);
  ASSERT_EQ(mkdir((root + "/before").c_str(), 0755), 0);
  {
    tt::TempDir tmp;
    tt::Target t;
    ASSERT_EQ(t.start("cgagent", {"--mode", mode, "--root", root}, tmp.path), "");
    std::string ready = t.ready_line();
    ASSERT_EQ(ready, "cgagent ready (" + mode + ", 2 groups under " + root + ")") << t.stderr_text();
    // The root and `before`: each directory and its cgroup.events open.
    EXPECT_EQ(tt::count_fds(t.pid(), root), 4);
    for (int i = 0; i < kGroups; i++) {
      std::string g = root + "/g" + std::to_string(i);
      ASSERT_EQ(mkdir(g.c_str(), 0755), 0);
      ASSERT_TRUE(tt::wait_until([&] { return tt::counter(t.counters(), "groups seen ") >= i + 3; })) << t.counters();
      ASSERT_EQ(rmdir(g.c_str()), 0) << strerror(errno);
      ASSERT_TRUE(tt::wait_until([&] { return tt::counter(t.counters(), "gone ") >= i + 1; })) << t.counters();
    }
    // Leaky: the directory and cgroup.events of every removed group are still open.
    EXPECT_EQ(tt::count_fds(t.pid(), root), mode == "leaky" ? 4 + 2 * kGroups : 4);
    EXPECT_EQ(tt::counter(t.counters(), "leaked fds "), mode == "leaky" ? 2 * kGroups : 0);
    EXPECT_EQ(t.stop(), 0);
  }
  rmdir((root + "/before").c_str());
  EXPECT_EQ(rmdir(root.c_str()), 0) << strerror(errno);
}

TEST(Cgagent, AMissingRootIsOneLineAndExit1) {
  tt::TempDir tmp;
  tt::Target t;
  ASSERT_EQ(t.start("cgagent", {"--root", "/nonexistent/lg-cgroup"}, tmp.path), "");
  EXPECT_EQ(t.ready_line(), "");
  std::string err = t.stderr_text();
  EXPECT_EQ(t.wait_exit(), 1);
  EXPECT_NE(err.find("No such file or directory"), std::string::npos) << err;
}

INSTANTIATE_TEST_SUITE_P(Modes, CgagentTest, ::testing::Values("leaky", "fixed"));

}  // namespace
