// SPDX-License-Identifier: MIT
// Release qualification as a user runs it: `leakguard compare` on recorded runs (synthetic
// ones written here, and real runs of nstuner leaky and fixed), and the exit codes of
// `leakguard run --bisect` on every path.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include <pugixml.hpp>

#include "e2e/e2e_util.h"
#include "harness/base/fs.h"
#include "harness/verdict/judge.h"
#include "tests/synth/synth.h"
#include "reports/report.h"

namespace {

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

size_t lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// A recorded run of a synthetic behaviour, judged with the default checks, in DIR/NAME.
std::string record(const std::string& dir, const std::string& name, lg::synth::Behaviour b, uint64_t seed,
                   double leak = 0, const std::string& scenario = "netns-churn") {
  lg::synth::Params p;
  p.leak_per_event = leak;
  p.noise_seed = seed;  // one shape, this run's own noise
  lg::RunResult r;
  r.scenario = scenario;
  r.out_dir = dir + "/" + name;
  r.timestamp = "2026-11-22T03:15:55";
  r.version = "0.1.0";
  r.target_argv = {"nstuner", "--mode", name};
  r.series = lg::synth::make_series(b, 7, p);
  r.verdicts = lg::judge_checks(lg::default_checks({"netns"}, true), r.series);
  std::string err;
  EXPECT_TRUE(lg::make_dirs(r.out_dir, err)) << err;
  EXPECT_TRUE(lg::write_series_json(r, r.out_dir + "/series.json", err)) << err;
  return r.out_dir;
}

struct Junit {
  int tests = 0, failures = 0;
  std::vector<std::string> failed;
};

Junit read_junit(const std::string& path) {
  Junit j;
  pugi::xml_document doc;
  if (!doc.load_file(path.c_str())) return j;
  for (auto suite : doc.child("testsuites").children("testsuite"))
    for (auto tc : suite.children("testcase")) {
      j.tests++;
      if (tc.child("failure")) j.failures++, j.failed.push_back(tc.attribute("name").value());
    }
  return j;
}

const std::string kLeakyCheck = "fd.total max_slope <= 0.5 per 1000 netns";

}  // namespace

// --- compare on recorded runs (no root needed) ---

