// SPDX-License-Identifier: MIT
// One test per class of scenario error, each asserting the exact line and column.
#include <cstdlib>

#include "harness/base/fs.h"
#include "harness/base/strings.h"
#include "harness/base/units.h"
#include "harness/base/metrics.h"
#include "scenario/scenario_util.h"

using namespace sc_test;
using lg::Diagnostic;

namespace {

// name, a target, one phase `churn` with a netns workload, then `checks:` at line 8.
const std::string kWithChecks =
    "name: t\n"
    "target:\n"
    "  command: [sh]\n"
    "phases:\n"
    "  - name: churn\n"
    "    workloads:\n"
    "      - kind: netns\n"
    "checks:\n";

}  // namespace

TEST(Errors, YamlSyntax) {
  auto l = load("name: t\nphases:\n  - name: a\n    duration: [1s\n");
  EXPECT_FALSE(l.scenario);
  ASSERT_EQ(l.errors(), 1u) << l.all();
  EXPECT_TRUE(has(l, 5, 1, "YAML syntax: end of sequence flow not found"));

  auto tab = load("name: t\nphases:\n  - name: a\n\t duration: 1s\n");
  EXPECT_FALSE(tab.scenario);
  EXPECT_EQ(tab.errors(), 1u) << tab.all();
  EXPECT_GT(tab.diags[0].line, 0);
}

TEST(Errors, UnknownKeySuggests) {
  auto l = load(with_workload("        concurency: 4\n"));
  EXPECT_FALSE(l.scenario);
  EXPECT_TRUE(has(l, 6, 9, "unknown key 'concurency' in workload netns; did you mean 'concurrency'?"));

  auto top = load("name: t\nphase:\n  - name: a\n    duration: 1s\n");
  EXPECT_TRUE(has(top, 2, 1, "unknown key 'phase' in the scenario; did you mean 'phases'?"));
  EXPECT_TRUE(has(top, 1, 1, "missing 'phases'"));

  auto far = load("name: t\nphases:\n  - name: a\n    duration: 1s\nzzzzzz: 1\n");
  EXPECT_TRUE(has(far, 5, 1, "unknown key 'zzzzzz' in the scenario"));
  EXPECT_EQ(far.diags[0].message.find("did you mean"), std::string::npos);

  auto dup = load(with_workload("        count: 1\n        count: 2\n"));
  EXPECT_TRUE(has(dup, 7, 9, "duplicate key 'count' in workload netns (first at line 6)"));
}

TEST(Errors, WrongTypes) {
  auto l = load(with_workload("        count: lots\n"));
  EXPECT_FALSE(l.scenario);
  EXPECT_TRUE(has(l, 6, 16, "count: expected an integer, got 'lots'"));

  auto list = load(with_workload("        count: [1, 2]\n"));
  EXPECT_TRUE(has(list, 6, 16, "count: expected an integer, got a list"));

  auto b = load(with_workload("        bind_mount: maybe\n"));
  EXPECT_TRUE(has(b, 6, 21, "bind_mount: expected true or false, got 'maybe'"));

  auto map = load("name: t\nphases: {a: 1}\n");
  EXPECT_TRUE(has(map, 2, 9, "phases: expected a list of phases"));

  auto huge = load(with_workload("        count: 99999999999999999999999\n"));
  EXPECT_TRUE(has(huge, 6, 16, "count: 99999999999999999999999 is too large"));

  auto en = load("name: t\nsampling: {backend: bfp}\nphases:\n  - {name: a, duration: 1s}\n");
  EXPECT_TRUE(has(en, 2, 21, "sampling.backend: 'bfp' is not one of auto, bpf, procfs; did you mean 'bpf'?"));
}

TEST(Errors, BadUnits) {
  auto d = load(with_workload("        hold: 5 parsecs\n"));
  EXPECT_FALSE(d.scenario);
  EXPECT_TRUE(has(d, 6, 15, "hold: bad duration '5 parsecs'"));

  auto r = load(with_workload("        rate: 1000\n"));
  EXPECT_TRUE(has(r, 6, 15, "rate: bad rate '1000'; write events per time: 1000/s, 60/min"));

  auto p = load("name: t\nphases:\n  - name: a\n    duration: 5\n");
  EXPECT_TRUE(has(p, 4, 15, "duration: bad duration '5'"));

  auto i = load("name: t\nsampling:\n  interval: 5 parsecs\nphases:\n  - {name: a, duration: 1s}\n");
  EXPECT_TRUE(has(i, 3, 13, "sampling.interval: bad duration '5 parsecs'"));
}

