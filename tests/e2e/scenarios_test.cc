// SPDX-License-Identifier: MIT
// The regression suite: each shipped scenario against its reference target, leaky and fixed.
// Leaky must fail with exactly the checks that name the leak; fixed must pass every check.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <iterator>

#include <pugixml.hpp>
#include <regex>
#include <set>

#include "e2e/e2e_util.h"
#include "helpers/free_port.h"

namespace {

struct Case {
  const char* scenario;                  // scenarios/<name>.yaml
  const char* leaky;                     // target.command override, leaky mode
  const char* fixed;                     // same, fixed mode
  std::set<std::string> leaky_failures;  // testcase names that must fail in leaky mode
  int rounds = 2;                        // runs of each mode (a second one shows the verdict is stable)
  // The diagnosis a leaky run must give: {testcase, ECMAScript regex its <failure> text matches}.
  std::pair<const char*, const char*> leaky_says = {nullptr, nullptr};
  const char* address_var = nullptr;  // set to 127.0.0.1:<a free port> for the run
};

const Case kCases[] = {
    {"netns-churn",
     "[nstuner, --mode, leaky]",
     "[nstuner, --mode, fixed]",
     {"fd.netns max_slope <= 1 per 1000 netns", "fd.total max_slope <= 5 per 1000 netns", "fd.total max_growth <= 20"}},
    {"process-exit-churn",
     "[pidprof, --mode, leaky]",
     "[pidprof, --mode, fixed]",
     {"bpf.map_entries max_slope <= 1 per 1000 procexit"}},
    {"map-reload",
     "[maploader, --mode, leaky, --pin, /sys/fs/bpf/maploader]",
     "[maploader, --mode, fixed, --pin, /sys/fs/bpf/maploader]",
     {"fd.bpf_map max_slope <= 1 per 100 signal", "bpf.maps max_slope <= 1 per 100 signal",
      "target.bpf_maps max_residue <= 0", "target.bpf_pins max_residue <= 0"}},
    {"zombie-churn",
     "[reaper, --mode, leaky]",
     "[reaper, --mode, fixed]",
     {"proc.zombies max_slope <= 1 per 100 signal", "proc.threads max_slope <= 1 per 100 signal"},
     2,
     {"proc.zombies max_slope <= 1 per 100 signal", R"(\d+ zombies left unreaped by pid \d+ \(reaper\))"}},
    // The kernel names the vfork wait wait_for_vfork_done, or kernel_clone where it is inlined.
    {"stuck-spawn",
     "[dstuck, --mode, leaky]",
     "[dstuck, --mode, fixed]",
     {"proc.dstate max_slope <= 1 per 100 signal", "proc.processes max_slope <= 1 per 100 signal"},
     2,
     {"proc.dstate max_slope <= 1 per 100 signal",
      R"(\d+ tasks of dstuck in D state at (wait_for_vfork_done|kernel_clone) <- \w+\n(.*\n)*.*\d+ wait for a vfork child that has not exec'd, which waits at \w*pipe_read)"}},
    // The Go targets under the scenarios of their kind: a tuner on vishvananda/netns, an
    // agent on cilium/ebpf; the same checks name the same leaks.
    {"netns-churn",
     "[gotuner, --mode, leaky]",
     "[gotuner, --mode, fixed]",
     {"fd.netns max_slope <= 1 per 1000 netns", "fd.total max_slope <= 5 per 1000 netns", "fd.total max_growth <= 20"},
     1},
    {"map-reload",
     "[goagent, --mode, leaky, --pin, /sys/fs/bpf/goagent]",
     "[goagent, --mode, fixed, --pin, /sys/fs/bpf/goagent]",
     {"fd.bpf_map max_slope <= 1 per 100 signal", "bpf.maps max_slope <= 1 per 100 signal",
      "target.bpf_maps max_residue <= 0", "target.bpf_pins max_residue <= 0"},
     1},
    {"cgroup-churn",
     "[cgagent, --mode, leaky, --root, '${LEAKGUARD_CGROUP_PARENT}']",
     "[cgagent, --mode, fixed, --root, '${LEAKGUARD_CGROUP_PARENT}']",
     {"fd.total max_slope <= 1 per 1000 cgroup", "fd.dir max_slope <= 1 per 1000 cgroup", "fd.total max_growth <= 20"}},
    {"scrape-churn",
     "[metricsd, --mode, leaky, --listen, '${SCRAPE_ADDRESS}']",
     "[metricsd, --mode, fixed, --listen, '${SCRAPE_ADDRESS}']",
     {"fd.total max_slope <= 1 per 1000 connect", "fd.socket max_slope <= 1 per 1000 connect",
      "fd.total max_growth <= 20"},
     2,
     {nullptr, nullptr},
     "SCRAPE_ADDRESS"},
};
constexpr int kNumCases = sizeof kCases / sizeof kCases[0];

// The command's program: "gotuner" for "[gotuner, --mode, leaky]".
std::string program(const char* command) {
  std::string c = command + 1;
  return c.substr(0, c.find(','));
}

// Testcase names by outcome, from a JUnit file.
struct Junit {
  std::set<std::string> failed, errored, skipped, passed;
  int suites = 0;
};

// The <failure> text (message and body) of a testcase, "" when it did not fail.
std::string failure_text(const std::string& path, const std::string& testcase) {
  pugi::xml_document doc;
  if (!doc.load_file(path.c_str())) return "";
  for (auto suite : doc.child("testsuites").children("testsuite"))
    for (auto tc : suite.children("testcase"))
      if (testcase == tc.attribute("name").as_string())
        if (auto f = tc.child("failure"))
          return std::string(f.attribute("message").as_string()) + "\n" + f.text().get();
  return "";
}

Junit read_junit(const std::string& path) {
  Junit j;
  pugi::xml_document doc;
  if (!doc.load_file(path.c_str())) return j;
  for (auto suite : doc.child("testsuites").children("testsuite")) {
    j.suites++;
    for (auto tc : suite.children("testcase")) {
      std::string name = tc.attribute("name").as_string();
      if (tc.child("failure"))
        j.failed.insert(name);
      else if (tc.child("error"))
        j.errored.insert(name);
      else if (tc.child("skipped"))
        j.skipped.insert(name);
      else
        j.passed.insert(name);
    }
  }
  return j;
}

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += "\n  " + x;
  return out.empty() ? " (none)" : out;
}

