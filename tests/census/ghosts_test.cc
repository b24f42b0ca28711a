// SPDX-License-Identifier: MIT
// Kernel stacks of ghost tasks: /proc/PID/stack parsing and /proc/kallsyms naming (no root
// needed), and both backends listing the stuck tasks and zombies of fdzoo alike (root).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

#include "census/zoo.h"
#include "harness/census/census.h"
#include "harness/census/ghosts.h"
#include "harness/census/kallsyms.h"

namespace lg {
namespace {

TEST(ParseProcStack, FramesWithoutSizesModulesKept) {
  std::string t =
      "[<0>] kernel_clone+0x1d3/0x400\n"
      "[<0>] nfs_wait_bit_killable+0x12/0x60 [nfs]\n"
      "[<0>] entry_SYSCALL_64_after_hwframe+0x76/0x7e\n"
      "garbage\n"
      "\n";
  std::vector<std::string> want = {"kernel_clone+0x1d3", "nfs_wait_bit_killable+0x12 [nfs]",
                                   "entry_SYSCALL_64_after_hwframe+0x76"};
  EXPECT_EQ(parse_proc_stack(t), want);
  EXPECT_TRUE(parse_proc_stack("").empty());
}

TEST(KernelSymbols, NamesReturnAddressesAsProcStackDoes) {
  KernelSymbols k(
      "ffffffff81000000 T _stext\n"
      "ffffffff8135f520 T kernel_clone\n"
      "ffffffff8135f920 t __do_sys_clone\n"
      "ffffffff8135fa00 D some_data\n"
      "ffffffffc0a01000 t nfs_wait_bit_killable\t[nfs]\n");
  ASSERT_FALSE(k.empty());
  EXPECT_EQ(k.name(0xffffffff8135f520ull + 0x1d3), "kernel_clone+0x1d3");
  // A call that is the last instruction of a function returns to the next one's first byte:
  // it is looked up one byte earlier.
  EXPECT_EQ(k.name(0xffffffff8135f920ull), "kernel_clone+0x400");
  EXPECT_EQ(k.name(0xffffffff8135f920ull + 0x8d), "__do_sys_clone+0x8d");
  EXPECT_EQ(k.name(0xffffffffc0a01012ull), "nfs_wait_bit_killable+0x12 [nfs]");
  EXPECT_EQ(k.name(0x1000), "");  // below every symbol
}

TEST(KernelSymbols, HiddenAddressesSayWhy) {
  KernelSymbols k("0000000000000000 T _stext\n0000000000000000 T kernel_clone\n");
  EXPECT_TRUE(k.empty());
  EXPECT_NE(k.why().find("kptr_restrict"), std::string::npos) << k.why();
  EXPECT_EQ(k.name(0xffffffff8135f600ull), "");
  EXPECT_FALSE(KernelSymbols("").why().empty());
}

class GhostsTest : public ::testing::TestWithParam<Backend> {};

// fdzoo --dstate 3 --zombies 2: three threads stuck in the kernel (vfork-style clone whose child
// waits), two unreaped children. Both backends list exactly them, with a kernel stack each.
TEST_P(GhostsTest, ListsStuckThreadsAndZombiesWithStacks) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (kernel stacks of other tasks)";
  test::Zoo zoo;
  ASSERT_TRUE(zoo.start({"--dstate", "3", "--zombies", "2"})) << zoo.error;
  CensusScope s;
  s.kind = CensusScope::Pid;
  s.pid = zoo.pid;
  std::string err, note;
  auto c = make_census(GetParam(), s, CensusOptions{}, err, note);
  if (!c) GTEST_SKIP() << "census unavailable: " << err;
  std::vector<GhostTask> g;
  ASSERT_TRUE(c->ghosts(false, g, err)) << err;
  KernelSymbols ksyms = KernelSymbols::load();
  int stuck = 0, zombies = 0;
  std::vector<pid_t> stuck_tids, waited_for;
  for (const auto& t : g) {
    if (t.kind == GhostTask::VforkChild) {
      // BPF only: the children the stuck threads wait for, waiting themselves on fdzoo's pipe.
      EXPECT_EQ(GetParam(), Backend::Bpf);
      EXPECT_TRUE(t.target);
      EXPECT_EQ(t.ppid, zoo.pid);
      EXPECT_FALSE(t.stack.empty() && t.frames.empty() && t.wchan.empty()) << t.no_stack;
      waited_for.push_back(t.parent_tid);
      continue;
    }
    if (t.kind == GhostTask::Zombie) {
      zombies++;
      EXPECT_TRUE(t.target);
      EXPECT_EQ(t.ppid, zoo.pid);
      EXPECT_EQ(t.parent_comm, "fdzoo");
      EXPECT_EQ(t.exit_code, 0);
      continue;
    }
    if (!t.target) continue;  // another D-state task of the machine (system listing is off)
    stuck++;
    stuck_tids.push_back(t.tid);
    EXPECT_EQ(t.pid, zoo.pid);
    EXPECT_NE(t.tid, zoo.pid);
    EXPECT_EQ(t.process_comm, "fdzoo");
    EXPECT_EQ(t.ppid, getpid());
    // Where it waits: the vfork wait (inlined into kernel_clone on some kernels).
    std::vector<std::string> names = t.frames;
    for (uint64_t a : t.stack) names.push_back(ksyms.name(a));
    ASSERT_FALSE(names.empty()) << t.no_stack << t.wchan;
    bool vfork_wait = false;
    for (const auto& n : names)
      vfork_wait |= n.rfind("kernel_clone+", 0) == 0 || n.rfind("wait_for_vfork_done+", 0) == 0;
    EXPECT_TRUE(vfork_wait) << names[0];
  }
  EXPECT_EQ(stuck, 3);
  EXPECT_EQ(zombies, 2);
  if (GetParam() == Backend::Bpf) {
    std::sort(stuck_tids.begin(), stuck_tids.end());
    std::sort(waited_for.begin(), waited_for.end());
    EXPECT_EQ(waited_for, stuck_tids) << "one vfork child per stuck thread, linked to it";
  }
}

// The two backends name the same frames: BPF's return addresses through /proc/kallsyms read
// like /proc/PID/task/TID/stack.
TEST(Ghosts, BpfStacksMatchProcStacks) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  test::Zoo zoo;
  ASSERT_TRUE(zoo.start({"--dstate", "2"})) << zoo.error;
  CensusScope s;
  s.kind = CensusScope::Pid;
  s.pid = zoo.pid;
  std::string err, note;
  auto b = make_census(Backend::Bpf, s, CensusOptions{}, err, note);
  if (!b) GTEST_SKIP() << "BPF census unavailable: " << err;
  auto p = make_census(Backend::Procfs, s, CensusOptions{}, err, note);
  ASSERT_TRUE(p) << err;
  std::vector<GhostTask> gb, gp;
  ASSERT_TRUE(b->ghosts(false, gb, err)) << err;
  ASSERT_TRUE(p->ghosts(false, gp, err)) << err;
  KernelSymbols ksyms = KernelSymbols::load();
  if (ksyms.empty()) GTEST_SKIP() << ksyms.why();
  auto by_tid = [](std::vector<GhostTask>& v) {
    // The stuck threads only: procfs does not list the vfork children they wait for.
    v.erase(std::remove_if(v.begin(), v.end(), [](const GhostTask& g) { return g.kind != GhostTask::DState; }),
            v.end());
    std::sort(v.begin(), v.end(), [](const GhostTask& a, const GhostTask& b) { return a.tid < b.tid; });
  };
  by_tid(gb);
  by_tid(gp);
  ASSERT_EQ(gb.size(), gp.size());
  for (size_t i = 0; i < gb.size(); i++) {
    EXPECT_EQ(gb[i].tid, gp[i].tid);
    ASSERT_FALSE(gb[i].stack.empty()) << "bpf_get_task_stack gave nothing: " << gb[i].no_stack;
    std::vector<std::string> named;
    for (uint64_t a : gb[i].stack) named.push_back(ksyms.name(a));
    EXPECT_EQ(named, gp[i].frames);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, GhostsTest, ::testing::Values(Backend::Bpf, Backend::Procfs),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace lg
