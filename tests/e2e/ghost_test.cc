// SPDX-License-Identifier: MIT
// Kernel headroom through `leakguard run` with the default checks: a target holding 85% of its
// fd limit fails on fd.limit_used, one at 50% passes, with both census backends.
#include <gtest/gtest.h>
#include <unistd.h>

#include <pugixml.hpp>

#include "e2e/e2e_util.h"
#include "harness/base/fs.h"
#include "harness/base/safe_file.h"

namespace {

// No checks: the default set applies. fdzoo holds 3 + N fds under a soft limit of 1024.
std::string headroom_scenario(int regular) {
  return "name: fd-headroom\n"
         "target:\n"
         "  command: [fdzoo, --regular, \"" +
         std::to_string(regular) +
         "\", --hold]\n"
         "  ready: {stdout: \"^ready$\", timeout: 10s}\n"
         "  limits: {nofile: 1024}\n"
         "sampling: {interval: 100ms, settle_timeout: 3s}\n"
         "phases:\n"
         "  - name: hold\n"
         "    duration: 1s\n";
}

struct Case {
  pugi::xml_node testcase;
  std::string outcome;  // "failure", "error", "skipped" or "" (passed)
};

class FdHeadroom : public ::testing::TestWithParam<const char*> {};

TEST_P(FdHeadroom, EightyFivePercentFailsTheDefaultsFiftyPasses) {
  if (geteuid() != 0) GTEST_SKIP() << "end-to-end runs need root (cgroups, BPF)";
  for (int regular : {868, 509}) {  // 871 and 512 fds of 1024
    e2e::TempDir dir;
    std::string sc = dir.path + "/fd-headroom.yaml", err;
    ASSERT_TRUE(lg::write_file(sc, headroom_scenario(regular), err)) << err;
    e2e::Result r = e2e::run({e2e::bin("leakguard"), "run", sc, "--out", dir.path, "--backend", GetParam(), "--quiet"});
    SCOPED_TRACE(r.output);
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_file((dir.path + "/fd-headroom/junit.xml").c_str()));
    pugi::xml_node tc = doc.child("testsuites")
                            .child("testsuite")
                            .find_child_by_attribute("testcase", "name", "fd.limit_used max <= 0.8");
    ASSERT_TRUE(tc) << "the default checks must include fd.limit_used max <= 0.8";
    if (regular == 868) {
      EXPECT_EQ(r.exit_code, 1);
      ASSERT_TRUE(tc.child("failure")) << "871 of 1024 fds must fail";
      EXPECT_NE(std::string(tc.child("failure").attribute("message").as_string()).find("fd.limit_used peaked at 0.851"),
                std::string::npos)
          << tc.child("failure").attribute("message").as_string();
    } else {
      EXPECT_FALSE(tc.child("failure")) << tc.child("failure").attribute("message").as_string();
      EXPECT_FALSE(tc.child("error"));
      EXPECT_FALSE(tc.child("skipped"));
    }
    // The target's own default checks pass in both runs: only the headroom differs.
    for (pugi::xml_node t : doc.child("testsuites").child("testsuite").children("testcase")) {
      std::string name = t.attribute("name").as_string();
      if (name.rfind("fd.total", 0) == 0 || name.rfind("proc.", 0) == 0 || name.rfind("target ", 0) == 0) {
        EXPECT_FALSE(t.child("failure") || t.child("error")) << name;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, FdHeadroom, ::testing::Values("bpf", "procfs"));

}  // namespace
