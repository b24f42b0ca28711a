// SPDX-License-Identifier: MIT
// Valid scenarios load with the right values: every field, defaults, check forms, shipped files.
#include <csignal>
#include <filesystem>

#include "scenario/scenario_util.h"

using namespace sc_test;
using lg::CheckType;

TEST(Valid, EveryField) {
  std::vector<lg::Diagnostic> diags;
  auto sc = lg::load_scenario_file(data("full.yaml"), {}, diags);
  ASSERT_TRUE(sc) << diags.size();
  EXPECT_TRUE(diags.empty()) << diags[0].str();
  EXPECT_EQ(sc->name, "full-example");
  EXPECT_EQ(sc->description, "A tuner must not keep fds of namespaces it visited.");
  EXPECT_EQ(sc->file, data("full.yaml"));
  EXPECT_EQ(sc->seed, 42u);

  ASSERT_TRUE(sc->target);
  const auto& t = *sc->target;
  EXPECT_EQ(t.command, (std::vector<std::string>{"sh", "-c", "echo ready; sleep 60"}));
  EXPECT_EQ(t.env.at("TUNER_LOG"), "debug");
  EXPECT_EQ(t.env.at("LEVEL"), "3");
  EXPECT_EQ(t.cwd, "/tmp");
  EXPECT_EQ(t.ready.kind, lg::ReadySpec::Stdout);
  EXPECT_EQ(t.ready.pattern, "^ready$");
  EXPECT_DOUBLE_EQ(t.ready.timeout, 5);
  EXPECT_EQ(t.stop.signal, SIGINT);
  EXPECT_DOUBLE_EQ(t.stop.grace, 2);
  EXPECT_EQ(t.limit_pids.value_or(0), 256u);
  EXPECT_EQ(t.limit_nofile.value_or(0), 4096u);
  EXPECT_EQ(t.loc.line, 5);
  EXPECT_EQ(t.loc.col, 3);

  EXPECT_DOUBLE_EQ(sc->sampling.interval, 0.05);
  EXPECT_EQ(sc->sampling.backend, lg::Backend::Procfs);
  EXPECT_EQ(sc->sampling.slab_caches, (std::vector<std::string>{"filp", "net_namespace"}));
  EXPECT_DOUBLE_EQ(sc->sampling.settle_timeout, 10);

  ASSERT_EQ(sc->phases.size(), 3u);
  EXPECT_EQ(sc->phases[0].name, "warmup");
  EXPECT_DOUBLE_EQ(sc->phases[0].duration, 2);
  EXPECT_EQ(sc->phases[0].loc.line, 17);
  const auto& churn = sc->phases[1];
  EXPECT_DOUBLE_EQ(churn.duration, 60);
  ASSERT_EQ(churn.workloads.size(), 4u);
  EXPECT_EQ(sc->workload_count(), 4u);
  const auto& netns = churn.workloads[0].params;
  EXPECT_EQ(churn.workloads[0].kind, "netns");
  EXPECT_EQ(churn.workloads[0].loc.line, 22);
  EXPECT_EQ(churn.workloads[0].loc.col, 9);
  EXPECT_EQ(netns.count("count"), 5000);
  EXPECT_DOUBLE_EQ(netns.number("rate"), 1000);
  EXPECT_EQ(netns.count("concurrency"), 64);
  EXPECT_DOUBLE_EQ(netns.number("hold"), 0.05);
  EXPECT_TRUE(netns.flag("bind_mount"));
  EXPECT_FALSE(netns.flag("process", true));  // default filled in
  EXPECT_FALSE(netns.has("max_live"));        // optional without default: absent
  const auto& pe = churn.workloads[1].params;
  EXPECT_EQ(pe.list("exec"), (std::vector<std::string>{"/bin/true", "--flag"}));
  EXPECT_EQ(pe.count("threads", -1), 0);
  EXPECT_EQ(churn.workloads[2].params.str("map_type"), "lru_hash");
  const auto& sig = churn.workloads[3].params;
  EXPECT_EQ(sig.count("signal"), SIGUSR1);
  EXPECT_DOUBLE_EQ(sig.number("rate"), 2.0 / 60);
  EXPECT_EQ(sig.str("to"), "main");

  EXPECT_FALSE(sc->default_checks);
  ASSERT_EQ(sc->checks.size(), 7u);
  const auto& c0 = sc->checks[0];
  EXPECT_EQ(c0.metric, "fd.netns");
  EXPECT_EQ(c0.type, CheckType::MaxSlope);
  EXPECT_DOUBLE_EQ(c0.limit, 0.001);
  EXPECT_EQ(c0.per_event, "netns");
  EXPECT_DOUBLE_EQ(c0.per_event_scale, 1000);
  EXPECT_EQ(c0.phases, (std::vector<std::string>{"churn"}));
  EXPECT_EQ(c0.text, "fd.netns max_slope <= 1 per 1000 netns");
  EXPECT_EQ(c0.line, 39);
  EXPECT_EQ(c0.col, 5);
  const auto& c1 = sc->checks[1];
  EXPECT_DOUBLE_EQ(c1.limit, 0.5);
  EXPECT_EQ(c1.per_time_unit, "s");
  EXPECT_EQ(c1.per_event, "");
  EXPECT_EQ(c1.phases, (std::vector<std::string>{"warmup", "churn"}));
  EXPECT_DOUBLE_EQ(c1.min_growth, 3);
  EXPECT_EQ(c1.text, "fd.total max_slope <= 0.5/s");
  EXPECT_DOUBLE_EQ(sc->checks[2].limit, 2.0 / 60);
  EXPECT_EQ(sc->checks[2].per_time_unit, "min");
  EXPECT_EQ(sc->checks[2].text, "fd.total max_slope <= 2/min");
  EXPECT_EQ(sc->checks[3].type, CheckType::MaxGrowth);
  EXPECT_EQ(sc->checks[3].text, "fd.total max_growth <= 20");
  EXPECT_DOUBLE_EQ(sc->checks[3].min_growth, -1);
  EXPECT_EQ(sc->checks[4].type, CheckType::Max);
  EXPECT_TRUE(sc->checks[4].required);
  EXPECT_EQ(sc->checks[4].text, "proc.zombies max <= 0");
  EXPECT_EQ(sc->checks[5].type, CheckType::MaxResidue);
  EXPECT_EQ(sc->checks[5].text, "sys.bpf_maps max_residue <= 0");
  EXPECT_EQ(sc->checks[6].metric, "sys.slab.filp");
  EXPECT_DOUBLE_EQ(sc->checks[6].limit, 100);
}