TEST(CompareCli, FixedThenLeakyIsWorseNamingTheCheck) {
  e2e::TempDir d;
  std::string fixed = record(d.path, "fixed", lg::synth::Behaviour::Flat, 1);
  std::string leaky = record(d.path, "leaky", lg::synth::Behaviour::SteadyLeak, 2, 0.004);
  std::string junit = d.path + "/compare.xml";
  e2e::Result r =
      e2e::run({e2e::bin("leakguard"), "compare", fixed, leaky, "--junit", junit, "--out", d.path + "/cmp"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(has(r.output, "worse  " + kLeakyCheck + ": fd.total grows faster")) << r.output;
  EXPECT_TRUE(has(r.output, "WORSE: 1 worse, 0 better")) << r.output;
  EXPECT_EQ(e2e::schema_errors(junit), "");
  Junit j = read_junit(junit);
  EXPECT_EQ(j.failed, std::vector<std::string>{kLeakyCheck});
  EXPECT_GT(j.tests, 4);
  std::string html = lg::read_file(d.path + "/cmp/compare.html");
  EXPECT_TRUE(has(html, "fd.total against netns events, both runs"));
  EXPECT_TRUE(std::filesystem::exists(d.path + "/cmp/plots/fd.total.svg"));
}

TEST(CompareCli, LeakyThenFixedIsBetterAndExits0) {
  e2e::TempDir d;
  std::string fixed = record(d.path, "fixed", lg::synth::Behaviour::Flat, 1);
  std::string leaky = record(d.path, "leaky", lg::synth::Behaviour::SteadyLeak, 2, 0.004);
  e2e::Result r = e2e::run({e2e::bin("leakguard"), "compare", leaky, fixed});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(r.output, "better " + kLeakyCheck + ": fd.total grows slower")) << r.output;
  EXPECT_TRUE(has(r.output, "BETTER: 0 worse, 1 better")) << r.output;
}

TEST(CompareCli, TwoRunsOfOneVersionAreSame) {
  e2e::TempDir d;
  for (auto b : {lg::synth::Behaviour::Flat, lg::synth::Behaviour::BoundedCache, lg::synth::Behaviour::SteadyLeak}) {
    std::string name = lg::synth::behaviour_name(b);
    std::string a = record(d.path, name + "-1", b, 11), c = record(d.path, name + "-2", b, 12);
    e2e::Result r = e2e::run({e2e::bin("leakguard"), "compare", a, c});
    EXPECT_EQ(r.exit_code, 0) << name << "\n" << r.output;
    EXPECT_TRUE(has(r.output, "SAME: 0 worse, 0 better")) << name << "\n" << r.output;
  }
}

TEST(CompareCli, TrendJudgesTheLastRun) {
  e2e::TempDir d;
  std::string v1 = record(d.path, "v1", lg::synth::Behaviour::SteadyLeak, 1, 0.004);
  std::string v2 = record(d.path, "v2", lg::synth::Behaviour::Flat, 2);
  std::string v3 = record(d.path, "v3", lg::synth::Behaviour::Flat, 3);
  e2e::Result r = e2e::run({e2e::bin("leakguard"), "compare", v1, v2, v3, "--out", d.path + "/cmp"});
  EXPECT_EQ(r.exit_code, 0) << r.output;  // v3 against v2: the same
  EXPECT_TRUE(has(r.output, "3 runs, in release order")) << r.output;
  EXPECT_TRUE(has(r.output, "  run 1  ") && has(r.output, "  run 2  ") && has(r.output, "  run 3  ")) << r.output;
  std::string html = lg::read_file(d.path + "/cmp/compare.html");
  EXPECT_TRUE(has(html, "slope of each run")) << html.substr(0, 1000);
  e2e::Result w = e2e::run({e2e::bin("leakguard"), "compare", v2, v3, v1});
  EXPECT_EQ(w.exit_code, 1) << w.output;
}

TEST(CompareCli, BadInputIsOneLineAndExit2) {
  e2e::TempDir d;
  std::string ok = record(d.path, "ok", lg::synth::Behaviour::Flat, 1);
  auto compare = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {e2e::bin("leakguard"), "compare"};
    argv.insert(argv.end(), args.begin(), args.end());
    return e2e::run(argv);
  };
  // A directory without series.json.
  std::string empty = d.path + "/empty";
  mkdir(empty.c_str(), 0755);
  e2e::Result r = compare({ok, empty});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.output), 1u) << r.output;
  EXPECT_TRUE(has(r.output, empty + "/series.json: no series.json here")) << r.output;
  // No such directory.
  r = compare({ok, d.path + "/nope"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.output, d.path + "/nope: no such run directory")) << r.output;
  // Corrupt JSON, and JSON that is not a series.
  std::string bad = d.path + "/bad", err;
  mkdir(bad.c_str(), 0755);
  lg::write_file(bad + "/series.json", "{\"format\": \"leakguard-series\", \"t\": [1, 2", err);
  r = compare({ok, bad});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.output), 1u) << r.output;
  EXPECT_TRUE(has(r.output, bad + "/series.json: not valid JSON")) << r.output;
  lg::write_file(bad + "/series.json", "[1, 2, 3]", err);
  r = compare({ok, bad});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.output, "not a leakguard series.json")) << r.output;
  // A FIFO where series.json should be: refused, not read (it would block).
  std::string fifo = d.path + "/fifo";
  mkdir(fifo.c_str(), 0755);
  ASSERT_EQ(mkfifo((fifo + "/series.json").c_str(), 0644), 0);
  r = compare({ok, fifo});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.output, fifo + "/series.json: not a regular file")) << r.output;
  // One run is not a comparison.
  r = compare({ok});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.output, "compare needs two run directories or more")) << r.output;
  // The file itself may be named instead of its directory.
  r = compare({ok + "/series.json", ok});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(CompareCli, DifferentScenariosNeedForce) {
  e2e::TempDir d;
  std::string a = record(d.path, "a", lg::synth::Behaviour::Flat, 1, 0, "netns-churn");
  std::string b = record(d.path, "b", lg::synth::Behaviour::SteadyLeak, 2, 0.004, "soak");
  e2e::Result r = e2e::run({e2e::bin("leakguard"), "compare", a, b});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.output), 1u) << r.output;
  EXPECT_TRUE(has(r.output, "different scenarios: 'netns-churn' (" + a + ") and 'soak' (" + b + "); --force"))
      << r.output;
  r = e2e::run({e2e::bin("leakguard"), "compare", a, b, "--force"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
}

TEST(CompareCli, NothingToCompareIsExit2) {
  e2e::TempDir d;
  std::string a = record(d.path, "a", lg::synth::Behaviour::Flat, 1);
  // A run that recorded only checks of metrics nobody measured.
  lg::RunResult r;
  std::string err;
  ASSERT_TRUE(lg::read_series_json(a + "/series.json", r, err)) << err;
  for (auto& v : r.verdicts) v.check.metric = "bpf.links";
  r.out_dir = d.path + "/b";
  ASSERT_TRUE(lg::make_dirs(r.out_dir, err));
  ASSERT_TRUE(lg::write_series_json(r, r.out_dir + "/series.json", err)) << err;
  e2e::Result out = e2e::run({e2e::bin("leakguard"), "compare", a, r.out_dir});
  EXPECT_EQ(out.exit_code, 2) << out.output;
  EXPECT_TRUE(has(out.output, "nothing to compare")) << out.output;
}

// --- real runs of the reference tuner, leaky and fixed ---

class RealRuns : public ::testing::Test {
 protected:
  static inline e2e::TempDir* dir = nullptr;
  // ctest runs each test in a process of its own: each run is made the first time a test of
  // that process asks for it, so a test pays only for the runs it compares.
  static inline std::map<std::string, e2e::Result> made;

  // netns-churn, shortened to 300 namespaces (a few seconds a run). fixed1 and leaky1 run with
  // --bisect; the run directory is returned, the run's own result kept in `made`.
  static std::string run_dir(const std::string& name) {
    if (!made.count(name)) {
      std::string mode = name.rfind("fixed", 0) == 0 ? "fixed" : "leaky";
      std::vector<std::string> argv = {e2e::bin("leakguard"),
                                       "run",
                                       e2e::source("scenarios/netns-churn.yaml"),
                                       "--quiet",
                                       "--out",
                                       dir->path + "/" + name,
                                       "--set",
                                       "phases.churn.workloads.netns.count=300",
                                       "--set",
                                       "target.command=[nstuner, --mode, " + mode + "]"};
      if (name.back() == '1') argv.push_back("--bisect");
      made[name] = e2e::run(argv);
    }
    return dir->path + "/" + name + "/netns-churn";
  }
  static const e2e::Result& result(const std::string& name) {
    run_dir(name);
    return made[name];
  }
  static void SetUpTestSuite() {
    if (geteuid() != 0) return;
    dir = new e2e::TempDir;
  }
  static void TearDownTestSuite() {
    made.clear();
    delete dir;
    dir = nullptr;
  }
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "runs need root (namespaces, cgroups, BPF)";
  }
};

