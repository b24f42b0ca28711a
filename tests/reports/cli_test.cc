// SPDX-License-Identifier: MIT
// `leakguard merge` and `leakguard judge` as a user runs them (skipped when the binary is not built).
#include <gtest/gtest.h>
#include <pugixml.hpp>
#include <sys/wait.h>

#include "reports/fixtures.h"
#include "reports/report.h"

namespace lg {
namespace {

std::string leakguard() { return std::string(LEAKGUARD_BIN_DIR) + "/leakguard"; }

// Runs a command line; returns the exit status and its stdout+stderr.
int run(const std::string& args, std::string& out, const std::string& dir) {
  std::string log = dir + "/cmd.log";
  int rc = system((leakguard() + " " + args + " >'" + log + "' 2>&1").c_str());
  out = read_file(log);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

#define NEED_BINARY() \
  if (access(leakguard().c_str(), X_OK) != 0) GTEST_SKIP() << leakguard() << " not built (target leakguard)"

TEST(Cli, MergeWritesOneValidFileAndNamesBadInputs) {
  NEED_BINARY();
  test::TempDir d;
  std::string err, a = d.path + "/a.xml", b = d.path + "/b.xml", out = d.path + "/m.xml", o;
  ASSERT_TRUE(write_junit({test::passing_run(d.path)}, a, err)) << err;
  ASSERT_TRUE(write_junit({test::failing_run(d.path)}, b, err)) << err;
  EXPECT_EQ(run("merge '" + out + "' '" + a + "' '" + b + "'", o, d.path), 0) << o;
  EXPECT_VALID_JUNIT(out);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(out.c_str()));
  EXPECT_EQ(doc.child("testsuites").attribute("failures").as_int(), 1);
  EXPECT_EQ(run("merge '" + out + "' '" + a + "' '" + d.path + "/missing.xml'", o, d.path), 2);
  EXPECT_EQ(o,
            "leakguard: error: merge: " + d.path + "/missing.xml: cannot read the file: No such file or directory\n");
}

TEST(Cli, JudgeRejudgesARecordedRunAndRewritesItsReports) {
  NEED_BINARY();
  test::TempDir d;
  RunResult r = test::failing_run(d.path);
  std::string err, o;
  ASSERT_TRUE(write_reports(r, err)) << err;
  // Recorded checks: the leak fails again, exit 1, the summary names it.
  EXPECT_EQ(run("judge '" + r.out_dir + "'", o, d.path), 1) << o;
  EXPECT_NE(o.find("FAIL   fd.netns max_slope <= 1 per 1000 netns  fd.netns grew"), std::string::npos) << o;
  EXPECT_VALID_JUNIT(r.out_dir + "/junit.xml");
  // With a scenario whose only check is generous, the same run passes and the reports say so.
  std::string yaml = d.path + "/loose.yaml";
  ASSERT_TRUE(write_file(yaml,
                         "name: netns-leak\n"
                         "target:\n  command: [sleep, '60']\n"
                         "phases:\n  - name: churn\n    workloads:\n      - kind: netns\n        count: 10\n"
                         "checks:\n  - metric: fd.netns\n    max_slope: 50 per 1000 netns\n",
                         err));
  EXPECT_EQ(run("judge '" + r.out_dir + "' --scenario '" + yaml + "'", o, d.path), 0) << o;
  EXPECT_NE(o.find("PASS   fd.netns max_slope <= 50 per 1000 netns"), std::string::npos) << o;
  RunResult b;
  ASSERT_TRUE(read_series_json(r.out_dir + "/series.json", b, err)) << err;
  ASSERT_EQ(b.verdicts.size(), 1u);
  EXPECT_EQ(b.verdicts[0].outcome, Outcome::Pass);
  EXPECT_NE(read_file(r.out_dir + "/report.html").find("50 per 1000 netns"), std::string::npos);
  // Unreadable run directory: exit 2 with one line.
  EXPECT_EQ(run("judge '" + d.path + "/none'", o, d.path), 2);
  EXPECT_EQ(o, "leakguard: error: judge: " + d.path + "/none: no such run directory\n");
}

}  // namespace
}  // namespace lg