TEST(Valid, MinimalUsesDefaults) {
  std::vector<lg::Diagnostic> diags;
  auto sc = lg::load_scenario_file(data("minimal.yaml"), {}, diags);
  ASSERT_TRUE(sc);
  EXPECT_TRUE(diags.empty());
  EXPECT_FALSE(sc->target);
  EXPECT_TRUE(sc->default_checks);
  EXPECT_TRUE(sc->checks.empty());
  EXPECT_DOUBLE_EQ(sc->sampling.interval, 0.1);
  EXPECT_EQ(sc->sampling.backend, lg::Backend::Auto);
  EXPECT_TRUE(sc->sampling.slab_caches.empty());
  EXPECT_DOUBLE_EQ(sc->sampling.settle_timeout, 30);
  ASSERT_EQ(sc->phases.size(), 1u);
  EXPECT_DOUBLE_EQ(sc->phases[0].duration, 0);
  const auto& p = sc->phases[0].workloads.at(0).params;
  EXPECT_EQ(p.count("count"), 1000);
  EXPECT_EQ(p.count("concurrency"), 0 + 64);
  EXPECT_DOUBLE_EQ(p.number("hold", -1), 0);
  EXPECT_FALSE(p.has("rate"));
  // The seed derives from the name: stable, and different for another name.
  auto again = load("name: minimal\nphases:\n  - {name: churn, workloads: [{kind: netns}]}\n");
  auto other = load("name: other\nphases:\n  - {name: churn, workloads: [{kind: netns}]}\n");
  ASSERT_TRUE(again.scenario && other.scenario);
  EXPECT_EQ(again.scenario->seed, sc->seed);
  EXPECT_NE(other.scenario->seed, sc->seed);
  EXPECT_NE(sc->seed, 0u);
}