TEST(Errors, ZeroAndNegative) {
  // count 0 runs until the phase ends (docs/workloads.md): the phase needs a duration.
  auto c = load(with_workload("        count: 0\n"));
  EXPECT_TRUE(has(
      c, 6, 16, "phase 'churn': count 0 runs netns until the phase ends, but the phase has no duration; give it one"));
  auto c_ok =
      load("name: t\nphases:\n  - name: churn\n    duration: 3s\n    workloads:\n      - {kind: procexit, count: 0}\n");
  ASSERT_TRUE(c_ok.scenario) << c_ok.all();
  EXPECT_EQ(c_ok.scenario->phases[0].workloads[0].params.count("count"), 0);
  auto n = load(with_workload("        count: -3\n"));
  EXPECT_TRUE(has(n, 6, 16, "count must be at least 0, got -3"));
  auto r = load(with_workload("        rate: 0/s\n"));
  EXPECT_TRUE(has(r, 6, 15, "rate must be positive, got '0/s'"));
  auto rn = load(with_workload("        rate: -5/s\n"));
  EXPECT_TRUE(has(rn, 6, 15, "rate must be positive, got '-5/s'"));
  auto d = load("name: t\nphases:\n  - name: a\n    duration: 0s\n");
  EXPECT_TRUE(has(d, 4, 15, "duration must be positive, got '0s'"));
  // A field whose declared minimum is 0 accepts 0.
  auto ok = load("name: t\nphases:\n  - name: a\n    workloads:\n      - {kind: maps, entries: 0}\n");
  EXPECT_TRUE(ok.scenario) << ok.all();
}

TEST(Errors, AbsurdSizesNameTheLimit) {
  auto netns_max = lg::parse_count(lg::trim(lg::read_file("/proc/sys/user/max_net_namespaces")));
  auto pid_max = lg::parse_count(lg::trim(lg::read_file("/proc/sys/kernel/pid_max")));
  if (!netns_max || !pid_max) GTEST_SKIP() << "cannot read the kernel limits in /proc/sys";
  std::string lim = " is above /proc/sys/user/max_net_namespaces (" + std::to_string(*netns_max) + ")";
  std::string over = std::to_string(*netns_max + 1);
  // All alive at once: the kernel refuses them.
  auto l = load(with_workload("        count: " + over + "\n        concurrency: " + over + "\n"));
  EXPECT_FALSE(l.scenario);
  EXPECT_TRUE(has(l, 6, 16, "count " + over + lim + ": the kernel refuses more network namespaces"));
  // Many over time, few at once (a soak): runs, with a warning naming the limit.
  auto soak = load(with_workload("        count: " + over + "\n"));
  EXPECT_TRUE(soak.scenario) << soak.all();
  EXPECT_TRUE(
      has(soak, 6, 16, "count " + over + lim + "; it can run only because at most 64", lg::Diagnostic::Warning));
  auto live = load(with_workload("        max_live: " + over + "\n"));
  EXPECT_TRUE(has(live, 6, 19, "max_live " + over + lim));

  std::string pover = std::to_string(*pid_max + 1);
  std::string plim = " is above /proc/sys/kernel/pid_max (" + std::to_string(*pid_max) + ")";
  auto p = load("name: t\nphases:\n  - name: a\n    workloads:\n      - kind: procexit\n        count: " + pover +
                "\n        concurrency: " + pover + "\n");
  EXPECT_TRUE(has(p, 6, 16, "count " + pover + plim));
  // Threads count too: concurrency x (1 + threads) pids at once.
  std::string conc = std::to_string(*pid_max / 2 + 1);
  auto t = load("name: t\nphases:\n  - name: a\n    workloads:\n      - kind: procexit\n        count: " + pover +
                "\n        concurrency: " + conc + "\n        threads: 1\n");
  EXPECT_TRUE(has(t, 7, 22, "concurrency " + conc + " (x2 with threads)" + plim));
}

TEST(Errors, DuplicatePhaseNames) {
  auto l = load("name: t\nphases:\n  - name: a\n    duration: 1s\n  - name: a\n    duration: 2s\n");
  EXPECT_FALSE(l.scenario);
  EXPECT_TRUE(has(l, 5, 11, "duplicate phase name 'a' (first at line 3)"));
  EXPECT_EQ(l.errors(), 1u) << l.all();
}

