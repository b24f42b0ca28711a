// SPDX-License-Identifier: MIT
// Attribution end to end: each leaky reference target's failing check names the line marked
// "LEAK-SITE: <name>" in its source (found from the marker, never hard-coded), in
// attribution.json and under the failing check; a fixed target names nothing; `leakguard
// judge` keeps the attribution; target-owned residue does not move when another process
// creates and frees BPF objects and namespaces during the run.
#include <bpf/bpf.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "e2e/e2e_util.h"

namespace {

// The line a "// LEAK-SITE: name" marker names (targets/README.md): its own line when code
// precedes the marker, else the next line. 0 when absent.
int marker_line(const std::string& rel, const std::string& name) {
  std::ifstream in(e2e::source(rel));
  std::string line;
  for (int n = 1; std::getline(in, line); n++) {
    size_t at = line.find("// LEAK-SITE: " + name);
    if (at == std::string::npos) continue;
    return line.find_first_not_of(" \t") == at ? n + 1 : n;
  }
  return 0;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  nlohmann::json j;
  try {
    in >> j;
  } catch (...) {
  }
  return j;
}

// The diagnosis of `metric` in attribution.json (null when none).
nlohmann::json diagnosis(const nlohmann::json& j, const std::string& metric) {
  if (j.contains("diagnoses"))
    for (const auto& d : j["diagnoses"])
      if (d.value("metric", "") == metric) return d;
  return nullptr;
}

// One failing check whose top site names a marked line.
struct Expect {
  const char* metric;  // the failing check's metric
  const char* marker;  // "LEAK-SITE: <marker>" in the target's source
};

struct Case {
  const char* scenario;
  const char* target;
  const char* file;  // targets/<file>
  Expect expect[2];  // the second may be empty (metric null)
};

const Case kCases[] = {
    {"netns-churn", "[nstuner, --mode, leaky]", "nstuner.cc", {{"fd.netns", "nstuner-netns"}, {}}},
    {"process-exit-churn", "[pidprof, --mode, leaky]", "pidprof.cc", {{"bpf.map_entries", "pidprof-maps"}, {}}},
    {"map-reload",
     "[maploader, --mode, leaky, --pin, /sys/fs/bpf/maploader]",
     "maploader.cc",
     {{"target.bpf_pins", "maploader-pin"}, {"fd.bpf_map", "maploader-map"}}},
    {"zombie-churn", "[reaper, --mode, leaky]", "reaper.cc", {{"proc.zombies", "reaper-zombie"}, {}}},
    // Go: the site is the target's own function, under the runtime, syscall, golang.org/x/sys
    // and the library (vishvananda/netns, cilium/ebpf) that made the call.
    {"netns-churn",
     "[gotuner, --mode, leaky]",
     "go/src/leakguard/gotuner/main.go",
     {{"fd.netns", "gotuner-netns"}, {}}},
    {"map-reload",
     "[goagent, --mode, leaky, --pin, /sys/fs/bpf/goagent]",
     "go/src/leakguard/goagent/main.go",
     {{"fd.bpf_map", "goagent-map"}, {"target.bpf_pins", "goagent-pin"}}},
};

class Attribution : public ::testing::TestWithParam<int> {};

TEST_P(Attribution, LeakyTargetNamesItsLeakLine) {
  if (geteuid() != 0) GTEST_SKIP() << "end-to-end runs need root (namespaces, cgroups, BPF)";
  const Case& c = kCases[GetParam()];
  std::string program = std::string(c.target).substr(1, std::string(c.target).find(',') - 1);
  if ((program == "gotuner" || program == "goagent") && !LEAKGUARD_GO_TARGETS &&
      access(e2e::bin(program).c_str(), X_OK) != 0)
    GTEST_SKIP() << program << " was not built: leakguard was configured with -DLEAKGUARD_GO_TARGETS=OFF";
  std::string file = std::string(c.file).substr(std::string(c.file).rfind('/') + 1);  // "main.go"
  e2e::TempDir out;
  e2e::Result r = e2e::run({e2e::bin("leakguard"), "run", e2e::source(std::string("scenarios/") + c.scenario + ".yaml"),
                            "--out", out.path, "--set", std::string("target.command=") + c.target});
  SCOPED_TRACE(r.output);
  EXPECT_EQ(r.exit_code, 1);
  std::string dir = out.path + "/" + c.scenario;
  std::ifstream junit(dir + "/junit.xml"), html(dir + "/report.html");
  std::string junit_text((std::istreambuf_iterator<char>(junit)), {}),
      html_text((std::istreambuf_iterator<char>(html)), {});
  EXPECT_EQ(e2e::schema_errors(dir + "/junit.xml"), "");
  nlohmann::json j = read_json(dir + "/attribution.json");
  ASSERT_EQ(j.value("format", ""), "leakguard-attribution");
  for (const Expect& e : c.expect) {
    if (!e.metric) continue;
    SCOPED_TRACE(e.metric);
    int line = marker_line(std::string("targets/") + c.file, e.marker);
    ASSERT_GT(line, 0) << "no LEAK-SITE: " << e.marker << " in targets/" << c.file;
    std::string where = file + ":" + std::to_string(line);
    // The console, the JUnit failure text and the HTML name the line under the failing check.
    EXPECT_NE(r.output.find(where), std::string::npos) << "console does not name " << where;
    EXPECT_NE(junit_text.find(where), std::string::npos) << "junit.xml does not name " << where;
    EXPECT_NE(html_text.find(where), std::string::npos) << "report.html does not name " << where;
    nlohmann::json d = diagnosis(j, e.metric);
    ASSERT_FALSE(d.is_null()) << "no diagnosis for " << e.metric << " in " << j.dump(1);
    ASSERT_FALSE(d["sites"].empty());
    // The largest site is the leak, named by its line; its frames carry module, build-id, offset.
    const auto& top = d["sites"][0];
    EXPECT_NE(top.value("headline", "").find(where), std::string::npos) << top.dump(1);
    EXPECT_GT(top.value("count", 0), 0);
    bool frame = false;
    for (const auto& f : top["frames"]) {
      if (f.value("file", "") == file && f.value("line", 0) == line) {
        frame = true;
        EXPECT_TRUE(f.value("target_code", false));
        EXPECT_FALSE(f.value("module", "").empty());
        EXPECT_FALSE(f.value("build_id", "").empty());
        EXPECT_NE(f.value("offset", "0x0"), "0x0");
      }
    }
    EXPECT_TRUE(frame) << "no frame at " << where << " in " << top.dump(1);
    EXPECT_EQ(top["t"].size(), top["counts"].size());
    EXPECT_FALSE(top["t"].empty()) << "the site's count over time is missing";
  }
  // The target is built with debug info: no note says it is missing (a system library's may be).
  EXPECT_EQ(r.output.find("no debug info for " + e2e::bin(program)), std::string::npos);

  // judge keeps it: the file stays, and re-judging does not fail on it.
  e2e::Result jr = e2e::run({e2e::bin("leakguard"), "judge", dir});
  EXPECT_EQ(jr.exit_code, 1) << jr.output;
  EXPECT_EQ(jr.output.find("warning"), std::string::npos) << jr.output;
  EXPECT_FALSE(diagnosis(read_json(dir + "/attribution.json"), c.expect[0].metric).is_null());
}

INSTANTIATE_TEST_SUITE_P(Targets, Attribution, ::testing::Range(0, (int)(sizeof kCases / sizeof kCases[0])));

// A fixed target: every check passes and nothing is named as a leak.
TEST(AttributionFixed, NamesNothing) {
  if (geteuid() != 0) GTEST_SKIP() << "end-to-end runs need root (namespaces, cgroups, BPF)";
  e2e::TempDir out;
  e2e::Result r =
      e2e::run({e2e::bin("leakguard"), "run", e2e::source("scenarios/map-reload.yaml"), "--out", out.path, "--quiet",
                "--set", "target.command=[maploader, --mode, fixed, --pin, /sys/fs/bpf/maploader]"});
  SCOPED_TRACE(r.output);
  EXPECT_EQ(r.exit_code, 0);
  nlohmann::json j = read_json(out.path + "/map-reload/attribution.json");
  ASSERT_EQ(j.value("format", ""), "leakguard-attribution");
  for (const char* m : {"target.bpf_maps", "target.bpf_pins"}) {
    nlohmann::json d = diagnosis(j, m);
    EXPECT_TRUE(d.is_null() || d["sites"].empty()) << d.dump(1);
  }
}

// Default checks (target-owned residue) on a correct target stay green while another process
// on the machine creates and frees BPF maps and network namespaces, and leaves some behind
// until the end of the run.
TEST(AttributionResidue, OtherTenantsDoNotMoveTargetResidue) {
  if (geteuid() != 0) GTEST_SKIP() << "end-to-end runs need root (namespaces, cgroups, BPF)";
  e2e::TempDir out;
  std::string yaml = out.path + "/tenant.yaml";
  {
    std::ofstream f(yaml);
    f << "name: tenant\n"
         "target:\n"
         "  command: [maploader, --mode, fixed]\n"
         "  ready: {stdout: ready, timeout: 10s}\n"
         "phases:\n"
         "  - name: reload\n"
         "    workloads:\n"
         "      - {kind: signal, signal: HUP, count: 20, rate: 20/s}\n";
  }
  // The other tenant: a child process (outside leakguard's cgroup) that churns maps and
  // namespaces, and holds a growing set of them.
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t tenant = fork();
  if (tenant == 0) {
    close(ready[0]);
    std::vector<int> held;
    bool said = false;
    for (int i = 0; i < 100000; i++) {
      int m = bpf_map_create(BPF_MAP_TYPE_HASH, "tenant", 4, 4, 16, nullptr);
      if (i % 10 == 0)
        held.push_back(m);
      else if (m >= 0)
        close(m);
      if (i % 20 == 0 && unshare(CLONE_NEWNET) == 0) held.push_back(open("/proc/thread-self/ns/net", O_RDONLY));
      if (!said && i > 50) {
        said = true;
        (void)!write(ready[1], "r", 1);
      }
      usleep(2000);
    }
    _exit(0);
  }
  close(ready[1]);
  char ch;
  ASSERT_EQ(read(ready[0], &ch, 1), 1);
  close(ready[0]);
  e2e::Result r = e2e::run({e2e::bin("leakguard"), "run", yaml, "--out", out.path});
  kill(tenant, SIGKILL);
  waitpid(tenant, nullptr, 0);
  SCOPED_TRACE(r.output);
  EXPECT_EQ(r.exit_code, 0);
  for (const char* check : {"target.netns max_residue <= 0", "target.bpf_maps max_residue <= 0"})
    EXPECT_NE(r.output.find(std::string("PASS   ") + check), std::string::npos) << check;
}

}  // namespace