TEST(Valid, ChecksWritten) {
  auto l = load(
      "name: t\nphases:\n  - name: churn\n    workloads: [{kind: signal}]\nchecks:\n"
      "  - {metric: sys.tasks, max_slope: 2 per signal}\n"
      "  - {metric: sys.tasks, max_slope: 0.25 per 1_000 signal}\n"
      "  - {metric: sys.bpf_maps, max_growth: 1MiB}\n"
      "checks_are_not_repeated: 1\n");
  EXPECT_FALSE(l.scenario);  // the last key is unknown
  auto ok = load(
      "name: t\nphases:\n  - name: churn\n    workloads: [{kind: signal}]\nchecks:\n"
      "  - {metric: sys.tasks, max_slope: 2 per signal}\n"
      "  - {metric: sys.tasks, max_slope: 0.25 per 1_000 signal}\n"
      "  - {metric: proc.rss_bytes, max_growth: 1MiB}\n");
  ASSERT_TRUE(ok.scenario) << ok.all();
  const auto& c = ok.scenario->checks;
  EXPECT_DOUBLE_EQ(c[0].limit, 2);
  EXPECT_DOUBLE_EQ(c[0].per_event_scale, 1);
  EXPECT_EQ(c[0].text, "sys.tasks max_slope <= 2 per 1 signal");
  EXPECT_DOUBLE_EQ(c[1].limit, 0.00025);
  EXPECT_EQ(c[1].text, "sys.tasks max_slope <= 0.25 per 1000 signal");
  EXPECT_DOUBLE_EQ(c[2].limit, 1048576);
  // A target metric in a scenario without a target is suspicious, not wrong.
  EXPECT_TRUE(has(ok, 8, 14, "is measured on the target, but the scenario has no target", lg::Diagnostic::Warning));
  // `checks: []`: no checks at all, on purpose.
  auto none = load("name: t\nphases:\n  - {name: a, duration: 1s}\nchecks: []\n");
  ASSERT_TRUE(none.scenario);
  EXPECT_FALSE(none.scenario->default_checks);
  EXPECT_TRUE(none.scenario->checks.empty());
}

TEST(Valid, ShippedScenariosLoad) {
  std::string dir = std::string(LEAKGUARD_SOURCE_DIR) + "/scenarios";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no scenarios/ directory";
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".yaml") continue;
    n++;
    std::vector<lg::Diagnostic> diags;
    lg::LoadOptions opts;
    opts.binary_dir = LEAKGUARD_BIN_DIR;
    auto sc = lg::load_scenario_file(e.path().string(), opts, diags);
    std::string all;
    for (const auto& d : diags)
      if (d.severity == lg::Diagnostic::Error) all += d.str() + "\n";
    EXPECT_TRUE(sc) << all;
    EXPECT_TRUE(all.empty()) << all;
  }
  EXPECT_GT(n, 0);
}

TEST(Valid, ResolveCommand) {
  EXPECT_EQ(lg::resolve_command("/bin/sh", ""), "/bin/sh");
  EXPECT_EQ(lg::resolve_command("/etc/passwd", ""), "");  // not executable
  EXPECT_EQ(lg::resolve_command("/nope/x", ""), "");
  EXPECT_NE(lg::resolve_command("sh", ""), "");
  EXPECT_EQ(lg::resolve_command("sh", "/bin"), "/bin/sh");  // binary_dir first
  EXPECT_EQ(lg::resolve_command("no-such-tool-xyz", "/bin"), "");
  EXPECT_EQ(lg::resolve_command("", "/bin"), "");
}
