// SPDX-License-Identifier: MIT
// goagent (Go, cilium/ebpf) swaps in a fresh set of 3 BPF maps per SIGHUP. Leaky mode keeps
// every old set open and pinned; finalizer mode drops them without Close, so they stay open
// until Go's garbage collector runs the finalizers; fixed mode closes them.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/targets/target_proc.h"

namespace {

constexpr int kReloads = 10;

class GoagentTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (std::string why = tt::not_built("goagent"); !why.empty()) GTEST_SKIP() << why;
    if (geteuid() != 0) GTEST_SKIP() << "creating BPF maps needs root";
  }
};

// --scratch 0: reloads make almost no garbage, so the collector does not run by itself
// during the test (its heap stays far below Go's 4 MiB minimum goal) and SIGUSR2 decides
// when it runs.
TEST_P(GoagentTest, OldGenerationsAreReleasedAsTheModeSays) {
  std::string mode = GetParam();
  tt::TempDir tmp;
  tt::Target t;
  ASSERT_EQ(t.start("goagent", {"--mode", mode, "--prog", "--scratch", "0"}, tmp.path), "");
  std::string ready = t.ready_line();
  ASSERT_EQ(ready, "goagent ready (" + mode + ", generation 1, with program)") << t.stderr_text();
  EXPECT_EQ(tt::count_fds(t.pid(), "anon_inode:bpf-map"), 3);
  EXPECT_EQ(tt::count_fds(t.pid(), "anon_inode:bpf-prog"), 1);
  for (int i = 1; i <= kReloads; i++) ASSERT_TRUE(tt::reload_to(t, 1 + i)) << "reload " << i << "\n" << t.stderr_text();
  int all = 3 * (kReloads + 1);
  int maps = tt::count_fds(t.pid(), "anon_inode:bpf-map");
  int progs = tt::count_fds(t.pid(), "anon_inode:bpf-prog");
  if (mode == "fixed") {
    EXPECT_EQ(maps, 3);
    EXPECT_EQ(progs, 1);
  } else {
    EXPECT_EQ(maps, all) << "every generation's maps are still open before a collection";
    EXPECT_EQ(progs, kReloads + 1);
  }
  EXPECT_EQ(tt::counter(t.counters(), "held generations "), mode == "leaky" ? kReloads + 1 : 1);

  // A collection closes what was dropped (finalizer mode) and nothing that is still held.
  // Not always all of it: cilium/ebpf's fd object is 8 pointer-free bytes, which Go's tiny
  // allocator packs two to a 16-byte block, and a finalizer does not run while the other
  // object of its block is alive. An old fd that shares a block with one of the current
  // generation stays open; so up to one per live object of the current generation.
  auto collect = [&](int nth) {
    return t.signal(SIGUSR2) && tt::wait_until([&] {
             std::string err = t.stderr_text();
             int n = 0;
             for (size_t at = 0; (at = err.find("garbage collected", at)) != std::string::npos; at++) n++;
             return n >= nth;
           });
  };
  ASSERT_TRUE(collect(1));
  ASSERT_TRUE(collect(2));  // finalizers queued by the first collection have run by now
  int maps_after = 0, progs_after = 0;
  if (mode == "leaky") {
    EXPECT_EQ(tt::count_fds(t.pid(), "anon_inode:bpf-map"), all) << "the rollback history holds them";
    EXPECT_EQ(tt::count_fds(t.pid(), "anon_inode:bpf-prog"), kReloads + 1);
  } else {
    // Finalizers run on their own goroutine just after the collection.
    EXPECT_TRUE(tt::wait_until([&] {
      maps_after = tt::count_fds(t.pid(), "anon_inode:bpf-map");
      progs_after = tt::count_fds(t.pid(), "anon_inode:bpf-prog");
      return maps_after <= 3 + 4 && progs_after <= 1 + 4;
    })) << maps_after
        << " map fds and " << progs_after << " program fds left of " << all << " and " << kReloads + 1;
  }
  EXPECT_EQ(t.stop(), 0);
}

// With the default --scratch each reload leaves garbage: the collector runs by itself every
// few reloads and finalizer mode's map fds fall back, a sawtooth that stays far below a leak.
TEST(GoagentFinalizer, TheCollectorRunsByItselfUnderReloads) {
  if (std::string why = tt::not_built("goagent"); !why.empty()) GTEST_SKIP() << why;
  if (geteuid() != 0) GTEST_SKIP() << "creating BPF maps needs root";
  std::string mode = "finalizer";
  tt::TempDir tmp;
  tt::Target t;
  ASSERT_EQ(t.start("goagent", {"--mode", mode, "--scratch", "1MiB"}, tmp.path), "");
  ASSERT_EQ(t.ready_line().rfind("goagent ready", 0), 0u) << t.stderr_text();
  constexpr int kMany = 40;  // 40 MiB of garbage against a heap goal of 4 MiB
  int peak = 0, fell = 0, last = 3;
  for (int i = 1; i <= kMany; i++) {
    ASSERT_TRUE(tt::reload_to(t, 1 + i)) << t.stderr_text();
    int now = tt::count_fds(t.pid(), "anon_inode:bpf-map");
    peak = std::max(peak, now);
    if (now < last) fell++;
    last = now;
  }
  EXPECT_GT(fell, 0) << "the map fds never fell: no collection ran in " << kMany << " reloads";
  EXPECT_LT(peak, 3 * (kMany + 1)) << "peak " << peak;
  EXPECT_EQ(t.stop(), 0);
}

TEST_P(GoagentTest, PinsAreRemovedUnlessLeaky) {
  std::string mode = GetParam();
  tt::TempDir tmp;
  constexpr int kPinReloads = 5;
  tt::Results r = tt::pins_across_reloads("goagent", {"--mode", mode}, tmp.path, "goagent", kPinReloads);

  EXPECT_EQ(r["error"], "");
  EXPECT_EQ(r["ready"], "goagent ready (" + mode + ", generation 1, pinned under " + r["pin_dir"] + ")");
  EXPECT_EQ(r["exit"], "0");
  if (mode == "leaky") {
    EXPECT_EQ(r["running_gens"], std::to_string(kPinReloads + 1));
    EXPECT_EQ(r["after_pins"], std::to_string(3 * (kPinReloads + 1))) << "pins outlive the agent";
  } else {
    EXPECT_EQ(r["running_gens"], "1");
    EXPECT_EQ(r["running_pins"], "3");
    EXPECT_EQ(r["after_gens"], "0");
    EXPECT_EQ(r["after_pins"], "0");
  }
}

TEST_P(GoagentTest, PinningOutsideBpffsIsRefused) {
  std::string mode = GetParam();
  tt::TempDir tmp;
  tt::Target t;
  ASSERT_EQ(t.start("goagent", {"--mode", mode, "--pin", tmp.path}, tmp.path), "");
  EXPECT_EQ(t.ready_line(), "");
  std::string err = t.stderr_text();
  EXPECT_EQ(t.wait_exit(), 1);
  EXPECT_NE(err.find("not on a bpf filesystem"), std::string::npos) << err;
}

INSTANTIATE_TEST_SUITE_P(Modes, GoagentTest, ::testing::Values("leaky", "fixed", "finalizer"));

}  // namespace