TEST(Errors, ChecksNameUnknownThings) {
  auto m = load(kWithChecks + "  - metric: fd.netsn\n    max_growth: 1\n");
  EXPECT_FALSE(m.scenario);
  EXPECT_TRUE(has(m, 9, 13, "unknown metric 'fd.netsn'; did you mean 'fd.netns'?"));

  auto p = load(kWithChecks + "  - metric: fd.total\n    phase: chrun\n    max_growth: 1\n");
  EXPECT_TRUE(has(p, 10, 12, "unknown phase 'chrun'; did you mean 'churn'?"));
  auto pl = load(kWithChecks + "  - metric: fd.total\n    phase: [churn, nope]\n    max_growth: 1\n");
  EXPECT_TRUE(has(pl, 10, 20, "unknown phase 'nope'"));
  EXPECT_EQ(pl.errors(), 1u) << pl.all();

  auto k = load(kWithChecks + "  - metric: fd.total\n    max_slope: 1 per 1000 netsn\n");
  EXPECT_TRUE(has(k, 10, 16, "max_slope: unknown event kind 'netsn'; did you mean 'netns'?"));

  auto none = load(kWithChecks + "  - metric: fd.total\n");
  EXPECT_TRUE(has(none, 9, 5, "check on fd.total: missing a limit"));
  auto two = load(kWithChecks + "  - metric: fd.total\n    max: 1\n    max_growth: 2\n");
  EXPECT_TRUE(has(two, 11, 5, "one limit per check: max and max_growth are both given"));
  auto unit = load(kWithChecks + "  - metric: fd.total\n    max_slope: 5\n");
  EXPECT_TRUE(has(unit, 10, 16, "max_slope: '5' has no unit"));
  // A slab cache the running kernel has is fine; one it does not have is an error (it would
  // be sampled as nothing and skipped): HostileFile.ASlabCache... checks the suggestion.
  auto slab = load(kWithChecks + "  - metric: sys.slab.anything_at_all\n    max_residue: 0\n");
  EXPECT_EQ((bool)slab.scenario, lg::live_slab_caches().empty()) << slab.all();
  auto filp = load(kWithChecks + "  - metric: sys.slab.filp\n    max_residue: 0\n");
  EXPECT_TRUE(filp.scenario) << filp.all();
}

TEST(Errors, PerEventWithoutSuchWorkload) {
  auto l = load(kWithChecks + "  - metric: fd.total\n    max_slope: 1 per 100 signal\n");
  EXPECT_FALSE(l.scenario);
  EXPECT_TRUE(has(l, 10, 16, "max_slope: per signal events, but no phase runs a signal workload"));
  // The form the issue names, without a limit: both problems are reported.
  auto bare = load(
      "name: t\nphases:\n  - {name: a, duration: 1s}\nchecks:\n"
      "  - metric: fd.netns\n    max_slope: per 1000 netns\n");
  EXPECT_TRUE(has(bare, 6, 16, "no phase runs a netns workload"));
  EXPECT_TRUE(has(bare, 6, 16, "has no limit before 'per'"));
  // A window without the events.
  auto win = load(
      "name: t\nphases:\n  - {name: idle, duration: 1s}\n  - name: churn\n    workloads: [{kind: netns}]\n"
      "checks:\n  - metric: sys.netns\n    phase: idle\n    max_slope: 1 per 1000 netns\n");
  EXPECT_TRUE(has(win, 9, 16, "the judged phases (idle) run no netns workload"));
}

TEST(Errors, PhaseWithNeitherDurationNorWorkloads) {
  auto l = load("name: t\nphases:\n  - name: idle\n  - name: empty\n    workloads: []\n");
  EXPECT_FALSE(l.scenario);
  EXPECT_TRUE(has(l, 3, 5, "phase 'idle' has neither a duration nor workloads"));
  EXPECT_TRUE(has(l, 4, 5, "phase 'empty' has neither a duration nor workloads"));
}

TEST(Errors, EmptyCommand) {
  auto l = load("name: t\ntarget:\n  command: []\nphases:\n  - {name: a, duration: 1s}\n");
  EXPECT_FALSE(l.scenario);
  EXPECT_TRUE(has(l, 3, 12, "target.command is empty"));
  auto s = load("name: t\ntarget:\n  command: \"\"\nphases:\n  - {name: a, duration: 1s}\n");
  EXPECT_TRUE(has(s, 3, 12, "target.command is empty"));
  auto missing = load("name: t\ntarget:\n  cwd: /\nphases:\n  - {name: a, duration: 1s}\n");
  EXPECT_TRUE(has(missing, 3, 3, "target: missing 'command'"));
}

