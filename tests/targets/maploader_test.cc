// SPDX-License-Identifier: MIT
// maploader swaps in a fresh set of 3 BPF maps per SIGHUP; leaky mode keeps every old set
// open, and pinned, even after it exits.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/targets/target_proc.h"

namespace {

constexpr int kReloads = 10;

class MaploaderTest : public ::testing::TestWithParam<const char*> {};

TEST_P(MaploaderTest, OldGenerationsAreClosedUnlessLeaky) {
  if (geteuid() != 0) GTEST_SKIP() << "creating BPF maps needs root";
  std::string mode = GetParam();
  tt::TempDir tmp;
  tt::Target t;
  ASSERT_EQ(t.start("maploader", {"--mode", mode}, tmp.path), "");
  std::string ready = t.ready_line();
  ASSERT_EQ(ready.rfind("maploader ready", 0), 0u) << ready << "\n" << t.stderr_text();
  EXPECT_EQ(tt::count_fds(t.pid(), "anon_inode:bpf-map"), 3);
  for (int i = 1; i <= kReloads; i++) ASSERT_TRUE(tt::reload_to(t, 1 + i)) << "reload " << i << "\n" << t.stderr_text();
  int maps = tt::count_fds(t.pid(), "anon_inode:bpf-map");
  if (mode == "leaky")
    EXPECT_EQ(maps, 3 * (kReloads + 1)) << "every generation's 3 maps stay open";
  else
    EXPECT_EQ(maps, 3);
  EXPECT_EQ(t.stop(), 0);
}

TEST_P(MaploaderTest, PinsAreRemovedUnlessLeaky) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting bpffs and pinning maps needs root";
  std::string mode = GetParam();
  tt::TempDir tmp;
  constexpr int kPinReloads = 5;
  tt::Results r = tt::pins_across_reloads("maploader", {"--mode", mode}, tmp.path, "", kPinReloads);

  EXPECT_EQ(r["error"], "");
  EXPECT_EQ(r["ready"].rfind("maploader ready", 0), 0u) << r["ready"];
  EXPECT_EQ(r["exit"], "0");
  if (mode == "leaky") {
    EXPECT_EQ(r["running_gens"], std::to_string(kPinReloads + 1));
    EXPECT_EQ(r["after_pins"], std::to_string(3 * (kPinReloads + 1))) << "pins outlive the agent";
  } else {
    EXPECT_EQ(r["running_gens"], "1");
    EXPECT_EQ(r["running_pins"], "3");
    EXPECT_EQ(r["after_gens"], "0");
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, MaploaderTest, ::testing::Values("leaky", "fixed"));

}  // namespace
