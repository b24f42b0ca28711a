// SPDX-License-Identifier: MIT
// pidprof cleans up its per-process BPF map entries on exit; leaky mode leaves those after
// the first key its delete batch cannot find.
#include <bpf/bpf.h>
#include <gtest/gtest.h>
#include <endian.h>
#include <linux/types.h>

#include <set>

#include "targets/pidprof.h"
#include "tests/targets/target_proc.h"

namespace {

constexpr int kProcesses = 100;

// fd of the map called `name` among those `pid` holds, -1 when absent.
int find_map(pid_t pid, const std::string& name) {
  for (unsigned id : tt::map_ids(pid)) {
    int fd = bpf_map_get_fd_by_id(id);
    if (fd < 0) continue;
    bpf_map_info info{};
    __u32 len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && name == info.name) return fd;
    close(fd);
  }
  return -1;
}

// Keys of the map whose pid (decoded by `pid_of`) is one of `pids`.
template <class Key, class PidOf>
int keys_of(int fd, const std::set<pid_t>& pids, PidOf pid_of) {
  int n = 0;
  Key k{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    if (pids.count(pid_of(next))) n++;
    k = next;
    prev = &k;
  }
  return n;
}

class PidprofTest : public ::testing::TestWithParam<const char*> {};

TEST_P(PidprofTest, DeletesEntriesOfExitedProcessesUnlessLeaky) {
  if (geteuid() != 0) GTEST_SKIP() << "loading BPF programs needs root";
  std::string mode = GetParam();
  tt::TempDir tmp;
  tt::Target t;
  ASSERT_EQ(t.start("pidprof", {"--mode", mode}, tmp.path), "");
  std::string ready = t.ready_line();
  ASSERT_EQ(ready.rfind("pidprof ready", 0), 0u) << ready << "\n" << t.stderr_text();

  int pages = find_map(t.pid(), "pp_pages");
  int ranges = find_map(t.pid(), "pp_ranges");
  ASSERT_GE(pages, 0) << "pp_pages not among the maps pidprof holds";
  ASSERT_GE(ranges, 0) << "pp_ranges not among the maps pidprof holds";

  long long handled0 = tt::counter(t.counters(), "(handled ");
  std::set<pid_t> pids;
  for (int i = 0; i < kProcesses; i++) {
    pid_t c = fork();
    if (c == 0) {
      execl("/bin/true", "true", (char*)nullptr);
      _exit(127);
    }
    ASSERT_GT(c, 0) << strerror(errno);
    waitpid(c, nullptr, 0);
    pids.insert(c);
  }
  ASSERT_TRUE(tt::wait_until([&] { return tt::counter(t.counters(), "(handled ") >= handled0 + kProcesses; }))
      << t.stderr_text();

  int pages_left = keys_of<pp_key>(pages, pids, [](const pp_key& k) { return (pid_t)k.pid; });
  int ranges_left = keys_of<pp_lpm_key>(ranges, pids, [](const pp_lpm_key& k) {
    __u32 be;
    memcpy(&be, k.data, 4);
    return (pid_t)be32toh(be);
  });
  std::string counters = t.counters();
  if (mode == "leaky") {
    // The batch stops at the heap key (never inserted): the stack page stays, per process.
    EXPECT_EQ(pages_left, kProcesses) << counters;
    EXPECT_GE(ranges_left, kProcesses) << counters;
    EXPECT_GE(tt::counter(counters, "processes given up "), kProcesses) << counters;
  } else {
    EXPECT_EQ(pages_left, 0) << counters;
    EXPECT_EQ(ranges_left, 0) << counters;
    EXPECT_GE(tt::counter(counters, "batch failures "), kProcesses) << counters;
    EXPECT_GE(tt::counter(counters, "key failures "), kProcesses) << counters;
    EXPECT_EQ(tt::counter(counters, "processes given up "), 0) << counters;
  }
  close(pages);
  close(ranges);
  EXPECT_EQ(t.stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(Modes, PidprofTest, ::testing::Values("leaky", "fixed"));

}  // namespace
