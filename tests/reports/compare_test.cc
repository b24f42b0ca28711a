// SPDX-License-Identifier: MIT
// The outputs of `leakguard compare`: the console table, JUnit valid under the project's
// schema, the HTML page with both runs overlaid; hostile labels and run text made safe.
#include <gtest/gtest.h>

#include <fstream>
#include <pugixml.hpp>

#include "reports/compare_report.h"
#include "reports/fixtures.h"

using namespace lg;
using namespace lg::test;

namespace {

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

size_t count(const std::string& s, const std::string& part) {
  size_t n = 0;
  for (size_t at = s.find(part); at != std::string::npos; at = s.find(part, at + 1)) n++;
  return n;
}

std::vector<Check> checks_of(const RunResult& r) {
  std::vector<Check> out;
  for (const auto& v : r.verdicts) out.push_back(v.check);
  return out;
}

// The runs a comparison reads, kept alive with it.
struct Fixture {
  std::vector<RunResult> runs;
  CompareReport rep;
  Fixture(std::vector<RunResult> rs, std::vector<std::string> labels, const std::string& out_dir = "") {
    runs = std::move(rs);
    std::vector<const Series*> series;
    std::vector<std::vector<Check>> checks;
    for (const auto& r : runs) {
      rep.runs.push_back(&r);
      series.push_back(&r.series);
      checks.push_back(checks_of(r));
    }
    rep.labels = std::move(labels);
    rep.comparison = compare_runs(series, checks);
    rep.out_dir = out_dir;
  }
};

// fixed: fd.netns flat; leaky: fd.netns leaks 1 per 100 netns. Both judge the same checks.
std::vector<RunResult> fixed_then_leaky(const std::string& out_root = "") {
  RunResult fixed = passing_run(out_root, "netns-churn"), leaky = failing_run(out_root, "netns-churn");
  leaky.verdicts = fixed.verdicts;
  leaky.verdicts[0].outcome = Outcome::Fail;
  leaky.timestamp = "2026-11-23T03:15:55";
  return {fixed, leaky};
}

}  // namespace

TEST(CompareConsole, BothFiguresTheChangeAndTheAnswer) {
  Fixture f(fixed_then_leaky(), {"v1/netns-churn", "v2/netns-churn"});
  std::string out = compare_console(f.rep);
  EXPECT_TRUE(has(out, "compare netns-churn: baseline against candidate")) << out;
  EXPECT_TRUE(has(out, "baseline:  v1/netns-churn")) << out;
  EXPECT_TRUE(has(out, "candidate: v2/netns-churn")) << out;
  // fd.netns: 0 per 1000 before, 10 per 1000 now.
  EXPECT_TRUE(has(out, "fd.netns max_slope <= 1 per 1000 netns  0 (0-0)")) << out;
  EXPECT_TRUE(has(out, "  worse\n")) << out;
  EXPECT_TRUE(has(out, "worse  fd.netns max_slope <= 1 per 1000 netns: fd.netns grows faster: 9.88 (")) << out;
  // fd.total is flat in both: "~" and "same", first-class.
  EXPECT_TRUE(has(out, "~")) << out;
  EXPECT_TRUE(has(out, "  same\n")) << out;
  EXPECT_TRUE(has(out, "WORSE: 1 worse, 0 better, 2 same, 0 not comparable")) << out;
  Fixture r(std::vector<RunResult>{f.runs[1], f.runs[0]}, {"v2", "v1"});
  EXPECT_TRUE(has(compare_console(r.rep), "BETTER: 0 worse, 1 better, 2 same")) << compare_console(r.rep);
}

TEST(CompareConsole, NotesChecksOfOneRunAndRunProblems) {
  RunResult a = passing_run("", "netns-churn"), b = failing_run("", "netns-churn");
  b.interrupted = true;
  Fixture f({a, b}, {"a", "b"});
  std::string out = compare_console(f.rep);
  EXPECT_TRUE(has(out, "note:  fd.total max_growth <= 20: only the baseline judged it; not compared")) << out;
  EXPECT_TRUE(has(out, "note:  fd.total max <= 100: only the candidate judged it; not compared")) << out;
  EXPECT_TRUE(has(out, "note:  the candidate run was interrupted")) << out;
}

TEST(CompareConsole, TrendHasAColumnPerRun) {
  auto two = fixed_then_leaky();
  Fixture f({two[0], two[0], two[1]}, {"r1", "r2", "r3"});
  std::string out = compare_console(f.rep);
  EXPECT_TRUE(has(out, "3 runs, in release order")) << out;
  EXPECT_TRUE(has(out, "check                                   run 1    run 2    run 3")) << out;
  EXPECT_TRUE(has(out, "compare run 3 with run 2")) << out;
  EXPECT_TRUE(has(out, "WORSE: 1 worse")) << out;
}