TEST_F(RealRuns, BisectExitsZeroWhenPassedAndOneOnTheLeak) {
  const e2e::Result &fixed_run = result("fixed1"), &leaky_run = result("leaky1");
  EXPECT_EQ(fixed_run.exit_code, 0) << fixed_run.output;
  EXPECT_TRUE(has(fixed_run.output, "leakguard: --bisect: exit 0, good: every check passed")) << fixed_run.output;
  EXPECT_EQ(leaky_run.exit_code, 1) << leaky_run.output;
  EXPECT_TRUE(has(leaky_run.output,
                  "leakguard: --bisect: exit 1, bad: a leak was found (netns-churn: fd.netns max_slope <= 1 per 1000 "
                  "netns)"))
      << leaky_run.output;
}

TEST_F(RealRuns, FixedThenLeakyIsWorseAndNamesTheLeakingChecks) {
  std::string junit = dir->path + "/fl.xml";
  e2e::Result r = e2e::run({e2e::bin("leakguard"), "compare", run_dir("fixed1"), run_dir("leaky1"), "--junit", junit});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  for (const char* check : {"fd.netns max_slope <= 1 per 1000 netns", "fd.total max_slope <= 5 per 1000 netns",
                            "fd.total max_growth <= 20"})
    EXPECT_TRUE(has(r.output, std::string("worse  ") + check + ": ")) << check << "\n" << r.output;
  EXPECT_EQ(e2e::schema_errors(junit), "");
  Junit j = read_junit(junit);
  EXPECT_EQ(j.tests, 4);
  EXPECT_EQ(j.failures, 3);
}

TEST_F(RealRuns, LeakyThenFixedIsBetter) {
  e2e::Result r = e2e::run({e2e::bin("leakguard"), "compare", run_dir("leaky1"), run_dir("fixed1")});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(r.output, "better fd.netns max_slope <= 1 per 1000 netns: fd.netns grows slower")) << r.output;
  EXPECT_TRUE(has(r.output, "BETTER: 0 worse, 3 better")) << r.output;
}

