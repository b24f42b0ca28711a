// SPDX-License-Identifier: MIT
// Files no scenario should be: a FIFO, a device, a huge file, tens of thousands of keys.
// The loader reads regular files only, at most 4 MiB, prints the first 20 problems and a count.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "harness/base/fs.h"
#include "harness/base/metrics.h"
#include "harness/base/strings.h"
#include "scenario/scenario_util.h"
#include "tmp_dir.h"

using namespace sc_test;

namespace {

using lg_test::TmpDir;

Loaded load_file(const std::string& path) {
  Loaded l;
  l.scenario = lg::load_scenario_file(path, {}, l.diags);
  return l;
}

TEST(HostileFile, AFifoIsRefusedWithoutWaitingForAWriter) {
  TmpDir d("hostile");
  std::string fifo = d.path + "/s.yaml";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
  // A writer that comes and goes: a loader blocked in open() on the FIFO would be released by
  // it and read an empty scenario instead of refusing the FIFO.
  std::atomic<bool> done{false};
  std::thread writer([&] {
    while (!done) {
      int fd = open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
      if (fd >= 0) close(fd);
      usleep(1000);
    }
  });
  Loaded l = load_file(fifo);
  done = true;
  writer.join();
  EXPECT_FALSE(l.scenario);
  ASSERT_EQ(l.diags.size(), 1u) << l.all();
  EXPECT_EQ(l.diags[0].str(), fifo + ": error: cannot read the scenario: is a FIFO, not a regular file");
}

TEST(HostileFile, DevZeroIsRefusedNotRead) {
  // In a child with 1 GiB of address space (not under ASan or TSan, whose shadow memory needs
  // more: TSan cannot even start) and 30 s: reading /dev/zero to the end would die there, not
  // take the machine down.
  std::string out =
      std::string(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") + "/lg-devzero-" + std::to_string(getpid());
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    rlimit rl{1L << 30, 1L << 30};
    setrlimit(RLIMIT_AS, &rl);
#endif
    alarm(30);
    int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    execl((std::string(LEAKGUARD_BIN_DIR) + "/leakguard").c_str(), "leakguard", "validate", "/dev/zero", nullptr);
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  std::string err = lg::read_file(out);
  unlink(out.c_str());
  ASSERT_TRUE(WIFEXITED(st)) << "killed by signal " << WTERMSIG(st) << ": " << err;
  EXPECT_EQ(WEXITSTATUS(st), 2) << err;
  EXPECT_EQ(err, "/dev/zero: error: cannot read the scenario: is a character device, not a regular file\n");
}

TEST(HostileFile, AFileOverFourMebibytesIsRefused) {
  TmpDir d("hostile");
  std::string p = d.path + "/big.yaml";
  std::string text = "name: t\nphases: [{name: a, duration: 1s}]\n# " + std::string(lg::kMaxScenarioBytes, 'x') + "\n";
  FILE* f = fopen(p.c_str(), "w");
  ASSERT_TRUE(f);
  fwrite(text.data(), 1, text.size(), f);
  fclose(f);
  Loaded l = load_file(p);
  EXPECT_FALSE(l.scenario);
  ASSERT_EQ(l.diags.size(), 1u) << l.all();
  EXPECT_NE(l.diags[0].message.find("is larger than 4 MiB"), std::string::npos) << l.all();
}

std::string many_unknown_keys(size_t n) {
  std::string y = "name: t\nphases: [{name: a, duration: 1s}]\n";
  for (size_t i = 0; i < n; i++) y += "k" + std::to_string(i) + ": 1\n";
  return y;
}

TEST(HostileFile, FortyThousandUnknownKeysGiveTwentyLinesAndACount) {
  Loaded l = load(many_unknown_keys(40000));
  EXPECT_FALSE(l.scenario);
  EXPECT_EQ(l.errors(), 40000u);
  char* buf = nullptr;
  size_t len = 0;
  FILE* out = open_memstream(&buf, &len);
  lg::print_diagnostics(l.diags, out);
  fclose(out);
  std::string text(buf, len);
  free(buf);
  std::vector<std::string> lines = lg::split(text, '\n');
  ASSERT_EQ(lines.size(), 22u) << text.substr(0, 2000);  // 20, the count, and the final ""
  EXPECT_EQ(lines[0], "t.yaml:3:1: error: unknown key 'k0' in the scenario");
  EXPECT_EQ(lines[20], "t.yaml: ... and 39980 more problems (39980 errors) not shown");
}

TEST(HostileFile, DuplicateKeysAreStillFoundAmongMany) {
  std::string y = many_unknown_keys(5000) + "k17: 2\n";
  Loaded l = load(y);
  EXPECT_TRUE(has(l, 5003, 1, "duplicate key 'k17' in the scenario (first at line 20)"));
}

TEST(HostileFile, ASlabCacheThisKernelDoesNotHaveIsAnErrorWithASuggestion) {
  std::vector<std::string> live = lg::live_slab_caches();
  if (live.empty()) GTEST_SKIP() << "this kernel lists no slab caches in /sys/kernel/slab";
  ASSERT_TRUE(std::binary_search(live.begin(), live.end(), "task_struct"));
  Loaded l = load(
      "name: t\nsampling: {slab_caches: [task_struct, task_strcut]}\nphases: [{name: a, duration: 1s}]\n"
      "checks:\n  - {metric: sys.slab.task_struc, max: 10}\n");
  EXPECT_FALSE(l.scenario);
  EXPECT_TRUE(has(l, 5, 14,
                  "metric 'sys.slab.task_struc': no slab cache 'task_struc' on this kernel; did you mean "
                  "'task_struct'?"));
  EXPECT_TRUE(has(l, 2, 25,
                  "sampling.slab_caches: no slab cache 'task_strcut' on this kernel; did you mean "
                  "'task_struct'?"));
  Loaded ok = load("name: t\nphases: [{name: a, duration: 1s}]\nchecks:\n  - {metric: sys.slab.task_struct, max: 1}\n");
  EXPECT_TRUE(ok.scenario) << ok.all();
}

}  // namespace
