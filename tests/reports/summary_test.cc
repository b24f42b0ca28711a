// SPDX-License-Identifier: MIT
// The console summary and the text helpers behind every report.
#include <gtest/gtest.h>

#include "reports/fixtures.h"
#include "reports/report.h"
#include "reports/text.h"

namespace lg {
namespace {

TEST(Summary, OneLinePerCheckThenProblemsThenWhereReportsAre) {
  RunResult r = test::failing_run("/tmp/out");
  std::string s = console_summary(r);
  EXPECT_NE(s.find("FAIL   fd.netns max_slope <= 1 per 1000 netns  fd.netns grew 10 per 1000 netns"), std::string::npos)
      << s;
  EXPECT_NE(s.find("PASS   fd.total max <= 100  fd.total peaked at 21, limit 100\n"), std::string::npos) << s;
  EXPECT_NE(s.find("FAILED: 1 passed, 1 failed, 0 errors, 0 skipped\n"), std::string::npos) << s;
  EXPECT_NE(s.find("reports: /tmp/out/netns-leak/report.html\n"), std::string::npos) << s;
  EXPECT_LT(s.find("FAIL   "), s.find("reports: "));

  std::string e = console_summary(test::lifecycle_error_run("/tmp/out"));
  EXPECT_NE(e.find("ERROR  target became ready  exited with status 3 before ready\n"), std::string::npos) << e;
  EXPECT_NE(e.find("ERROR  workload churn/netns  netns: unshare failed: EPERM\n"), std::string::npos) << e;
  EXPECT_NE(e.find("WARN   workload churn/netns  slow start\n"), std::string::npos) << e;
  std::string p = console_summary(test::passing_run("/tmp/out"));
  EXPECT_NE(p.find("PASSED: 3 passed"), std::string::npos) << p;
  EXPECT_NE(console_summary(test::interrupted_run("")).find("ERROR  run  interrupted"), std::string::npos);
  EXPECT_NE(console_summary(test::environment_error_run("")).find("ERROR  environment  leakguard needs"),
            std::string::npos);
  EXPECT_NE(console_summary(test::skipped_run("")).find("SKIP   bpf.maps max_growth <= 0"), std::string::npos);
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
