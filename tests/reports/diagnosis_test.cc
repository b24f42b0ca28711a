// SPDX-License-Identifier: MIT
// A Diagnosis ("where they come from") reaches every report under the failing check on its
// metric, says the same thing in each, survives series.json, and never shows under a pass.
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include "harness/base/fs.h"
#include "reports/fixtures.h"
#include "reports/report.h"

namespace lg {
namespace {

using test::TempDir;

Frame frame(const char* fn, const char* file, int line, const char* module, bool own) {
  Frame f;
  f.function = fn;
  f.file = file;
  f.line = line;
  f.module = module;
  f.build_id = "1a2b3c";
  f.offset = 0x1234;
  f.target_code = own;
  return f;
}

// The failing run of the fixtures (fd.netns fails, fd.total passes) with a diagnosis of
// each metric.
RunResult diagnosed_run(const std::string& out) {
  RunResult r = test::failing_run(out);
  Diagnosis d;
  d.metric = "fd.netns";
  d.title = "Where they come from";
  d.noun = "fds";
  d.scope = "alive at the end";
  d.total = 1987;
  Site a;
  a.count = 1953;
  a.headline = "were created at visit_netns (nstuner.cc:145)";
  a.example = "openat \"/proc/4711/ns/net\"";
  a.frames = {frame("__open64", "", 0, "/usr/lib/x86_64-linux-gnu/libc.so.6", false),
              frame("visit_netns", "nstuner.cc", 145, "/build/bin/nstuner", true),
              frame("scan", "nstuner.cc", 201, "/build/bin/nstuner", true),
              frame("main", "nstuner.cc", 240, "/build/bin/nstuner", true)};
  a.t = {0, 1, 2, 3};
  a.counts = {0, 600, 1300, 1953};
  Site b;
  b.count = 34;
  b.headline = "were created at open_config (nstuner.cc:60)";
  b.frames = {frame("open_config", "nstuner.cc", 60, "/build/bin/nstuner", true)};
  d.sites = {a, b};
  d.unexplained = {{"existed before tracking began", 0}};
  d.notes = {"no debug info for /usr/lib/x86_64-linux-gnu/libc.so.6 (build-id 9f): install libc6-dbg"};
  Diagnosis passing = d;
  passing.metric = "fd.total";
  r.diagnoses = {d, passing};
  return r;
}

TEST(Diagnosis, ConsoleNamesTheSitesUnderTheFailingCheckOnly) {
  RunResult r = diagnosed_run("/tmp/out");
  std::string s = console_summary(r);
  size_t fail = s.find("FAIL   fd.netns");
  size_t site = s.find("1,953 of 1,987 fds alive at the end were created at visit_netns (nstuner.cc:145)");
  ASSERT_NE(fail, std::string::npos) << s;
  ASSERT_NE(site, std::string::npos) << s;
  EXPECT_LT(fail, site);
  EXPECT_LT(site, s.find("PASS   fd.total")) << "the diagnosis goes under its own check";
  EXPECT_NE(s.find("openat \"/proc/4711/ns/net\""), std::string::npos) << s;
  // Frames start at the target's own code: libc's wrapper is not shown, the callers are.
  EXPECT_EQ(s.find("__open64"), std::string::npos) << s;
  EXPECT_NE(s.find("#2 scan (nstuner.cc:201)"), std::string::npos) << s;
  EXPECT_NE(s.find("34 of 1,987 fds alive at the end were created at open_config (nstuner.cc:60)"), std::string::npos);
  EXPECT_NE(s.find("note: no debug info for"), std::string::npos);
  EXPECT_EQ(s.find("not attributed"), std::string::npos) << "an empty bucket is not printed";
  // fd.total passed: its diagnosis is not printed (only one copy of the site lines).
  EXPECT_EQ(s.find("1,953 of", site + 1), std::string::npos) << s;
}

TEST(Diagnosis, ManySitesAreSummedAfterTheFirstFive) {
  RunResult r = diagnosed_run("/tmp/out");
  Diagnosis& d = r.diagnoses[0];
  for (int i = 0; i < 7; i++) {
    Site s;
    s.count = 1;
    s.headline = "were created at f" + std::to_string(i);
    d.sites.push_back(s);
  }
  std::string s = console_summary(r);
  EXPECT_NE(s.find("4 more from 4 other sites"), std::string::npos) << s;
}

TEST(Diagnosis, JunitFailureTextHasFramesWithModulesAndValidates) {
  TempDir dir;
  RunResult r = diagnosed_run(dir.path);
  std::string path = dir.path + "/j.xml", err;
  ASSERT_TRUE(write_junit({r}, path, err)) << err;
  EXPECT_VALID_JUNIT(path);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(path.c_str()));
  std::string failure;
  for (auto tc : doc.child("testsuites").child("testsuite").children("testcase"))
    if (tc.child("failure")) failure = tc.child("failure").text().as_string();
  EXPECT_NE(failure.find("1,953 of 1,987 fds alive at the end were created at visit_netns (nstuner.cc:145)"),
            std::string::npos)
      << failure;
  EXPECT_NE(failure.find("#1 visit_netns (nstuner.cc:145) in nstuner"), std::string::npos) << failure;
}

TEST(Diagnosis, HtmlHasAnExpandableSectionAndTheSiteOnTheChart) {
  RunResult r = diagnosed_run("/tmp/out");
  std::string h = html_report(r);
  EXPECT_NE(h.find("<h4>Where they come from</h4>"), std::string::npos);
  EXPECT_NE(h.find("<details><summary>1,953 of 1,987 fds alive at the end were created at visit_netns"),
            std::string::npos);
  EXPECT_NE(h.find("__open64"), std::string::npos) << "the HTML shows every frame";
  EXPECT_NE(h.find("build-id 1a2b3c"), std::string::npos);
  EXPECT_NE(h.find(">site 1<"), std::string::npos) << "the leading site's count over time is on the chart";
  // Only the failing check gets the section.
  EXPECT_EQ(h.find("<h4>Where they come from</h4>", h.find("<h4>Where they come from</h4>") + 1), std::string::npos);
}

TEST(Diagnosis, SurvivesSeriesJson) {
  TempDir dir;
  RunResult r = diagnosed_run(dir.path);
  std::string path = dir.path + "/series.json", err;
  ASSERT_TRUE(write_series_json(r, path, err)) << err;
  RunResult back;
  ASSERT_TRUE(read_series_json(path, back, err)) << err;
  ASSERT_EQ(back.diagnoses.size(), 2u);
  const Diagnosis* d = back.diagnosis("fd.netns");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->total, 1987u);
  ASSERT_EQ(d->sites.size(), 2u);
  EXPECT_EQ(d->sites[0].count, 1953u);
  EXPECT_EQ(d->sites[0].example, "openat \"/proc/4711/ns/net\"");
  ASSERT_EQ(d->sites[0].frames.size(), 4u);
  EXPECT_EQ(d->sites[0].frames[1].line, 145);
  EXPECT_EQ(d->sites[0].frames[1].offset, 0x1234u);
  EXPECT_TRUE(d->sites[0].frames[1].target_code);
  EXPECT_FALSE(d->sites[0].frames[0].target_code);
  EXPECT_EQ(d->sites[0].counts, (std::vector<double>{0, 600, 1300, 1953}));
  EXPECT_EQ(d->notes, r.diagnoses[0].notes);
  EXPECT_EQ(console_summary(back), console_summary(r));
}

TEST(Diagnosis, FrameTextWithAndWithoutSymbols) {
  EXPECT_EQ(frame_text(frame("f", "a.cc", 3, "/bin/x", true)), "f (a.cc:3)");
  EXPECT_EQ(frame_text(frame("f", "", 0, "/bin/x", true)), "f");
  Frame raw;
  raw.module = "/usr/bin/tool";
  raw.offset = 0x1a2b;
  EXPECT_EQ(frame_text(raw), "tool+0x1a2b");
}

}  // namespace
}  // namespace lg
