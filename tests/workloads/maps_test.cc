// SPDX-License-Identifier: MIT
// maps workload: every map type and delete mode, pin/unpin, programs, BPF objects released.
#include <bpf/bpf.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <gtest/gtest.h>

#include "harness/base/strings.h"
#include "tests/workloads/wl_util.h"

namespace lg::test {
namespace {

#define NEED_ROOT() \
  if (!is_root()) GTEST_SKIP() << "needs root (bpf(2))"

std::string our_name() { return "lgw_" + std::to_string(getpid()); }

// Maps alive kernel-wide named as the maps workload names them in this process.
int our_maps() {
  int n = 0;
  __u32 id = 0;
  while (bpf_map_get_next_id(id, &id) == 0) {
    int fd = bpf_map_get_fd_by_id(id);
    if (fd < 0) continue;
    bpf_map_info info{};
    __u32 len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && our_name() == info.name) n++;
    close(fd);
  }
  return n;
}

int our_progs() {
  int n = 0;
  __u32 id = 0;
  while (bpf_prog_get_next_id(id, &id) == 0) {
    int fd = bpf_prog_get_fd_by_id(id);
    if (fd < 0) continue;
    bpf_prog_info info{};
    __u32 len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && our_name() == info.name) n++;
    close(fd);
  }
  return n;
}

struct Case {
  const char* type;
  const char* del;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.type << " delete " << c.del; }

class MapsTypes : public ::testing::TestWithParam<Case> {};

TEST_P(MapsTypes, ExactCountAndNothingLeft) {
  NEED_ROOT();
  int fds = count_fds();
  Ran r = run_kind("maps", P({{"count", int64_t{60}},
                              {"map_type", std::string(GetParam().type)},
                              {"delete", std::string(GetParam().del)},
                              {"concurrency", int64_t{2}}}));
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.achieved, 60u);
  EXPECT_EQ(r.events, 60u);
  EXPECT_TRUE(r.monotonic);
  EXPECT_EQ(our_maps(), 0);
  EXPECT_EQ(count_fds(), fds);
  bool array_delete = std::string(GetParam().type) == "array" && std::string(GetParam().del) != "none";
  EXPECT_EQ(r.out.warnings.size(), array_delete ? 1u : 0u);
}

INSTANTIATE_TEST_SUITE_P(All, MapsTypes,
                         ::testing::Values(Case{"hash", "each"}, Case{"hash", "batch"}, Case{"hash", "none"},
                                           Case{"lru_hash", "each"}, Case{"lru_hash", "batch"},
                                           Case{"percpu_hash", "each"}, Case{"percpu_hash", "batch"},
                                           Case{"lpm_trie", "each"}, Case{"lpm_trie", "none"}, Case{"array", "none"},
                                           Case{"array", "each"}),
                         [](const auto& i) { return std::string(i.param.type) + "_" + i.param.del; });

TEST(Maps, MapsAreRealWhileTheyLive) {
  NEED_ROOT();
  // Big maps live long enough to be seen by the id walk.
  int peak = 0;
  Ran r = run_kind("maps", P({{"count", int64_t{20}}, {"entries", int64_t{20000}}, {"delete", std::string("each")}}),
                   {}, -1, [&] { peak = std::max(peak, our_maps()); });
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.achieved, 20u);
  EXPECT_EQ(peak, 1);  // concurrency 1
  EXPECT_EQ(our_maps(), 0);
}

TEST(Maps, ProgsLoadedAttachedAndReleased) {
  NEED_ROOT();
  Ran r = run_kind("maps", P({{"count", int64_t{20}}, {"progs", true}}));
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.achieved, 20u);
  // The kernel frees a detached link, and then its program, asynchronously (RCU): give it 2 s.
  for (int i = 0; i < 200 && our_progs() != 0; i++) usleep(10000);
  EXPECT_EQ(our_progs(), 0);
  EXPECT_EQ(our_maps(), 0);
}