class ScenarioSuite : public ::testing::TestWithParam<std::tuple<int, bool, int>> {};

TEST_P(ScenarioSuite, LeakyFailsOnTheLeakFixedPasses) {
  if (geteuid() != 0) GTEST_SKIP() << "end-to-end runs need root (namespaces, cgroups, BPF)";
  auto [index, leaky, round] = GetParam();
  const Case& c = kCases[index];
  std::string prog = program(c.leaky);
  if ((prog == "gotuner" || prog == "goagent") && !LEAKGUARD_GO_TARGETS)
    GTEST_SKIP() << prog << " was not built: leakguard was configured with -DLEAKGUARD_GO_TARGETS=OFF";
  e2e::TempDir out;
  std::string junit = out.path + "/all.xml";
  std::vector<std::string> argv = {e2e::bin("leakguard"),
                                   "run",
                                   e2e::source(std::string("scenarios/") + c.scenario + ".yaml"),
                                   "--out",
                                   out.path,
                                   "--junit",
                                   junit,
                                   "--quiet",
                                   "--set",
                                   std::string("target.command=") + (leaky ? c.leaky : c.fixed)};
  if (c.address_var) {
    int port = lg::test::free_port();
    ASSERT_GT(port, 0);
    argv.insert(argv.begin(), {"env", std::string(c.address_var) + "=127.0.0.1:" + std::to_string(port)});
  }
  e2e::Result r = e2e::run(argv);
  SCOPED_TRACE(r.output);
  EXPECT_EQ(r.exit_code, leaky ? 1 : 0) << c.scenario << (leaky ? " leaky" : " fixed") << " round " << round;
  std::string per_run = out.path + "/" + c.scenario + "/junit.xml";
  for (const auto& xml : {junit, per_run}) {
    ASSERT_TRUE(std::filesystem::exists(xml)) << xml;
    EXPECT_EQ(e2e::schema_errors(xml), "") << xml;
  }
  Junit j = read_junit(junit);
  EXPECT_EQ(j.suites, 1);
  EXPECT_TRUE(j.errored.empty()) << "errors:" << join(j.errored);
  if (leaky) {
    EXPECT_EQ(j.failed, c.leaky_failures) << "failed:" << join(j.failed) << "\nexpected:" << join(c.leaky_failures);
    if (c.leaky_says.first) {
      std::string text = failure_text(per_run, c.leaky_says.first);
      EXPECT_TRUE(std::regex_search(text, std::regex(c.leaky_says.second)))
          << c.leaky_says.first << " does not say /" << c.leaky_says.second << "/:\n"
          << text;
    }
  } else {
    EXPECT_TRUE(j.failed.empty()) << "failed:" << join(j.failed);
    for (const auto& name : c.leaky_failures) EXPECT_TRUE(j.passed.count(name)) << name << " did not pass";
  }
  EXPECT_TRUE(std::filesystem::exists(out.path + "/" + c.scenario + "/report.html"));
  EXPECT_TRUE(std::filesystem::exists(out.path + "/" + c.scenario + "/series.json"));
}

std::string case_name(const ::testing::TestParamInfo<std::tuple<int, bool, int>>& info) {
  auto [index, leaky, round] = info.param;
  std::string n = kCases[index].scenario + std::string("_") + program(kCases[index].leaky);
  for (auto& ch : n)
    if (ch == '-') ch = '_';
  return n + (leaky ? "_leaky_" : "_fixed_") + std::to_string(round);
}

// (case, leaky, round) for every round of every case.
std::vector<std::tuple<int, bool, int>> all_runs() {
  std::vector<std::tuple<int, bool, int>> runs;
  for (int i = 0; i < kNumCases; i++)
    for (bool leaky : {false, true})
      for (int round = 0; round < kCases[i].rounds; round++) runs.emplace_back(i, leaky, round);
  return runs;
}

INSTANTIATE_TEST_SUITE_P(Shipped, ScenarioSuite, ::testing::ValuesIn(all_runs()), case_name);

TEST(ShippedScenarios, AllValidate) {
  for (const char* s : {"netns-churn", "process-exit-churn", "map-reload", "zombie-churn", "stuck-spawn",
                        "cgroup-churn", "scrape-churn", "soak"}) {
    e2e::Result r = e2e::run({e2e::bin("leakguard"), "validate", e2e::source(std::string("scenarios/") + s + ".yaml")});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(": ok ("), std::string::npos) << r.output;
  }
}

}  // namespace
