// SPDX-License-Identifier: MIT
// The console summary and the text helpers behind every report.
#include <gtest/gtest.h>

#include <pugixml.hpp>

#include "reports/fixtures.h"
#include "reports/report.h"
#include "reports/text.h"

namespace lg {
namespace {

TEST(Summary, OneLinePerCheckThenProblemsThenTheReportsWritten) {
  RunResult r = test::failing_run("/tmp/out");
  std::string s = console_summary(r, {"/tmp/out/netns-leak/series.json", "/tmp/out/netns-leak/report.html"});
  EXPECT_NE(s.find("FAIL   fd.netns max_slope <= 1 per 1000 netns  fd.netns grew 10 per 1000 netns"), std::string::npos)
      << s;
  EXPECT_NE(s.find("PASS   fd.total max <= 100  fd.total peaked at 21, limit 100\n"), std::string::npos) << s;
  OutcomeCounts n = count_outcomes(r);
  EXPECT_NE(s.find("FAILED: " + std::to_string(n.passed) + " passed, 1 failed, 0 errors, 0 skipped (" +
                   std::to_string(n.tests) + " tests)\n"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("reports: /tmp/out/netns-leak/report.html\n         /tmp/out/netns-leak/series.json\n"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.find("junit.xml"), std::string::npos) << "a file not written is not named";
  EXPECT_LT(s.find("FAIL   "), s.find("reports: "));
  EXPECT_EQ(console_summary(r).find("reports:"), std::string::npos);

  std::string e = console_summary(test::lifecycle_error_run("/tmp/out"));
  EXPECT_NE(e.find("ERROR  target became ready  exited with status 3 before ready\n"), std::string::npos) << e;
  EXPECT_NE(e.find("ERROR  workload churn/netns  netns: unshare failed: EPERM\n"), std::string::npos) << e;
  EXPECT_NE(e.find("WARN   workload churn/netns  slow start\n"), std::string::npos) << e;
  std::string p = console_summary(test::passing_run("/tmp/out"));
  EXPECT_NE(p.find("PASSED: "), std::string::npos) << p;
  EXPECT_NE(console_summary(test::interrupted_run("")).find("ERROR  run  interrupted"), std::string::npos);
  EXPECT_NE(console_summary(test::environment_error_run("")).find("ERROR  environment  leakguard needs"),
            std::string::npos);
  EXPECT_NE(console_summary(test::skipped_run("")).find("SKIP   bpf.maps max_growth <= 0"), std::string::npos);
}

TEST(Summary, AReportThatCouldNotBeWrittenMakesTheRunFailed) {
  std::string s = console_summary(test::passing_run("/tmp/out"), {},
                                  "cannot write /tmp/out/netns-pass/series.json: No space left on device");
  EXPECT_NE(s.find("ERROR  reports  cannot write /tmp/out/netns-pass/series.json: No space left on device\n"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("FAILED: "), std::string::npos) << s;
  EXPECT_EQ(s.find("PASSED"), std::string::npos) << s;
  EXPECT_EQ(s.find("reports:"), std::string::npos) << s;
}

// The console, the JUnit testsuite and the HTML report count every outcome the same way.
TEST(Summary, ConsoleJunitAndHtmlAgreeOnEveryCount) {
  RunResult escaped = test::passing_run("/tmp/out", "escaped");
  escaped.escapes = {"target process 4711 (x) left its cgroup for /"};
  RunResult cut = test::interrupted_run("/tmp/out");
  cut.lifecycle[1].ok = false, cut.lifecycle[1].skipped = true;
  for (const RunResult& r :
       {test::passing_run("/tmp/out"), test::failing_run("/tmp/out"), test::skipped_run("/tmp/out"),
        test::lifecycle_error_run("/tmp/out"), test::no_target_run("/tmp/out"), test::interrupted_run("/tmp/out"),
        test::environment_error_run("/tmp/out"), escaped, cut}) {
    OutcomeCounts n = count_outcomes(r);
    char want[128];
    snprintf(want, sizeof want, "%d passed, %d failed, %d errors, %d skipped", n.passed, n.failed, n.errors, n.skipped);
    EXPECT_NE(console_summary(r).find(want), std::string::npos) << r.scenario << ": " << console_summary(r);
    EXPECT_NE(html_report(r).find(std::to_string(n.tests) + " tests: " + want), std::string::npos) << r.scenario;
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(junit_document({&r}).c_str()));
    auto suite = doc.child("testsuites").child("testsuite");
    EXPECT_EQ(suite.attribute("tests").as_int(), n.tests) << r.scenario;
    EXPECT_EQ(suite.attribute("failures").as_int(), n.failed) << r.scenario;
    EXPECT_EQ(suite.attribute("errors").as_int(), n.errors) << r.scenario;
    EXPECT_EQ(suite.attribute("skipped").as_int(), n.skipped) << r.scenario;
    int cases = 0;
    for (auto tc : suite.children("testcase")) cases += (bool)tc;
    EXPECT_EQ(cases, n.tests) << r.scenario;
  }
}

TEST(Text, CleanTextRemovesWhatXmlForbids) {
  EXPECT_EQ(clean_text("\x1b[1;31mred\x1b[0m"), "red");
  EXPECT_EQ(clean_text(std::string("a\0b", 3)), "ab");
  EXPECT_EQ(clean_text("x\x1b]0;title\x07y"), "xy");
  EXPECT_EQ(clean_text("x\x1b]0;title\x1b\\y"), "xy");
  EXPECT_EQ(clean_text("a\r\nb\rc"), "a\nb\nc");
  EXPECT_EQ(clean_text("\x01\x08\x0b\x0c\x7f"), "");
  EXPECT_EQ(clean_text("tab\tok"), "tab\tok");
  EXPECT_EQ(clean_text("\xff"), "\xef\xbf\xbd");
  EXPECT_EQ(clean_text("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");                  // overlong '/'
  EXPECT_EQ(clean_text("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
  EXPECT_EQ(clean_text("\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd");                  // truncated
  EXPECT_EQ(clean_text("\xc2\x85"), "");                                          // C1 control NEL
  EXPECT_EQ(clean_text("\xef\xbf\xbe"), "");                                      // U+FFFE
  EXPECT_EQ(clean_text("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\xa7"), "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\xa7");
  EXPECT_EQ(clean_text("end\x1b"), "end");
  EXPECT_EQ(clean_line("a\nb\tc\n"), "a b c");
}

TEST(Text, TailAndTimeAndQuoting) {
  bool cut = false;
  EXPECT_EQ(tail_bytes("short", 100, cut), "short");
  EXPECT_FALSE(cut);
  EXPECT_EQ(tail_bytes("line one\nline two\n", 12, cut), "line two\n");
  EXPECT_TRUE(cut);
  EXPECT_EQ(tail_bytes("\xc3\xa9\xc3\xa9\xc3\xa9", 3, cut), "\xc3\xa9");  // never half a character
  EXPECT_EQ(junit_seconds(1.23456), "1.235");
  EXPECT_EQ(junit_seconds(0), "0.000");
  EXPECT_EQ(junit_seconds(-1), "0.000");
  EXPECT_EQ(junit_seconds(NAN), "0.000");
  EXPECT_EQ(junit_seconds(12345.6), "12345.600");
  EXPECT_EQ(shell_join({"/bin/x", "--a=b", "two words", "it's", ""}), "/bin/x --a=b 'two words' 'it'\\''s' ''");
  EXPECT_EQ(file_safe("sys.slab.kmalloc-64"), "sys.slab.kmalloc-64");
  EXPECT_EQ(file_safe("a/b c"), "a_b_c");
  EXPECT_EQ(file_safe("..x"), "_..x");
  EXPECT_EQ(html_escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

}  // namespace
}  // namespace lg