TEST(CompareJunit, OneTestcasePerCheckFailureWithBothFiguresValid) {
  TempDir dir;
  Fixture f(fixed_then_leaky(), {"v1/netns-churn", "v2/netns-churn"}, dir.path + "/cmp");
  std::string path = dir.path + "/compare.xml", err;
  ASSERT_TRUE(write_compare_html(f.rep, err)) << err;
  ASSERT_TRUE(write_compare_junit(f.rep, path, err)) << err;
  EXPECT_VALID_JUNIT(path);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(path.c_str()));
  auto suite = doc.child("testsuites").child("testsuite");
  EXPECT_STREQ(suite.attribute("name").value(), "compare netns-churn");
  EXPECT_EQ(suite.attribute("tests").as_int(), 3);
  EXPECT_EQ(suite.attribute("failures").as_int(), 1);
  int cases = 0;
  for (auto tc : suite.children("testcase")) {
    cases++;
    std::string name = tc.attribute("name").value();
    if (name == "fd.netns max_slope <= 1 per 1000 netns") {
      auto fail = tc.child("failure");
      ASSERT_TRUE(fail) << name;
      EXPECT_STREQ(fail.attribute("type").value(), "regression");
      std::string body = fail.text().get();
      EXPECT_TRUE(has(body, "baseline: 0 (0-0)")) << body;
      EXPECT_TRUE(has(body, "candidate: 9.88 (")) << body;
      EXPECT_TRUE(has(body, "change: +9.88 (")) << body;
      std::string out = tc.child("system-out").text().get();
      EXPECT_TRUE(has(out, "[[ATTACHMENT|" + dir.path + "/cmp/plots/fd.netns.svg]]")) << out;
    } else {
      EXPECT_FALSE(tc.child("failure")) << name;
    }
  }
  EXPECT_EQ(cases, 3);
}

TEST(CompareJunit, NotComparableIsSkipped) {
  auto runs = fixed_then_leaky();
  runs[1].series.unavailable[0] = "BPF census not available";
  Fixture f(runs, {"a", "b"});
  TempDir dir;
  std::string path = dir.path + "/c.xml", err;
  ASSERT_TRUE(write_compare_junit(f.rep, path, err)) << err;
  EXPECT_VALID_JUNIT(path);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(path.c_str()));
  auto suite = doc.child("testsuites").child("testsuite");
  EXPECT_EQ(suite.attribute("skipped").as_int(), 1);
  EXPECT_EQ(suite.attribute("failures").as_int(), 0);
}

TEST(CompareHtml, BothSeriesOverlaidPerTimeAndPerEvent) {
  TempDir dir;
  Fixture f(fixed_then_leaky(), {"v1/netns-churn", "v2/netns-churn"}, dir.path + "/cmp");
  std::string err;
  ASSERT_TRUE(write_compare_html(f.rep, err)) << err;
  std::string html = read_file(dir.path + "/cmp/compare.html");
  ASSERT_FALSE(html.empty());
  EXPECT_TRUE(has(html, "<span class=\"badge worse\">worse</span>")) << html.substr(0, 2000);
  EXPECT_FALSE(has(html, "<script"));
  // The per-event check's chart: time panel, events panel and the figures panel, both runs in
  // each series panel (the candidate's colour is a style, the baseline's the default).
  std::string svg = compare_chart_svg(f.rep, 0);
  EXPECT_TRUE(has(svg, "fd.netns against time, both runs")) << svg.substr(0, 500);
  EXPECT_TRUE(has(svg, "fd.netns against netns events, both runs"));
  EXPECT_TRUE(has(svg, "fd.netns slope of each run (per 1000 netns)"));
  EXPECT_EQ(count(svg, "class=\"series\"/>"), 2u);                // baseline, time and events
  EXPECT_EQ(count(svg, "class=\"series\" style=\"stroke:"), 2u);  // candidate, time and events
  EXPECT_TRUE(has(html, svg.substr(0, 200)));                     // inline in the page
  EXPECT_FALSE(read_file(dir.path + "/cmp/plots/fd.netns.svg").empty());
  // A max_growth check: one time panel and the figures.
  std::string growth = compare_chart_svg(f.rep, 1);
  EXPECT_TRUE(has(growth, "fd.total against time, both runs"));
  EXPECT_FALSE(has(growth, "events, both runs"));
}

TEST(CompareHtml, HostileLabelsAndRunTextAreEscaped) {
  auto runs = fixed_then_leaky();
  runs[1].target_argv = {"/bin/x", "<script>alert(1)</script>"};
  runs[1].scenario = "netns-churn";
  Fixture f(runs, {"a<b>\x1b[31m", std::string("dir\0x", 5)});
  std::string html = compare_html(f.rep);
  EXPECT_FALSE(has(html, "<script>"));
  EXPECT_FALSE(has(html, "<b>"));
  EXPECT_FALSE(has(html, "\x1b"));
  EXPECT_FALSE(has(html, std::string(1, '\0')));
  EXPECT_TRUE(has(html, "a&lt;b&gt;")) << html.substr(0, 3000);
  std::string out = compare_console(f.rep);
  EXPECT_FALSE(has(out, "\x1b"));
  TempDir dir;
  std::string path = dir.path + "/c.xml", err;
  ASSERT_TRUE(write_compare_junit(f.rep, path, err)) << err;
  EXPECT_VALID_JUNIT(path);
}
