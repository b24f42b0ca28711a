// SPDX-License-Identifier: MIT
// JUnit output: schema-valid for every kind of run, the right counts, the failing check's
// sentence and attachment, hostile target output, capped system-out.
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <regex>
#include <set>

#include "reports/report.h"
#include "reports/fixtures.h"

namespace lg {
namespace {

using test::TempDir;

pugi::xml_node find_case(const pugi::xml_document& doc, const std::string& name) {
  for (auto suite : doc.child("testsuites").children("testsuite"))
    for (auto tc : suite.children("testcase"))
      if (name == tc.attribute("name").as_string()) return tc;
  return {};
}

std::vector<RunResult> every_kind(const std::string& out) {
  return {test::passing_run(out),          test::failing_run(out),   test::skipped_run(out),
          test::lifecycle_error_run(out),  test::no_target_run(out), test::interrupted_run(out),
          test::environment_error_run(out)};
}

TEST(Junit, EveryKindOfRunValidatesAlone) {
  TempDir d;
  for (const auto& r : every_kind(d.path)) {
    std::string err, path = d.path + "/" + r.scenario + ".xml";
    ASSERT_TRUE(write_junit({r}, path, err)) << err;
    EXPECT_VALID_JUNIT(path);
  }
}

TEST(Junit, AllRunsInOneFileValidateAndCount) {
  TempDir d;
  std::string err, path = d.path + "/all.xml";
  auto runs = every_kind(d.path);
  ASSERT_TRUE(write_junit(runs, path, err)) << err;
  EXPECT_VALID_JUNIT(path);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(path.c_str()));
  auto root = doc.child("testsuites");
  EXPECT_EQ(std::distance(root.children("testsuite").begin(), root.children("testsuite").end()), (long)runs.size());
  // Every count attribute agrees with the elements below it.
  long tests = 0, failures = 0, errors = 0;
  for (auto suite : root.children("testsuite")) {
    long t = 0, f = 0, e = 0, s = 0;
    for (auto tc : suite.children("testcase")) {
      t++;
      f += !!tc.child("failure"), e += !!tc.child("error"), s += !!tc.child("skipped");
      EXPECT_EQ(suite.attribute("name").as_string(), std::string(tc.attribute("classname").as_string()));
      EXPECT_TRUE(std::regex_match(tc.attribute("time").as_string(), std::regex("[0-9]+\\.[0-9]{3}")))
          << tc.attribute("time").as_string();
    }
    EXPECT_EQ(suite.attribute("tests").as_int(), t);
    EXPECT_EQ(suite.attribute("failures").as_int(), f);
    EXPECT_EQ(suite.attribute("errors").as_int(), e);
    EXPECT_EQ(suite.attribute("skipped").as_int(), s);
    EXPECT_STREQ(suite.attribute("time").as_string(), "31.235");
    tests += t, failures += f, errors += e;
  }
  EXPECT_EQ(root.attribute("tests").as_int(), tests);
  EXPECT_EQ(root.attribute("failures").as_int(), failures);
  EXPECT_EQ(root.attribute("errors").as_int(), errors);
  EXPECT_EQ(failures, 1);  // only the leaking check
}

TEST(Junit, FailingCheckCarriesSentenceNumbersAndAttachment) {
  TempDir d;
  RunResult r = test::failing_run(d.path);
  std::string err;
  ASSERT_TRUE(write_reports(r, err)) << err;
  std::string path = r.out_dir + "/junit.xml";
  EXPECT_VALID_JUNIT(path);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(path.c_str()));
  auto tc = find_case(doc, "fd.netns max_slope <= 1 per 1000 netns");
  ASSERT_TRUE(tc);
  auto f = tc.child("failure");
  ASSERT_TRUE(f);
  EXPECT_STREQ(f.attribute("type").as_string(), "leak");
  EXPECT_EQ(f.attribute("message").as_string(), r.verdicts[0].sentence);
  std::string body = f.text().as_string();
  EXPECT_NE(body.find("slope: 0.01 per netns"), std::string::npos) << body;
  EXPECT_NE(body.find("netns events: 1,000"), std::string::npos) << body;
  std::string out = tc.child("system-out").text().as_string();
  std::string svg = r.out_dir + "/plots/fd.netns.svg";
  EXPECT_NE(out.find("\n[[ATTACHMENT|" + svg + "]]\n"), std::string::npos) << out;
  EXPECT_EQ(svg[0], '/');
  EXPECT_TRUE(std::filesystem::exists(svg));
  // The passing check has no attachment line.
  auto ok = find_case(doc, "fd.total max <= 100");
  ASSERT_TRUE(ok);
  EXPECT_FALSE(ok.child("failure"));
  EXPECT_EQ(std::string(ok.child("system-out").text().as_string()).find("ATTACHMENT"), std::string::npos);
}

