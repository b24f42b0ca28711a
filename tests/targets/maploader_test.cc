// SPDX-License-Identifier: MIT
// maploader swaps in a fresh set of 3 BPF maps per SIGHUP; leaky mode keeps every old set
// open, and pinned, even after it exits.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/targets/target_proc.h"

namespace {

constexpr int kReloads = 10;

// Sends SIGHUP and waits until the target reports generation `gen`.
bool reload_to(tt::Target& t, long long gen) {
  if (!t.signal(SIGHUP)) return false;
  return tt::wait_until([&] { return tt::counter(t.counters(), "generation ") >= gen; });
}

// Generation directories (all digits) and pins under a bpffs directory.
void count_pins(const std::string& dir, int& gens, int& pins) {
  gens = pins = 0;
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    gens++;
    if (DIR* g = opendir((dir + "/" + e->d_name).c_str())) {
      while (dirent* f = readdir(g))
        if (f->d_name[0] != '.') pins++;
      closedir(g);
    }
  }
  closedir(d);
}

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
  for (int i = 1; i <= kReloads; i++) ASSERT_TRUE(reload_to(t, 1 + i)) << "reload " << i << "\n" << t.stderr_text();
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
  std::string bpffs = tmp.path + "/bpffs";
  ASSERT_EQ(mkdir(bpffs.c_str(), 0700), 0);
  constexpr int kPinReloads = 5;
  tt::Results r = tt::in_private_mount_ns([&](tt::Results& out) {
    if (mount("bpf", bpffs.c_str(), "bpf", 0, nullptr) != 0) {
      out["error"] = std::string("mount bpffs: ") + strerror(errno);
      return;
    }
    tt::Target t;
    std::string err = t.start("maploader", {"--mode", mode, "--pin", bpffs}, tmp.path);
    out["ready"] = err.empty() ? t.ready_line() : err;
    for (int i = 1; i <= kPinReloads; i++)
      if (!reload_to(t, 1 + i)) out["error"] = "reload " + std::to_string(i) + " not seen";
    int gens, pins;
    count_pins(bpffs, gens, pins);
    out["running_gens"] = std::to_string(gens);
    out["running_pins"] = std::to_string(pins);
    out["exit"] = std::to_string(t.stop());
    count_pins(bpffs, gens, pins);
    out["after_gens"] = std::to_string(gens);
    out["after_pins"] = std::to_string(pins);
    umount2(bpffs.c_str(), MNT_DETACH);  // frees whatever was left pinned
  });
  rmdir(bpffs.c_str());

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
