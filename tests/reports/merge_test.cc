// SPDX-License-Identifier: MIT
// merge_junit: shards merged equal one combined file; broken inputs are named.
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <set>
#include <tuple>

#include "reports/fixtures.h"
#include "reports/report.h"

namespace lg {
namespace {

using Case = std::tuple<std::string, std::string, std::string>;  // classname, name, outcome

std::multiset<Case> cases(const std::string& path) {
  std::multiset<Case> out;
  pugi::xml_document doc;
  if (!doc.load_file(path.c_str())) return out;
  for (auto suite : doc.child("testsuites").children("testsuite"))
    for (auto tc : suite.children("testcase")) {
      std::string o = tc.child("failure")   ? "failure"
                      : tc.child("error")   ? "error"
                      : tc.child("skipped") ? "skipped"
                                            : "pass";
      out.insert({tc.attribute("classname").as_string(), tc.attribute("name").as_string(), o});
    }
  return out;
}

TEST(Merge, ThreeShardsEqualOneCombinedFile) {
  test::TempDir d;
  std::vector<RunResult> runs = {test::passing_run(d.path), test::failing_run(d.path), test::skipped_run(d.path)};
  std::string err;
  std::vector<std::string> shards;
  for (size_t i = 0; i < runs.size(); i++) {
    shards.push_back(d.path + "/shard" + std::to_string(i) + ".xml");
    ASSERT_TRUE(write_junit({runs[i]}, shards.back(), err)) << err;
  }
  std::string combined = d.path + "/combined.xml", merged = d.path + "/merged.xml";
  ASSERT_TRUE(write_junit(runs, combined, err)) << err;
  ASSERT_TRUE(merge_junit(merged, shards, err)) << err;
  EXPECT_VALID_JUNIT(merged);
  auto want = cases(combined);
  EXPECT_FALSE(want.empty());
  EXPECT_EQ(cases(merged), want);
  pugi::xml_document a, b;
  ASSERT_TRUE(a.load_file(combined.c_str()));
  ASSERT_TRUE(b.load_file(merged.c_str()));
  for (const char* attr : {"tests", "failures", "errors", "time"})
    EXPECT_STREQ(a.child("testsuites").attribute(attr).as_string(), b.child("testsuites").attribute(attr).as_string())
        << attr;
}

TEST(Merge, AcceptsABareTestsuiteAndMergesMergedFiles) {
  test::TempDir d;
  std::string err;
  std::string bare = d.path + "/bare.xml";
  ASSERT_TRUE(write_file(bare,
                         "<?xml version=\"1.0\"?>\n<testsuite name=\"other\" tests=\"9\" failures=\"0\" errors=\"0\">"
                         "<testcase name=\"a\" classname=\"other\"><failure message=\"m\"/></testcase>"
                         "<testcase name=\"b\" classname=\"other\"/></testsuite>\n",
                         err));
  std::string one = d.path + "/one.xml", m1 = d.path + "/m1.xml", m2 = d.path + "/m2.xml";
  ASSERT_TRUE(write_junit({test::failing_run(d.path)}, one, err)) << err;
  ASSERT_TRUE(merge_junit(m1, {one, bare}, err)) << err;
  ASSERT_TRUE(merge_junit(m2, {m1, one}, err)) << err;
  EXPECT_VALID_JUNIT(m2);
  pugi::xml_document doc;
  ASSERT_TRUE(doc.load_file(m2.c_str()));
  auto root = doc.child("testsuites");
  long want = 2 * (long)cases(one).size() + 2;
  EXPECT_EQ(root.attribute("tests").as_int(), want);
  EXPECT_EQ(root.attribute("failures").as_int(), 3);  // the leak twice, the bare file's failure once
  for (auto s : root.children("testsuite"))
    if (std::string(s.attribute("name").as_string()) == "other") {
      EXPECT_EQ(s.attribute("tests").as_int(), 2);
    }
}

TEST(Merge, BrokenInputsAreNamed) {
  test::TempDir d;
  std::string err, good = d.path + "/good.xml", junk = d.path + "/junk.xml", html = d.path + "/page.xml";
  ASSERT_TRUE(write_junit({test::passing_run(d.path)}, good, err)) << err;
  ASSERT_TRUE(write_file(junk, "<testsuites><testsuite>", err));
  ASSERT_TRUE(write_file(html, "<html/>", err));
  std::string out = d.path + "/out.xml";
  EXPECT_FALSE(merge_junit(out, {good, d.path + "/missing.xml"}, err));
  EXPECT_NE(err.find(d.path + "/missing.xml: cannot read"), std::string::npos) << err;
  EXPECT_FALSE(merge_junit(out, {good, junk}, err));
  EXPECT_NE(err.find(junk + ": not valid XML"), std::string::npos) << err;
  EXPECT_FALSE(merge_junit(out, {html}, err));
  EXPECT_NE(err.find(html + ": not a JUnit report"), std::string::npos) << err;
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace lg
