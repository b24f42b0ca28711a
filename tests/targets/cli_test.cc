// SPDX-License-Identifier: MIT
// Every target explains itself with --help and refuses a bad --mode with one line; no
// privileges needed.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/targets/target_proc.h"

namespace {

class TargetCli : public ::testing::TestWithParam<const char*> {};

TEST_P(TargetCli, HelpNamesTheModes) {
  tt::TempDir tmp;
  tt::Target t;
  ASSERT_EQ(t.start(GetParam(), {"--help"}, tmp.path), "");
  EXPECT_EQ(t.ready_line(), std::string("usage: ") + GetParam() + " [options]");
  EXPECT_EQ(t.wait_exit(), 0);
}

TEST_P(TargetCli, BadModeIsOneLineAndExit2) {
  tt::TempDir tmp;
  tt::Target t;
  ASSERT_EQ(t.start(GetParam(), {"--mode", "sloppy"}, tmp.path), "");
  EXPECT_EQ(t.ready_line(), "");  // nothing on stdout: it never got ready
  std::string err = t.stderr_text();
  EXPECT_EQ(t.wait_exit(), 2);
  EXPECT_NE(err.find("--mode must be leaky or fixed, not 'sloppy'"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST_P(TargetCli, UnknownOptionIsRefused) {
  tt::TempDir tmp;
  tt::Target t;
  ASSERT_EQ(t.start(GetParam(), {"--mode", "fixed", "--frobnicate"}, tmp.path), "");
  t.ready_line();
  std::string err = t.stderr_text();
  EXPECT_EQ(t.wait_exit(), 2);
  EXPECT_NE(err.find("unknown option --frobnicate"), std::string::npos) << err;
}

INSTANTIATE_TEST_SUITE_P(Targets, TargetCli,
                         ::testing::Values("nstuner", "pidprof", "maploader", "reaper", "cgagent", "metricsd"));

}  // namespace
