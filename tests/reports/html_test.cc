// SPDX-License-Identifier: MIT
// report.html and the SVG charts: self-contained, escaped, a chart per judged metric.
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include "reports/fixtures.h"
#include "reports/plot.h"
#include "reports/report.h"

namespace lg {
namespace {

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) n++;
  return n;
}

TEST(Html, SelfContainedWithVerdictsChartsAndEscapedOutput) {
  test::TempDir d;
  RunResult r = test::failing_run(d.path);
  r.stdout_tail = test::hostile_text();
  std::string err;
  ASSERT_TRUE(write_reports(r, err)) << err;
  std::string html = read_file(r.out_dir + "/report.html");
  ASSERT_FALSE(html.empty());
  // Nothing to fetch: no script, no stylesheet or image link, the only URL is the SVG namespace.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(count(html, "http"), count(html, "http://www.w3.org/2000/svg"));
  // Verdicts first, with colours by outcome.
  size_t table = html.find("<table class=\"verdicts\">");
  ASSERT_NE(table, std::string::npos);
  EXPECT_LT(table, html.find("<svg"));
  EXPECT_NE(html.find("<tr class=\"FAIL\"><td><span class=\"badge FAIL\">FAIL</span>"), std::string::npos);
  EXPECT_NE(html.find("fd.netns grew 10 per 1000 netns"), std::string::npos);
  // One inline chart per judged metric.
  EXPECT_EQ(count(html, "<svg "), r.verdicts.size());
  // Target output is escaped and cleaned.
  EXPECT_EQ(html.find('\x1b'), std::string::npos);
  EXPECT_EQ(html.find('\0'), std::string::npos);
  EXPECT_EQ(html.find("<testcase"), std::string::npos);
  EXPECT_NE(html.find("&lt;testcase name=&quot;x&quot;/&gt;"), std::string::npos);
  // Standalone charts are well-formed XML.
  for (const char* name : {"fd.netns.svg", "fd.total.svg"}) {
    std::string path = r.out_dir + "/plots/" + name;
    pugi::xml_document doc;
    auto res = doc.load_file(path.c_str());
    EXPECT_TRUE(res) << path << ": " << res.description();
    EXPECT_STREQ(doc.document_element().name(), "svg");
  }
}

TEST(Html, PerEventChartHasTimeAndEventPanelsWithFitAndLimit) {
  test::TempDir d;
  RunResult r = test::failing_run(d.path);
  std::string svg = verdict_chart_svg(r, r.verdicts[0]);
  EXPECT_NE(svg.find("fd.netns against time"), std::string::npos);
  EXPECT_NE(svg.find("fd.netns against netns events"), std::string::npos);
  EXPECT_EQ(count(svg, ">fitted slope<"), 2u);
  EXPECT_EQ(count(svg, ">limit 1 per 1000 netns<"), 2u);
  EXPECT_EQ(count(svg, ">baseline<"), 2u);
  for (const char* phase : {">warmup<", ">churn<", ">cooldown<"})
    EXPECT_NE(svg.find(phase), std::string::npos) << phase;
  // A max check has one panel and its limit.
  std::string max = verdict_chart_svg(r, r.verdicts[1]);
  EXPECT_EQ(max.find("against netns events"), std::string::npos);
  EXPECT_NE(max.find(">limit 100<"), std::string::npos);
}

TEST(Html, UnmeasuredMetricHasNoChartButAReason) {
  test::TempDir d;
  RunResult r = test::skipped_run(d.path);
  EXPECT_EQ(verdict_chart_svg(r, r.verdicts[0]), "");
  auto paths = plot_paths(r);
  ASSERT_EQ(paths.size(), 2u);
  EXPECT_EQ(paths[0], "");
  std::string html = html_report(r);
  EXPECT_NE(html.find("BPF census not available: procfs cannot count maps"), std::string::npos);
  EXPECT_NE(html.find("badge SKIP"), std::string::npos);
}

TEST(Html, EnvironmentErrorAndInterruptedShowBanners) {
  test::TempDir d;
  std::string env = html_report(test::environment_error_run(d.path));
  EXPECT_NE(env.find("The run could not start"), std::string::npos);
  EXPECT_NE(env.find("badge FAIL\">FAIL</span></h1>"), std::string::npos);
  std::string intr = html_report(test::interrupted_run(d.path));
  EXPECT_NE(intr.find("Interrupted:"), std::string::npos);
}

TEST(Html, RewritingDropsChartsOfChecksNoLongerJudged) {
  test::TempDir d;
  RunResult r = test::failing_run(d.path);
  std::string err;
  ASSERT_TRUE(write_reports(r, err)) << err;
  ASSERT_TRUE(std::filesystem::exists(r.out_dir + "/plots/fd.total.svg"));
  r.verdicts.pop_back();
  ASSERT_TRUE(write_reports(r, err)) << err;
  EXPECT_TRUE(std::filesystem::exists(r.out_dir + "/plots/fd.netns.svg"));
  EXPECT_FALSE(std::filesystem::exists(r.out_dir + "/plots/fd.total.svg"));
}

TEST(Html, SecondCheckOnAMetricGetsItsOwnFile) {
  test::TempDir d;
  RunResult r = test::passing_run(d.path);
  r.verdicts.push_back(r.verdicts[0]);
  auto paths = plot_paths(r);
  EXPECT_EQ(paths[0], r.out_dir + "/plots/fd.netns.svg");
  EXPECT_EQ(paths[3], r.out_dir + "/plots/fd.netns.2.svg");
}

TEST(Downsample, KeepsExtremesGapsAndOrder) {
  std::vector<double> x, y;
  for (int i = 0; i < 100000; i++) {
    x.push_back(i * 0.01);
    y.push_back(std::sin(i * 0.001) * 100);
  }
  y[5000] = 1e6;  // a one-sample spike must survive
  y[70000] = -1e6;
  for (int i = 40000; i < 41000; i++) y[i] = kUnavailable;  // a long gap must stay a gap
  std::vector<double> ox, oy;
  downsample(x, y, 2000, ox, oy);
  EXPECT_LE(ox.size(), 2000u);
  EXPECT_GE(ox.size(), 1000u);
  EXPECT_NE(std::find(oy.begin(), oy.end(), 1e6), oy.end());
  EXPECT_NE(std::find(oy.begin(), oy.end(), -1e6), oy.end());
  EXPECT_TRUE(std::any_of(oy.begin(), oy.end(), [](double v) { return std::isnan(v); }));
  EXPECT_TRUE(std::is_sorted(ox.begin(), ox.end()));
  std::vector<double> sx = {1, 2, 3}, sy = {4, kUnavailable, 6};
  downsample(sx, sy, 2000, ox, oy);
  EXPECT_EQ(ox, sx);
  EXPECT_TRUE(std::isnan(oy[1]));
}

}  // namespace
}  // namespace lg
