// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>
#include <unistd.h>

#include "harness/base/fs.h"
#include "harness/probe/probe.h"

using namespace lg;

TEST(Probe, FindsMountsByType) {
  std::string mounts =
      "proc /proc proc rw 0 0\n"
      "cgroup /sys/fs/cgroup/cpu cgroup rw,cpu 0 0\n"
      "cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n"
      "bpf /sys/fs/my\\040bpf bpf rw 0 0\n";
  EXPECT_EQ(find_mount(mounts, "cgroup2"), "/sys/fs/cgroup/unified");
  EXPECT_EQ(find_mount(mounts, "bpf"), "/sys/fs/my bpf");
  EXPECT_EQ(find_mount(mounts, "tracefs"), "");
}

TEST(Probe, ParsesEffectiveCapabilities) {
  std::string status = "Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\n";
  unsigned long long caps = parse_cap_eff(status);
  EXPECT_TRUE(caps & (1ULL << 39));  // CAP_BPF
  EXPECT_EQ(parse_cap_eff("CapEff:\t0000000000000000\n"), 0u);
  EXPECT_EQ(parse_cap_eff("garbage"), 0u);
}

TEST(Probe, TextAndJsonSayTheSameThings) {
  ProbeReport r;
  r.items.push_back({"iter.task", "BPF iterator task", false, "load failed: EPERM", "no BPF census"});
  r.items.push_back({"kernel", "kernel release", true, "6.18", ""});
  r.summary = "only the procfs census can run";
  std::string text = probe_text(r);
  EXPECT_NE(text.find("BPF iterator task"), std::string::npos);
  EXPECT_NE(text.find("no   load failed: EPERM -- no BPF census"), std::string::npos);
  EXPECT_NE(text.find("yes  6.18"), std::string::npos);
  std::string json = probe_json(r);
  EXPECT_NE(json.find("\"key\": \"iter.task\""), std::string::npos);
  EXPECT_NE(json.find("\"ok\": false"), std::string::npos);
}

TEST(Probe, RealMachineAnswersConsistently) {
  ProbeReport r = run_probe();
  ASSERT_NE(r.find("kernel"), nullptr);
  EXPECT_TRUE(r.procfs_backend);
  if (geteuid() != 0) GTEST_SKIP() << "the BPF half of probe needs root";
  // As root on a kernel with BTF (CI), every iterator the census uses must load.
  EXPECT_TRUE(r.ok("iter.task_file")) << r.find("iter.task_file")->detail;
  EXPECT_EQ(r.bpf_backend, r.ok("iter.task") && r.ok("iter.task_file") && r.ok("iter.bpf_map") &&
                               r.ok("iter.bpf_prog") && r.ok("iter.bpf_link"));
}
