// SPDX-License-Identifier: MIT
// dstuck spawns a program per SIGHUP with clone(CLONE_VM | CLONE_VFORK); leaky mode's child
// waits for the parent before it execs, so each job leaves a helper thread in D state and a
// child that never execs; fixed mode's jobs end.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/targets/target_proc.h"

namespace {

constexpr int kJobs = 6;

// Threads of `pid` in D state, and their wait channels.
int dstate_threads(pid_t pid, std::string* wchans = nullptr) {
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = opendir(dir.c_str());
  if (!d) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::string s = lg::read_file(dir + "/" + e->d_name + "/stat");
    size_t rp = s.rfind(')');
    if (rp == std::string::npos || rp + 2 >= s.size() || s[rp + 2] != 'D') continue;
    n++;
    if (wchans) *wchans += lg::read_file(dir + "/" + e->d_name + "/wchan") + " ";
  }
  closedir(d);
  return n;
}

// Live (not zombie) children of `pid`.
std::vector<pid_t> live_children(pid_t pid) {
  std::vector<pid_t> out;
  DIR* d = opendir("/proc");
  while (dirent* e = d ? readdir(d) : nullptr) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    std::string s = lg::read_file(std::string("/proc/") + e->d_name + "/stat");
    size_t rp = s.rfind(')');
    if (rp == std::string::npos || rp + 4 > s.size()) continue;
    if (s[rp + 2] != 'Z' && strtol(s.c_str() + rp + 4, nullptr, 10) == pid) out.push_back(atoi(e->d_name));
  }
  if (d) closedir(d);
  return out;
}

bool alive(pid_t p) {
  std::string s = lg::read_file("/proc/" + std::to_string(p) + "/stat");
  size_t rp = s.rfind(')');
  return rp != std::string::npos && rp + 2 < s.size() && s[rp + 2] != 'Z';
}

class DstuckTest : public ::testing::TestWithParam<const char*> {};

TEST_P(DstuckTest, HelpersStuckInTheVforkWaitUnlessFixed) {
  if (geteuid() != 0) GTEST_SKIP() << "the target tests run as root only";
  std::string mode = GetParam();
  bool leaky = mode == "leaky";
  tt::TempDir tmp;
  tt::Target t;
  ASSERT_EQ(t.start("dstuck", {"--mode", mode}, tmp.path), "");
  std::string ready = t.ready_line();
  ASSERT_EQ(ready.rfind("dstuck ready", 0), 0u) << ready << "\n" << t.stderr_text();
  for (int i = 1; i <= kJobs; i++) {
    ASSERT_TRUE(t.signal(SIGHUP));
    ASSERT_TRUE(tt::wait_until([&] { return tt::counter(t.counters(), "jobs started ") >= i; })) << t.stderr_text();
  }
  if (leaky) {
    std::string wchans;
    EXPECT_TRUE(tt::wait_until([&] { return dstate_threads(t.pid()) == kJobs; }))
        << dstate_threads(t.pid()) << " threads in D state";
    dstate_threads(t.pid(), &wchans);
    // The vfork wait: wait_for_vfork_done, or kernel_clone where the kernel inlined it.
    EXPECT_TRUE(wchans.find("vfork") != std::string::npos || wchans.find("kernel_clone") != std::string::npos)
        << wchans;
    EXPECT_EQ(live_children(t.pid()).size(), (size_t)kJobs) << "children that never exec'd";
    EXPECT_EQ(tt::counter(t.counters(), "spawned "), 0);
  } else {
    ASSERT_TRUE(tt::wait_until([&] { return tt::counter(t.counters(), "ok ") >= kJobs; })) << t.counters();
    EXPECT_EQ(dstate_threads(t.pid()), 0);
    EXPECT_TRUE(live_children(t.pid()).empty());
    EXPECT_TRUE(tt::wait_until([&] { return tt::threads(t.pid()) == 1; })) << "helpers joined";
  }
  std::vector<pid_t> kids = live_children(t.pid());
  EXPECT_EQ(t.stop(), 0);
  // Its exit ends the stuck helpers, and their children read end-of-file and exit.
  EXPECT_TRUE(tt::wait_until([&] { return std::none_of(kids.begin(), kids.end(), alive); }));
}

INSTANTIATE_TEST_SUITE_P(Modes, DstuckTest, ::testing::Values("leaky", "fixed"));

TEST(Dstuck, BadExecPathIsRefused) {
  tt::TempDir tmp;
  tt::Target t;
  ASSERT_EQ(t.start("dstuck", {"--exec", "relative/path"}, tmp.path), "");
  EXPECT_EQ(t.wait_exit(), 2);
}

}  // namespace