TEST(Junit, PropertiesDescribeTheRun) {
  TempDir d;
  std::string err, path = d.path + "/p.xml";
  ASSERT_TRUE(write_junit({test::passing_run(d.path)}, path, err)) << err;
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(path.c_str()));
  std::map<std::string, std::string> props;
  for (auto p : doc.child("testsuites").child("testsuite").child("properties").children("property"))
    props[p.attribute("name").as_string()] = p.attribute("value").as_string();
  EXPECT_EQ(props["leakguard.version"], "0.1.0");
  EXPECT_EQ(props["kernel"], "6.18.0");
  EXPECT_EQ(props["backend"], "bpf");
  EXPECT_EQ(props["seed"], "42");
  EXPECT_EQ(props["target.argv"], "/work/main/build/bin/leaky_netns --rate 50 'it'\\''s'");
  EXPECT_EQ(props["workload.churn/netns.achieved_rate"], "49.8/s (asked 50.0/s)");
  EXPECT_EQ(props["containment"], "cgroup /sys/fs/cgroup/leakguard-123");
  auto suite = doc.child("testsuites").child("testsuite");
  EXPECT_STREQ(suite.attribute("timestamp").as_string(), "2026-11-22T03:15:55");
  EXPECT_STREQ(suite.attribute("hostname").as_string(), "ci-node-1");
}

// Issue 17: two workloads of one kind get distinct testcases; target.env and the run's
// warnings are suite properties (the schema allows no properties on testcases).
TEST(Junit, WorkloadNamesEnvAndWarnings) {
  TempDir d;
  RunResult r = test::passing_run(d.path);
  r.workloads.push_back(r.workloads[0]);
  r.workloads[1].name = "netns-2";
  r.target_env = {{"TUNER_LOG", "debug"}};
  r.warnings = {"the target used no CPU during phase 'churn' (10s, 1,000 netns): did it see the churn?"};
  std::string err, path = d.path + "/w.xml";
  ASSERT_TRUE(write_junit({r}, path, err)) << err;
  EXPECT_VALID_JUNIT(path);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(path.c_str()));
  EXPECT_TRUE(find_case(doc, "churn/netns achieved what was asked"));
  EXPECT_TRUE(find_case(doc, "churn/netns-2 achieved what was asked"));
  std::map<std::string, std::string> props;
  for (auto p : doc.child("testsuites").child("testsuite").child("properties").children("property"))
    props[p.attribute("name").as_string()] = p.attribute("value").as_string();
  EXPECT_EQ(props["target.env.TUNER_LOG"], "debug");
  EXPECT_EQ(props["warning.1"], r.warnings[0]);
  EXPECT_EQ(props["workload.churn/netns-2.achieved_rate"], "49.8/s (asked 50.0/s)");
  std::string console = console_summary(r);
  EXPECT_NE(console.find("WARN   run  the target used no CPU"), std::string::npos) << console;
  std::string html = html_report(r);
  EXPECT_NE(html.find("<b>Warning:</b> the target used no CPU"), std::string::npos);
  EXPECT_NE(html.find("TUNER_LOG=debug"), std::string::npos);
}

TEST(Junit, SkippedAndRequiredUnmeasuredChecks) {
  TempDir d;
  std::string err, path = d.path + "/s.xml";
  RunResult r = test::skipped_run(d.path);
  ASSERT_TRUE(write_junit({r}, path, err)) << err;
  EXPECT_VALID_JUNIT(path);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(path.c_str()));
  auto suite = doc.child("testsuites").child("testsuite");
  EXPECT_EQ(suite.attribute("skipped").as_int(), 1);
  EXPECT_EQ(suite.attribute("errors").as_int(), 1);
  int skipped = 0, errors = 0;
  for (auto tc : suite.children("testcase")) {
    if (auto s = tc.child("skipped")) {
      skipped++;
      EXPECT_EQ(s.attribute("message").as_string(), r.verdicts[0].sentence);
    }
    if (tc.child("error")) errors++;
  }
  EXPECT_EQ(skipped, 1);
  EXPECT_EQ(errors, 1);
}

