// SPDX-License-Identifier: MIT
// `leakguard census` end to end: JSON of a known target, exit codes of the mistakes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "census/zoo.h"

namespace lg {
namespace {

struct Output {
  int status = -1;
  std::string out;
};

// Runs leakguard with args (stderr to stdout); skips when the binary was not built.
Output run(const std::string& args) {
  Output o;
  std::string cmd = std::string(LEAKGUARD_BIN_DIR) + "/leakguard " + args + " 2>&1";
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return o;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) o.out.append(buf, n);
  int st = pclose(f);
  o.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return o;
}

bool have_cli() { return access((std::string(LEAKGUARD_BIN_DIR) + "/leakguard").c_str(), X_OK) == 0; }

TEST(CensusCli, JsonOfAKnownTarget) {
  if (!have_cli()) GTEST_SKIP() << "leakguard not built in " << LEAKGUARD_BIN_DIR;
  test::Zoo zoo;
  ASSERT_TRUE(zoo.start({"--socket", "6", "--eventfd", "2"})) << zoo.error;
  for (const char* backend : {"procfs", "auto"}) {
    Output o = run("census --pid " + std::to_string(zoo.pid) + " --json --backend " + backend);
    ASSERT_EQ(o.status, 0) << o.out;
    auto j = nlohmann::json::parse(o.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << o.out;
    std::map<std::string, nlohmann::json> m;
    for (const auto& e : j["metrics"]) m[e["name"]] = e;
    EXPECT_EQ(m["fd.socket"]["value"], 6) << backend;
    EXPECT_EQ(m["fd.eventfd"]["value"], 2) << backend;
    EXPECT_EQ(m["fd.total"]["value"], 11) << backend;
    EXPECT_EQ(m["fd.total"]["unit"], "fds");
    if (std::string(backend) == "procfs") {
      EXPECT_TRUE(m["sys.netns"]["value"].is_null());
      EXPECT_NE(m["sys.netns"]["unavailable"].get<std::string>().find("procfs"), std::string::npos);
    }
  }
  Output t = run("census --pid " + std::to_string(zoo.pid) + " --backend procfs");
  EXPECT_EQ(t.status, 0);
  EXPECT_NE(t.out.find("bpf.map_entries"), std::string::npos);
  EXPECT_NE(t.out.find("n/a (procfs shows no element count"), std::string::npos);
}

// The ghost-resource system metrics, measured by both backends; file handles with their limit.
TEST(CensusCli, SystemJsonHasTheKernelHeadroomMetrics) {
  if (!have_cli()) GTEST_SKIP() << "leakguard not built in " << LEAKGUARD_BIN_DIR;
  if (geteuid() != 0) GTEST_SKIP() << "needs root (the BPF census)";
  for (const char* backend : {"bpf", "procfs"}) {
    Output o = run(std::string("census --system --json --backend ") + backend);
    ASSERT_EQ(o.status, 0) << o.out;
    auto j = nlohmann::json::parse(o.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << o.out;
    std::map<std::string, nlohmann::json> m;
    for (const auto& e : j["metrics"]) m[e["name"]] = e;
    EXPECT_GE(m["sys.dstate"]["value"].get<double>(), 0) << backend;
    EXPECT_EQ(m["sys.dstate"]["unit"], "tasks");
    EXPECT_GT(m["sys.file_handles"]["value"].get<double>(), 0) << backend;
    EXPECT_EQ(m["sys.file_handles"]["limit_name"], "fs.file-max");
    EXPECT_GE(m["sys.file_handles"]["limit"].get<double>(), m["sys.file_handles"]["value"].get<double>());
    EXPECT_GT(m["sys.unreclaimable_bytes"]["value"].get<double>(), 0) << backend;
    // procfs reads it from the cgroup v2 mount; BPF needs none.
    if (std::string(backend) == "bpf" || !m["sys.dying_cgroups"].contains("unavailable")) {
      EXPECT_GE(m["sys.dying_cgroups"]["value"].get<double>(), 0) << backend << ": " << m["sys.dying_cgroups"];
    }
  }
  Output t = run("census --system --backend procfs");
  EXPECT_NE(t.out.find("(fs.file-max "), std::string::npos) << t.out;
}

TEST(CensusCli, MistakesExitTwo) {
  if (!have_cli()) GTEST_SKIP() << "leakguard not built in " << LEAKGUARD_BIN_DIR;
  Output o = run("census --pid 1073741800");
  EXPECT_EQ(o.status, 2);
  EXPECT_EQ(o.out, "leakguard: error: process 1073741800 does not exist\n");
  EXPECT_EQ(run("census").status, 2);
  EXPECT_EQ(run("census --cgroup /tmp").status, 2);
  EXPECT_EQ(run("census --system --watch soon").status, 2);
  EXPECT_EQ(run("census --system --backend nope").status, 2);
}

}  // namespace
}  // namespace lg
