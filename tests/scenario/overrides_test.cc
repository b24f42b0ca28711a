// SPDX-License-Identifier: MIT
// --set PATH=VALUE, --target -- ARGV, and ${VAR} expansion.
#include <cstdlib>

#include "harness/scenario/env_expand.h"
#include "scenario/scenario_util.h"

using namespace sc_test;

namespace {

const std::string kBase =
    "name: t\n"
    "target:\n"
    "  command: [sh]\n"
    "sampling:\n"
    "  interval: 100ms\n"
    "phases:\n"
    "  - name: warmup\n"
    "    duration: 1s\n"
    "  - name: churn\n"
    "    workloads:\n"
    "      - kind: netns\n"
    "        count: 5000\n";

lg::LoadOptions sets(std::vector<std::string> o) {
  lg::LoadOptions opts;
  opts.overrides = std::move(o);
  return opts;
}

}  // namespace

TEST(Overrides, ByNameIndexAndList) {
  auto l =
      load(kBase, sets({"phases.churn.workloads.0.count=200", "target.command=[true, -s]", "sampling.interval=50ms",
                        "phases.0.duration=3s", "phases.churn.workloads.netns.hold=10ms"}));
  ASSERT_TRUE(l.scenario) << l.all();
  const auto& sc = *l.scenario;
  EXPECT_EQ(sc.phases[1].workloads[0].params.count("count"), 200);
  EXPECT_DOUBLE_EQ(sc.phases[1].workloads[0].params.number("hold"), 0.01);
  EXPECT_EQ(sc.target->command, (std::vector<std::string>{"true", "-s"}));
  EXPECT_DOUBLE_EQ(sc.sampling.interval, 0.05);
  EXPECT_DOUBLE_EQ(sc.phases[0].duration, 3);
}

TEST(Overrides, CreateMissingBlocks) {
  auto l = load("name: t\nphases:\n  - {name: a, duration: 1s}\n",
                sets({"sampling.backend=procfs", "checks=[{metric: sys.tasks, max: 5000}]"}));
  ASSERT_TRUE(l.scenario) << l.all();
  EXPECT_EQ(l.scenario->sampling.backend, lg::Backend::Procfs);
  ASSERT_EQ(l.scenario->checks.size(), 1u);
  EXPECT_EQ(l.scenario->checks[0].text, "sys.tasks max <= 5000");
  EXPECT_EQ(l.scenario->checks[0].line, 0);  // not from the file
}

TEST(Overrides, MapsMadeByAFlagAreReportedAgainstIt) {
  auto l = load("name: t\nphases:\n  - {name: a, duration: 1s}\n", sets({"target.cwd=/"}));
  EXPECT_FALSE(l.scenario);
  EXPECT_TRUE(has(l, 0, 0, "--set target.cwd=/: target: missing 'command'"));
}

TEST(Overrides, BadPathNamesTheFlag) {
  auto l = load(kBase, sets({"phases.chrun.workloads.0.count=200"}));
  EXPECT_FALSE(l.scenario);
  ASSERT_EQ(l.errors(), 1u) << l.all();
  EXPECT_EQ(l.diags[0].line, 0);
  EXPECT_EQ(l.diags[0].str(),
            "t.yaml: error: --set phases.chrun.workloads.0.count: 'phases' has no element 'chrun' "
            "(2 elements); did you mean 'churn'?");
  auto idx = load(kBase, sets({"phases.7.duration=1s"}));
  EXPECT_TRUE(has(idx, 0, 0, "--set phases.7.duration: 'phases' has no element '7'"));
  auto scalar = load(kBase, sets({"name.x=1"}));
  EXPECT_TRUE(has(scalar, 0, 0, "--set name.x: 'name' is a value, not a map or a list"));
  auto noeq = load(kBase, sets({"sampling.interval"}));
  EXPECT_TRUE(has(noeq, 0, 0, "--set sampling.interval: expected PATH=VALUE"));
  auto yaml = load(kBase, sets({"target.command=[a, b"}));
  EXPECT_TRUE(has(yaml, 0, 0, "--set target.command: the value is not valid YAML"));
}