TEST(Maps, PinUnderAPrivateBpffs) {
  NEED_ROOT();
  std::string msg = in_child([]() -> std::string {
    if (unshare(CLONE_NEWNS) != 0) return std::string("unshare(CLONE_NEWNS): ") + strerror(errno);
    if (mount("", "/", "none", MS_REC | MS_PRIVATE, nullptr) != 0) return "make / rprivate failed";
    char tmpl[] = "/tmp/lg-bpffs-test-XXXXXX";
    if (!mkdtemp(tmpl)) return "mkdtemp failed";
    std::string out;
    if (mount("bpf", tmpl, "bpf", 0, nullptr) != 0) {
      out = std::string("SKIP mount -t bpf: ") + strerror(errno);
    } else {
      auto listing = [&] {  // a new bpffs may come with bpf_preload's maps.debug, progs.debug
        std::string names;
        DIR* d = opendir(tmpl);
        while (dirent* e = d ? readdir(d) : nullptr) names += std::string(e->d_name) + " ";
        if (d) closedir(d);
        return names;
      };
      std::string before = listing();
      WorkloadContext ctx;
      ctx.bpffs_dir = tmpl;
      Ran r = run_kind("maps", P({{"count", int64_t{30}}, {"pin", true}}), ctx);
      if (!r.out.error.empty()) out += "error: " + r.out.error + "; ";
      if (r.out.achieved != 30) out += "achieved " + std::to_string(r.out.achieved) + "; ";
      if (listing() != before) out += "left pinned: " + listing() + "; ";
      umount2(tmpl, MNT_DETACH);
    }
    rmdir(tmpl);
    return out;
  });
  if (starts_with(msg, "SKIP")) GTEST_SKIP() << msg;
  EXPECT_EQ(msg, "");
}

TEST(Maps, PinWithoutBpffsIsAnError) {
  NEED_ROOT();
  Ran r = run_kind("maps", P({{"count", int64_t{3}}, {"pin", true}}));
  EXPECT_NE(r.out.error.find("no bpffs directory"), std::string::npos) << r.out.error;
  WorkloadContext ctx;
  ctx.bpffs_dir = "/tmp";
  r = run_kind("maps", P({{"count", int64_t{3}}, {"pin", true}}), ctx);
  EXPECT_EQ(r.out.error, "maps pin: /tmp is not on a bpf filesystem (mount -t bpf)");
  EXPECT_EQ(r.out.achieved, 0u);
}

TEST(Maps, PacingWithinTolerance) {
  NEED_ROOT();
  Ran r = run_kind("maps", P({{"count", int64_t{1000}}, {"rate", 20.0}}), {}, 1.0);
  EXPECT_EQ(r.out.error, "");
  EXPECT_GE(r.out.achieved, 15u);
  EXPECT_LE(r.out.achieved, 25u);
  EXPECT_EQ(r.events, r.out.achieved);
}

TEST(Maps, OpenFilesLimitIsEMFILE) {
  NEED_ROOT();
  std::string msg = in_child([]() -> std::string {
    int base = count_fds();
    // Then fill every free fd slot: no fd left for a map.
    rlimit rl{(rlim_t)base + 16, (rlim_t)base + 16};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) return "setrlimit failed";
    std::vector<int> spare;
    for (int s; (s = open("/dev/null", O_RDONLY)) >= 0;) spare.push_back(s);
    Ran r = run_kind("maps", P({{"count", int64_t{10}}}));
    for (int s : spare) close(s);
    std::string out;
    if (r.out.error_errno != EMFILE) out += "errno " + std::to_string(r.out.error_errno) + " " + r.out.error + "; ";
    if (r.out.error != "bpf(BPF_MAP_CREATE): Too many open files after 0 maps")
      out += "message '" + r.out.error + "'; ";
    if (our_maps() != 0) out += "maps left; ";
    return out;
  });
  EXPECT_EQ(msg, "");
}

TEST(Maps, CheckRejectsBatchOnLpmTrie) {
  std::string field;
  EXPECT_EQ(check_error("maps", P({{"map_type", std::string("hash")}, {"delete", std::string("batch")}}), field), "");
  EXPECT_NE(check_error("maps", P({{"map_type", std::string("lpm_trie")}, {"delete", std::string("batch")}}), field),
            "");
  EXPECT_EQ(field, "delete");
}

TEST(Maps, ProgsNeedTracepointPrograms) {
  const WorkloadKind* k = find_workload_kind("maps");
  ASSERT_NE(k->needs, nullptr);
  EXPECT_TRUE(k->needs(P({{"progs", false}})).empty());
  auto needs = k->needs(P({{"progs", true}}));
  ASSERT_EQ(needs.size(), 1u);
  EXPECT_STREQ(needs[0].feature, "prog.tp_btf");
}

}  // namespace
}  // namespace lg::test
