// SPDX-License-Identifier: MIT
// `leakguard validate` and `leakguard list` as a user runs them (skipped when the binary was
// not built in this tree).
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "harness/scenario/listing.h"
#include "scenario/scenario_util.h"

namespace {

struct Run {
  int code = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::string s;
  if (FILE* f = fopen(path.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    fclose(f);
  }
  return s;
}

// Runs leakguard with `args` (no shell), stdout and stderr apart.
Run leakguard(const std::vector<std::string>& args) {
  Run r;
  std::string bin = std::string(LEAKGUARD_BIN_DIR) + "/leakguard";
  char out_path[] = "/tmp/lg-cli-out-XXXXXX", err_path[] = "/tmp/lg-cli-err-XXXXXX";
  int out = mkstemp(out_path), err = mkstemp(err_path);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> argv = {const_cast<char*>(bin.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  close(out);
  close(err);
  unlink(out_path);
  unlink(err_path);
  return r;
}

bool have_binary() { return access((std::string(LEAKGUARD_BIN_DIR) + "/leakguard").c_str(), X_OK) == 0; }

}  // namespace

TEST(Cli, ValidateOkAndErrors) {
  if (!have_binary()) GTEST_SKIP() << "leakguard not built in " << LEAKGUARD_BIN_DIR;
  std::string full = sc_test::data("full.yaml"), minimal = sc_test::data("minimal.yaml");
  auto ok = leakguard({"validate", full, minimal});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(ok.out, full + ": ok (3 phases, 4 workloads, 7 checks)\n" + minimal +
                        ": ok (1 phases, 1 workloads, default checks)\n");
  EXPECT_EQ(ok.err, "");

  std::string bad = sc_test::data("invalid-many.yaml");
  auto err = leakguard({"validate", full, bad});
  EXPECT_EQ(err.code, 2);
  EXPECT_EQ(err.out, full + ": ok (3 phases, 4 workloads, 7 checks)\n");
  EXPECT_NE(
      err.err.find(bad + ":12:9: error: unknown key 'concurency' in workload netns; did you mean 'concurrency'?\n"),
      std::string::npos)
      << err.err;
  size_t lines = 0;
  for (char c : err.err) lines += c == '\n';
  EXPECT_EQ(lines, 11u) << err.err;
}

TEST(Cli, ValidateOverridesAndTarget) {
  if (!have_binary()) GTEST_SKIP() << "leakguard not built in " << LEAKGUARD_BIN_DIR;
  std::string minimal = sc_test::data("minimal.yaml");
  auto set = leakguard({"validate", minimal, "--set", "phases.churn.workloads.0.count=0"});
  EXPECT_EQ(set.code, 2);
  EXPECT_EQ(set.err, minimal +
                         ": error: --set phases.churn.workloads.0.count=0: phase 'churn': count 0 runs netns "
                         "until the phase ends, but the phase has no duration; give it one\n");
  // Everything after `--` is the target's argv, even words that look like options.
  auto t = leakguard({"validate", minimal, "--set", "sampling.interval=50ms", "--target", "--", "sh", "-c", "--set"});
  EXPECT_EQ(t.code, 0) << t.err;
  EXPECT_EQ(t.out, minimal + ": ok (1 phases, 1 workloads, default checks)\n");
  auto missing = leakguard({"validate", minimal, "--target", "--", "no-such-tool-xyz"});
  EXPECT_EQ(missing.code, 0);
  EXPECT_NE(missing.err.find("warning: --target: target.command: 'no-such-tool-xyz' not found"), std::string::npos)
      << missing.err;
  auto empty = leakguard({"validate", minimal, "--target"});
  EXPECT_EQ(empty.code, 2);
}

TEST(Cli, List) {
  if (!have_binary()) GTEST_SKIP() << "leakguard not built in " << LEAKGUARD_BIN_DIR;
  auto m = leakguard({"list", "metrics"});
  EXPECT_EQ(m.code, 0);
  EXPECT_EQ(m.out, lg::list_metrics_text());
  for (const char* name : {"proc.dstate", "fd.limit_used", "sys.dstate", "sys.file_handles", "sys.dying_cgroups",
                           "sys.unreclaimable_bytes"})
    EXPECT_NE(m.out.find(name), std::string::npos) << name;
  auto w = leakguard({"list", "workloads"});
  EXPECT_EQ(w.code, 0);
  EXPECT_EQ(w.out, lg::list_workloads_text());
  EXPECT_EQ(leakguard({"list", "nothing"}).code, 2);
}