TEST(Overrides, ValuesAreValidatedLikeTheFile) {
  auto l = load(kBase,
                sets({"sampling.interval=5 parsecs", "sampling.intervall=5ms", "phases.churn.workloads.0.count=lots"}));
  EXPECT_FALSE(l.scenario);
  EXPECT_TRUE(has(l, 0, 0, "--set sampling.interval=5 parsecs: sampling.interval: bad duration '5 parsecs'"));
  EXPECT_TRUE(
      has(l, 0, 0, "--set sampling.intervall=5ms: unknown key 'intervall' in sampling; did you mean 'interval'?"));
  EXPECT_TRUE(has(l, 0, 0, "--set phases.churn.workloads.0.count=lots: count: expected an integer, got 'lots'"));
  // Problems of the file itself keep their place.
  auto both = load(kBase + "        hold: 5 parsecs\n", sets({"phases.churn.workloads.0.count=0"}));
  EXPECT_TRUE(has(both, 13, 15, "hold: bad duration"));
  EXPECT_TRUE(has(both, 0, 0, "--set phases.churn.workloads.0.count=0: count must be at least 1, got 0"));
}

TEST(Overrides, TargetArgv) {
  lg::LoadOptions opts;
  opts.target_argv = {"sh", "-c", "exit 0"};
  auto l = load(kBase, opts);
  ASSERT_TRUE(l.scenario) << l.all();
  EXPECT_EQ(l.scenario->target->command, opts.target_argv);
  // Without a target in the file: one is made.
  auto none = load("name: t\nphases:\n  - {name: a, duration: 1s}\n", opts);
  ASSERT_TRUE(none.scenario) << none.all();
  ASSERT_TRUE(none.scenario->target);
  EXPECT_EQ(none.scenario->target->command, opts.target_argv);
  // --target wins over --set target.command.
  opts.overrides = {"target.command=[false]"};
  auto both = load(kBase, opts);
  ASSERT_TRUE(both.scenario);
  EXPECT_EQ(both.scenario->target->command[0], "sh");
  // A command not found names the flag, not a line.
  opts.overrides.clear();
  opts.target_argv = {"no-such-tool-xyz"};
  auto missing = load(kBase, opts);
  EXPECT_TRUE(has(missing, 0, 0, "--target: target.command: 'no-such-tool-xyz' not found", lg::Diagnostic::Warning));
}

TEST(Env, Expansion) {
  setenv("LG_TEST_COUNT", "250", 1);
  setenv("LG_TEST_EMPTY", "", 1);
  unsetenv("LG_TEST_UNSET");
  auto l = load(
      "name: ${LG_TEST_NAME:-env-test}\n"
      "target:\n"
      "  command: [sh, \"$${HOME}\", \"x${LG_TEST_COUNT}y\"]\n"
      "phases:\n"
      "  - name: churn\n"
      "    workloads:\n"
      "      - kind: netns\n"
      "        count: ${LG_TEST_COUNT}\n"
      "        hold: ${LG_TEST_EMPTY:-20ms}\n");
  ASSERT_TRUE(l.scenario) << l.all();
  EXPECT_EQ(l.scenario->name, "env-test");
  EXPECT_EQ(l.scenario->target->command, (std::vector<std::string>{"sh", "${HOME}", "x250y"}));
  EXPECT_EQ(l.scenario->phases[0].workloads[0].params.count("count"), 250);
  EXPECT_DOUBLE_EQ(l.scenario->phases[0].workloads[0].params.number("hold"), 0.02);

  auto bad =
      load("name: t\ntarget:\n  command: [sh]\n  cwd: /x/${LG_TEST_UNSET}\nphases:\n  - {name: a, duration: 1s}\n");
  EXPECT_FALSE(bad.scenario);
  EXPECT_TRUE(has(bad, 4, 8, "target.cwd: environment variable LG_TEST_UNSET is not set"));
  auto open = load("name: t\nphases:\n  - {name: a, duration: ${D}\n");
  EXPECT_FALSE(open.scenario);

  std::string out, err;
  EXPECT_FALSE(lg::expand_env("a ${B", out, err));
  EXPECT_NE(err.find("unterminated"), std::string::npos);
  EXPECT_FALSE(lg::expand_env("${1X}", out, err));
  EXPECT_NE(err.find("bad variable name '1X'"), std::string::npos);
  EXPECT_TRUE(lg::expand_env("$HOME ${LG_TEST_UNSET:-} $${X}", out, err));
  EXPECT_EQ(out, "$HOME  ${X}");
}
