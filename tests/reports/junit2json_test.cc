// SPDX-License-Identifier: MIT
// A JUnit consumer the project did not write (npm junit2json) reads our reports.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include "reports/fixtures.h"
#include "reports/report.h"

namespace lg {
namespace {

TEST(ForeignConsumer, Junit2jsonParsesOurReport) {
  test::TempDir d;
  RunResult hostile = test::lifecycle_error_run(d.path);
  hostile.stdout_tail = test::hostile_text();
  std::vector<RunResult> runs = {test::passing_run(d.path), test::failing_run(d.path), test::skipped_run(d.path),
                                 hostile, test::environment_error_run(d.path)};
  std::string err, xml = d.path + "/all.xml";
  ASSERT_TRUE(write_junit(runs, xml, err)) << err;
  // passing: 3 lifecycle + 1 workload + 3 checks; failing: 3 + 1 + 2; skipped: 3 + 1 + 2;
  // lifecycle error: 3 + 1 + 1; environment: 1.
  int tests = 7 + 6 + 6 + 5 + 1, failures = 1, errors = 1 + 3 + 1;
  std::string script = std::string(LEAKGUARD_SOURCE_DIR) + "/tests/reports/junit2json_check.sh";
  std::string log = d.path + "/junit2json.log";
  std::string cmd = "'" + script + "' '" + xml + "' " + std::to_string(tests) + " " + std::to_string(failures) + " " +
                    std::to_string(errors) + " >'" + log + "' 2>&1";
  int rc = system(cmd.c_str());
  std::string out = read_file(log);
  ASSERT_TRUE(WIFEXITED(rc)) << out;
  if (WEXITSTATUS(rc) == 77) GTEST_SKIP() << "junit2json cannot run here: " << out;
  EXPECT_EQ(WEXITSTATUS(rc), 0) << out;
}

}  // namespace
}  // namespace lg
