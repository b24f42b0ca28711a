// SPDX-License-Identifier: MIT
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
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

namespace {

// `leakguard probe --json` in a child whose bounding set lost `drop` (root's capabilities after
// exec are the bounding set).
nlohmann::json probe_without(const std::vector<int>& drop) {
  char out[] = "/tmp/lg-probe-XXXXXX";
  int fd = mkstemp(out);
  pid_t pid = fork();
  if (pid == 0) {
    for (int cap : drop) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    dup2(fd, 1);
    execl((std::string(LEAKGUARD_BIN_DIR) + "/leakguard").c_str(), "leakguard", "probe", "--json", nullptr);
    _exit(127);
  }
  close(fd);
  waitpid(pid, nullptr, 0);
  std::string text = read_file(out);
  unlink(out);
  return nlohmann::json::parse(text, nullptr, false);
}

const nlohmann::json* item(const nlohmann::json& j, const std::string& key) {
  for (const auto& i : j["capabilities"])
    if (i["key"] == key) return &i;
  return nullptr;
}

}  // namespace

TEST(Probe, WithoutPrivilegeItDoesNotContradictItself) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop capabilities selectively";
  // Without CAP_BPF but with CAP_SYS_ADMIN BPF still loads: the capability line must say so.
  nlohmann::json a = probe_without({39});
  ASSERT_TRUE(a.is_object());
  ASSERT_TRUE(item(a, "cap.bpf") && item(a, "iter.task"));
  EXPECT_EQ((*item(a, "iter.task"))["ok"], true) << a.dump(1);
  EXPECT_EQ((*item(a, "cap.bpf"))["ok"], true) << a.dump(1);
  EXPECT_EQ((*item(a, "cap.bpf"))["detail"], "missing, but CAP_SYS_ADMIN grants it");
  EXPECT_EQ((*item(a, "cap.bpf"))["cost"], "");
  // Without both, nothing BPF loads, and every line and the summary say why the same way.
  nlohmann::json b = probe_without({39, 38, 21});
  ASSERT_TRUE(b.is_object());
  EXPECT_EQ((*item(b, "cap.bpf"))["ok"], false);
  EXPECT_EQ((*item(b, "iter.task"))["ok"], false);
  EXPECT_EQ(b["bpf_backend"], false);
  std::string summary = b["summary"];
  EXPECT_NE(summary.find("no CAP_BPF (nor CAP_SYS_ADMIN)"), std::string::npos) << summary;
  for (const auto& i : b["capabilities"]) {
    std::string key = i["key"];
    if (key.rfind("iter.", 0) == 0 || key.rfind("prog.", 0) == 0) {
      EXPECT_EQ(i["ok"], false) << key;
    }
  }
}
