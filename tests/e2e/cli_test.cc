// SPDX-License-Identifier: MIT
// The CLI as a user meets it: usage errors are one line, with a hint, and exit 2.
#include <gtest/gtest.h>

#include "e2e/e2e_util.h"

namespace {

size_t lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

TEST(Cli, UnknownSubcommandIsOneLineWithAHint) {
  e2e::Result r = e2e::run({e2e::bin("leakguard"), "prob"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.output), 1u) << r.output;
  EXPECT_NE(r.output.find("unknown subcommand 'prob'; did you mean 'probe'?"), std::string::npos) << r.output;
}

TEST(Cli, NoSubcommandListsThem) {
  e2e::Result r = e2e::run({e2e::bin("leakguard")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("a subcommand is required: probe, validate"), std::string::npos) << r.output;
}

TEST(Cli, MistypedFlagNamesTheClosestFlag) {
  e2e::Result r = e2e::run({e2e::bin("leakguard"), "run", "x.yaml", "--junt", "out.xml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.output), 1u) << r.output;
  EXPECT_NE(r.output.find("--junt; did you mean '--junit'?"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("leakguard run --help"), std::string::npos) << r.output;
}

TEST(Cli, VersionAndHelp) {
  e2e::Result v = e2e::run({e2e::bin("leakguard"), "--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.output.rfind("leakguard ", 0), 0u) << v.output;
  e2e::Result h = e2e::run({e2e::bin("leakguard"), "--help"});
  EXPECT_EQ(h.exit_code, 0);
  for (const char* sub : {"probe", "validate", "run", "census", "judge", "merge", "list"})
    EXPECT_NE(h.output.find(sub), std::string::npos) << sub;
}

}  // namespace