TEST(Errors, CommandNotFound) {
  const std::string y = "name: t\ntarget:\n  command: [no-such-tool-xyz, -v]\nphases:\n  - {name: a, duration: 1s}\n";
  auto warn = load(y);
  EXPECT_TRUE(warn.scenario) << "validate: only a warning";
  EXPECT_TRUE(has(warn, 3, 13, "target.command: 'no-such-tool-xyz' not found in PATH", Diagnostic::Warning));
  lg::LoadOptions run;
  run.command_must_exist = true;
  run.binary_dir = "/nonexistent-bin";
  auto err = load(y, run);
  EXPECT_FALSE(err.scenario);
  EXPECT_TRUE(has(err, 3, 13, "'no-such-tool-xyz' not found in /nonexistent-bin or PATH"));
  auto slash = load("name: t\ntarget:\n  command: ./nope/x\nphases:\n  - {name: a, duration: 1s}\n", run);
  EXPECT_TRUE(has(slash, 3, 12, "target.command: './nope/x' is not an executable file"));
}

TEST(Errors, Names) {
  auto l = load("name: Bad_Name\nphases:\n  - name: Warm up\n    duration: 1s\n");
  EXPECT_FALSE(l.scenario);
  EXPECT_TRUE(has(l, 1, 7, "name: 'Bad_Name' is not a valid name"));
  EXPECT_TRUE(has(l, 3, 11, "phase name: 'Warm up' is not a valid name"));
  auto dash = load("name: -x\nphases:\n  - {name: a, duration: 1s}\n");
  EXPECT_TRUE(has(dash, 1, 7, "is not a valid name"));
  auto missing = load("phases:\n  - {name: a, duration: 1s}\n");
  EXPECT_TRUE(has(missing, 1, 1, "missing 'name'"));
}

TEST(Errors, TargetBlocks) {
  auto r = load(
      "name: t\ntarget:\n  command: [sh]\n  ready: {delay: 1s, stdout: x}\n  stop: {signal: HUPP}\n"
      "  limits: {pids: 0}\nphases:\n  - {name: a, duration: 1s}\n");
  EXPECT_TRUE(has(r, 4, 22, "target.ready: give one of delay, stdout, stderr, file or port, not several"));
  EXPECT_TRUE(has(r, 5, 18, "target.stop.signal: unknown signal 'HUPP'"));
  EXPECT_TRUE(has(r, 6, 18, "target.limits.pids must be at least 1"));
  auto re = load(
      "name: t\ntarget:\n  command: [sh]\n  ready: {stdout: \"(unclosed\"}\nphases:\n  - {name: a, duration: 1s}\n");
  EXPECT_TRUE(has(re, 4, 19, "target.ready.stdout: not a valid regular expression"));
}

TEST(Errors, EveryProblemOfAFileInOrder) {
  std::vector<Diagnostic> diags;
  auto sc = lg::load_scenario_file(data("invalid-many.yaml"), {}, diags);
  EXPECT_FALSE(sc);
  std::vector<std::string> want = {
      "2:7: error: name: 'Bad_Name' is not a valid name",
      "4:12: error: target.command is empty",
      "6:13: error: sampling.interval: bad duration '5 parsecs'",
      "11:16: error: count: expected an integer, got 'lots'",
      "12:9: error: unknown key 'concurency' in workload netns; did you mean 'concurrency'?",
      "13:5: error: phase 'churn' has neither a duration nor workloads",
      "13:11: error: duplicate phase name 'churn' (first at line 8)",
      "14:5: error: phase 'idle' has neither a duration nor workloads",
      "16:13: error: unknown metric 'fd.netsn'; did you mean 'fd.netns'?",
      "19:12: error: unknown phase 'chrun'; did you mean 'churn'?",
      "22:16: error: max_slope: per signal events, but no phase runs a signal workload",
  };
  ASSERT_EQ(diags.size(), want.size()) << [&] {
    std::string s;
    for (const auto& d : diags) s += d.str() + "\n";
    return s;
  }();
  for (size_t i = 0; i < want.size(); i++) {
    std::string prefix = data("invalid-many.yaml") + ":" + want[i];
    EXPECT_EQ(diags[i].str().substr(0, prefix.size()), prefix);
  }
}

TEST(Errors, SyntaxErrorFile) {
  std::vector<Diagnostic> diags;
  EXPECT_FALSE(lg::load_scenario_file(data("invalid-syntax.yaml"), {}, diags));
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].line, 5);
  EXPECT_EQ(diags[0].col, 1);
  std::vector<Diagnostic> none;
  EXPECT_FALSE(lg::load_scenario_file(data("does-not-exist.yaml"), {}, none));
  ASSERT_EQ(none.size(), 1u);
  EXPECT_NE(none[0].str().find("does-not-exist.yaml: error: cannot read the scenario: No such file"),
            std::string::npos);
}
