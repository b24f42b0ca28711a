// SPDX-License-Identifier: MIT
// Every target explains itself with --help and refuses a bad --mode with one line; no
// privileges needed.
#include <gtest/gtest.h>

#include <algorithm>

#include "targets/common.h"
#include "tests/targets/target_proc.h"

namespace {

class TargetCli : public ::testing::TestWithParam<const char*> {};

TEST_P(TargetCli, HelpNamesTheModes) {
  if (std::string why = tt::not_built(GetParam()); !why.empty()) GTEST_SKIP() << why;
  tt::TempDir tmp;
  tt::Target t;
  ASSERT_EQ(t.start(GetParam(), {"--help"}, tmp.path), "");
  EXPECT_EQ(t.ready_line(), std::string("usage: ") + GetParam() + " [options]");
  EXPECT_EQ(t.wait_exit(), 0);
}

TEST_P(TargetCli, BadModeIsOneLineAndExit2) {
  if (std::string why = tt::not_built(GetParam()); !why.empty()) GTEST_SKIP() << why;
  tt::TempDir tmp;
  tt::Target t;
  ASSERT_EQ(t.start(GetParam(), {"--mode", "sloppy"}, tmp.path), "");
  EXPECT_EQ(t.ready_line(), "");  // nothing on stdout: it never got ready
  std::string err = t.stderr_text();
  EXPECT_EQ(t.wait_exit(), 2);
  // "leaky or fixed", or more modes (goagent has three): each named, then what was given.
  EXPECT_EQ(err.rfind(std::string(GetParam()) + ": --mode must be leaky", 0), 0u) << err;
  size_t given = err.find(", not 'sloppy' (see --help)");
  EXPECT_NE(given, std::string::npos) << err;
  EXPECT_LT(err.find("fixed"), given) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST_P(TargetCli, UnknownOptionIsRefused) {
  if (std::string why = tt::not_built(GetParam()); !why.empty()) GTEST_SKIP() << why;
  tt::TempDir tmp;
  tt::Target t;
  ASSERT_EQ(t.start(GetParam(), {"--mode", "fixed", "--frobnicate"}, tmp.path), "");
  t.ready_line();
  std::string err = t.stderr_text();
  EXPECT_EQ(t.wait_exit(), 2);
  EXPECT_NE(err.find("unknown option --frobnicate"), std::string::npos) << err;
}

TEST(TargetCommon, ParseCliPutsModeFirstAndDirDropsTrailingSlashes) {
  char a0[] = "t", a1[] = "--dir", a2[] = "/run/netns//", a3[] = "--root=///";
  char* argv[] = {a0, a1, a2, a3};
  tgt::Cli cli =
      tgt::parse_cli(4, argv, "t", "summary", "signals", {{"dir", "DIR", "d", ""}, {"root", "DIR", "r", ""}});
  ASSERT_EQ(cli.opts.size(), 3u);
  EXPECT_STREQ(cli.opts[0].name, "mode");
  EXPECT_EQ(cli.mode(), tgt::Mode::Fixed);  // the default
  EXPECT_EQ(cli.dir("dir"), "/run/netns");
  EXPECT_EQ(cli.get("dir"), "/run/netns//");  // as given
  EXPECT_EQ(cli.dir("root"), "/");
}

INSTANTIATE_TEST_SUITE_P(Targets, TargetCli,
                         ::testing::Values("nstuner", "pidprof", "maploader", "reaper", "dstuck", "cgagent", "metricsd",
                                           "gotuner", "goagent"));

}  // namespace