TEST(Junit, LifecycleWorkloadInterruptAndEnvironmentAreErrors) {
  TempDir d;
  std::string err, path = d.path + "/e.xml";
  ASSERT_TRUE(write_junit({test::lifecycle_error_run(d.path), test::interrupted_run(d.path),
                           test::environment_error_run(d.path), test::no_target_run(d.path)},
                          path, err))
      << err;
  EXPECT_VALID_JUNIT(path);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(path.c_str()));
  auto ready = find_case(doc, "target became ready");
  ASSERT_TRUE(ready.child("error"));
  EXPECT_STREQ(ready.child("error").attribute("type").as_string(), "lifecycle");
  EXPECT_STREQ(ready.child("error").attribute("message").as_string(), "exited with status 3 before ready");
  EXPECT_NE(std::string(ready.child("system-err").text().as_string()).find("cannot bind"), std::string::npos);
  auto wl = find_case(doc, "churn/netns achieved what was asked");
  ASSERT_TRUE(wl.child("error"));
  EXPECT_STREQ(wl.child("error").attribute("type").as_string(), "workload");
  auto intr = find_case(doc, "run: finished without interruption");
  ASSERT_TRUE(intr.child("error"));
  EXPECT_STREQ(intr.child("error").attribute("type").as_string(), "interrupted");
  auto env = find_case(doc, "environment: the run could start");
  ASSERT_TRUE(env.child("error"));
  EXPECT_NE(std::string(env.child("error").attribute("message").as_string()).find("CAP_SYS_ADMIN"), std::string::npos);
  // The system-only scenario reports its three lifecycle steps as skipped.
  pugi::xml_node sys;
  for (auto s : doc.child("testsuites").children("testsuite"))
    if (std::string(s.attribute("name").as_string()) == "system-only") sys = s;
  ASSERT_TRUE(sys);
  int skipped = 0;
  for (auto tc : sys.children("testcase"))
    if (std::string(tc.attribute("name").as_string()).rfind("target ", 0) == 0 && tc.child("skipped")) skipped++;
  EXPECT_EQ(skipped, 3);
}

TEST(Junit, HostileTargetOutputStillValid) {
  TempDir d;
  RunResult r = test::lifecycle_error_run(d.path);
  r.stdout_tail = test::hostile_text();
  r.stderr_tail = test::hostile_text();
  r.lifecycle[1].message = "died: \x1b[1mboom\x1b[0m \xff";
  r.lifecycle[1].detail = test::hostile_text();
  r.verdicts[0].sentence = "odd \x01 sentence \x1b[31m";
  r.lifecycle[2] = {"stopped cleanly", true, false, "exited 0", "", 0.1};
  std::string err, path = d.path + "/h.xml";
  ASSERT_TRUE(write_junit({r}, path, err)) << err;
  EXPECT_VALID_JUNIT(path);
  std::string text = read_file(path);
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_EQ(text.find('\0'), std::string::npos);
  EXPECT_EQ(text.find('\x01'), std::string::npos);
  EXPECT_NE(text.find("red ok"), std::string::npos);
  EXPECT_NE(text.find("bad utf8: \xef\xbf\xbd"), std::string::npos);  // U+FFFD
  EXPECT_NE(text.find("died: boom \xef\xbf\xbd"), std::string::npos);
  EXPECT_NE(text.find("&lt;testcase name="), std::string::npos);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(path.c_str()));
}

TEST(Junit, SystemOutIsCappedAndSaysWhereTheLogIs) {
  TempDir d;
  RunResult r = test::passing_run(d.path);
  std::string big;
  for (int i = 0; big.size() < 1024 * 1024; i++) big += "line " + std::to_string(i) + " of a chatty target\n";
  r.stdout_tail = big;
  std::string err, path = d.path + "/c.xml";
  ASSERT_TRUE(write_junit({r}, path, err)) << err;
  EXPECT_VALID_JUNIT(path);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(path.c_str()));
  auto tc = find_case(doc, "target stopped cleanly");
  std::string out = tc.child("system-out").text().as_string();
  EXPECT_LE(out.size(), 64 * 1024 + 300u);
  EXPECT_GE(out.size(), 60 * 1024u);
  EXPECT_NE(out.find("full log: " + r.stdout_log), std::string::npos);
  // The end of the log is kept, whole lines first.
  EXPECT_NE(out.find(big.substr(big.size() - 40)), std::string::npos);
}

}  // namespace
}  // namespace lg
