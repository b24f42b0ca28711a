// SPDX-License-Identifier: MIT
// Preflight refusals and shard slicing: pure functions, no privileges needed.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>

#include "harness/base/fs.h"
#include "harness/run/preflight.h"
#include "harness/run/scenario_run.h"
#include "harness/run/run.h"

namespace {

lg::Scenario load(const std::string& yaml) {
  std::vector<lg::Diagnostic> d;
  auto s = lg::load_scenario_string(yaml, "test.yaml", lg::LoadOptions{}, d);
  EXPECT_TRUE(s.has_value()) << (d.empty() ? "" : d[0].str());
  return s ? *s : lg::Scenario{};
}

lg::ProbeReport probe(std::vector<std::pair<std::string, bool>> items, bool bpf) {
  lg::ProbeReport r;
  for (auto& [k, ok] : items) r.items.push_back({k, k + " label", ok, ok ? "works" : "EPERM", ""});
  r.bpf_backend = bpf;
  r.procfs_backend = true;
  r.summary = bpf ? "the BPF census can run" : "only the procfs census can run";
  return r;
}

const char* kNetns = "name: n\nphases:\n  - name: churn\n    workloads:\n      - kind: netns\n        count: 5\n";

TEST(Preflight, RefusesANetnsWorkloadWithoutNetnsCreate) {
  lg::Scenario s = load(kNetns);
  std::string why = lg::preflight(s, probe({{"netns.create", false}}, true), lg::Backend::Auto);
  EXPECT_EQ(why, "phase churn, workload netns needs network namespaces: netns.create label: EPERM");
  EXPECT_EQ(lg::preflight(s, probe({{"netns.create", true}}, true), lg::Backend::Auto), "");
}

TEST(Preflight, RefusesBpfBackendWhenOnlyProcfsCanRun) {
  lg::Scenario s = load(kNetns);
  auto p = probe({{"netns.create", true}}, false);
  EXPECT_NE(lg::preflight(s, p, lg::Backend::Bpf).find("sampling.backend bpf"), std::string::npos);
  EXPECT_EQ(lg::preflight(s, p, lg::Backend::Auto), "");
}

TEST(Preflight, RefusesMapProgramsWithoutTpBtf) {
  lg::Scenario s = load("name: m\nphases:\n  - name: p\n    workloads:\n      - kind: maps\n        progs: true\n");
  std::string why = lg::preflight(s, probe({{"prog.tp_btf", false}}, true), lg::Backend::Auto);
  EXPECT_NE(why.find("progs: true"), std::string::npos) << why;
}

TEST(Shard, RoundRobinSlicesCoverEveryScenarioOnce) {
  EXPECT_EQ(lg::shard_indexes(5, 1, 2), (std::vector<size_t>{0, 2, 4}));
  EXPECT_EQ(lg::shard_indexes(5, 2, 2), (std::vector<size_t>{1, 3}));
  EXPECT_EQ(lg::shard_indexes(2, 3, 3), (std::vector<size_t>{}));
  EXPECT_EQ(lg::shard_indexes(3, 1, 1), (std::vector<size_t>{0, 1, 2}));
}

TEST(OutDir, ClearsAPreviousRunButNeverAForeignDirectory) {
  char t[] = "/tmp/lg-outdir-XXXXXX";
  std::string root = mkdtemp(t), err;
  std::string prev = root + "/prev", foreign = root + "/foreign";
  ASSERT_TRUE(lg::make_dirs(prev + "/plots", err));
  ASSERT_TRUE(lg::write_file(prev + "/series.json", "{}", err));
  ASSERT_TRUE(lg::write_file(prev + "/plots/a.svg", "x", err));
  EXPECT_TRUE(lg::prepare_out_dir(prev, err)) << err;
  EXPECT_NE(access((prev + "/plots").c_str(), F_OK), 0);
  EXPECT_EQ(access(prev.c_str(), F_OK), 0);
  ASSERT_TRUE(lg::make_dirs(foreign, err));
  ASSERT_TRUE(lg::write_file(foreign + "/precious.txt", "keep", err));
  EXPECT_FALSE(lg::prepare_out_dir(foreign, err));
  EXPECT_NE(err.find("refusing to clear"), std::string::npos) << err;
  EXPECT_EQ(lg::read_file(foreign + "/precious.txt"), "keep");
  (void)!system(("rm -rf " + root).c_str());
}

}  // namespace