TEST_F(RealRuns, TwoRunsOfOneVersionAreSame) {
  std::string junit = dir->path + "/ff.xml";
  e2e::Result f = e2e::run({e2e::bin("leakguard"), "compare", run_dir("fixed1"), run_dir("fixed2"), "--junit", junit});
  EXPECT_EQ(f.exit_code, 0) << f.output;
  EXPECT_TRUE(has(f.output, "SAME: 0 worse, 0 better, 4 same")) << f.output;
  EXPECT_EQ(e2e::schema_errors(junit), "");
  e2e::Result l = e2e::run({e2e::bin("leakguard"), "compare", run_dir("leaky1"), run_dir("leaky2")});
  EXPECT_EQ(l.exit_code, 0) << l.output;
  EXPECT_TRUE(has(l.output, "0 worse, 0 better")) << l.output;
}

TEST_F(RealRuns, TrendOfThreeReleases) {
  e2e::Result r = e2e::run({e2e::bin("leakguard"), "compare", run_dir("fixed1"), run_dir("fixed2"), run_dir("leaky1"),
                            "--out", dir->path + "/trend"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(lg::read_file(dir->path + "/trend/compare.html").size() > 1000);
}

// `run --bisect`: everything that is neither "passed" nor "a leak was found" is 125.
TEST_F(RealRuns, BisectSkipsWhatCannotBeTested) {
  std::string scenario = e2e::source("scenarios/netns-churn.yaml");
  // The target would not start (a broken build): it exits before it is ready.
  e2e::Result r = e2e::run({e2e::bin("leakguard"), "run", "--bisect", "--quiet", scenario, "--out", dir->path + "/b1",
                            "--target", "--", e2e::bin("badtarget"), "exit-early"});
  EXPECT_EQ(r.exit_code, 125) << r.output;
  EXPECT_TRUE(has(r.output, "leakguard: --bisect: exit 125, skip: netns-churn: target became ready: exited with"))
      << r.output;
  // The target command does not exist (nothing was built): a scenario error.
  r = e2e::run({e2e::bin("leakguard"), "run", "--bisect", scenario, "--target", "--", dir->path + "/no-such-tool"});
  EXPECT_EQ(r.exit_code, 125) << r.output;
  // Usage errors: a mistyped flag (CLI parsing), a missing scenario, a bad option value.
  r = e2e::run({e2e::bin("leakguard"), "run", "--bisect", "--junt", "x.xml", scenario});
  EXPECT_EQ(r.exit_code, 125) << r.output;
  r = e2e::run({e2e::bin("leakguard"), "run", "--junt", "x.xml", scenario});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = e2e::run({e2e::bin("leakguard"), "run", "--bisect", dir->path + "/missing.yaml"});
  EXPECT_EQ(r.exit_code, 125) << r.output;
  r = e2e::run({e2e::bin("leakguard"), "run", "--bisect", "--interval", "soon", scenario});
  EXPECT_EQ(r.exit_code, 125) << r.output;
  r = e2e::run({e2e::bin("leakguard"), "run", "--bisect", scenario, "--target", "--"});
  EXPECT_EQ(r.exit_code, 125) << r.output;
  // The environment: no privilege (with an output directory it may write, so that the missing
  // privilege is what stops it).
  std::string open_out = dir->path + "/nobody";
  ASSERT_EQ(chmod(dir->path.c_str(), 0711), 0);
  ASSERT_EQ(mkdir(open_out.c_str(), 0777), 0);
  ASSERT_EQ(chmod(open_out.c_str(), 0777), 0);
  r = e2e::run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", e2e::bin("leakguard"), "run", "--bisect",
                scenario, "--out", open_out});
  EXPECT_EQ(r.exit_code, 125) << r.output;
  EXPECT_TRUE(has(r.output, "run needs root")) << r.output;
  EXPECT_TRUE(has(r.output, "leakguard: --bisect: exit 125, skip: environment error")) << r.output;
}

TEST_F(RealRuns, BisectSkipsAnInterruptedRunEvenWhenItLeaked) {
  // SIGINT three seconds in, during the churn of 2,000 namespaces of a leaky tuner.
  e2e::Result r = e2e::run({"timeout", "--preserve-status", "-s", "INT", "3", e2e::bin("leakguard"), "run", "--bisect",
                            "--quiet", e2e::source("scenarios/netns-churn.yaml"), "--out", dir->path + "/int", "--set",
                            "target.command=[nstuner, --mode, leaky]"});
  EXPECT_EQ(r.exit_code, 125) << r.output;
  EXPECT_TRUE(has(r.output, "leakguard: --bisect: exit 125, skip: interrupted")) << r.output;
}
