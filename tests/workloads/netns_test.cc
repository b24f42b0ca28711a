// SPDX-License-Identifier: MIT
// netns workload: counts, concurrency, options made visible, release, errors.
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <gtest/gtest.h>
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/common_interface_defs.h>
#endif

#include "harness/base/strings.h"
#include "tests/workloads/wl_util.h"

namespace lg::test {
namespace {

#define NEED_ROOT() \
  if (!is_root()) GTEST_SKIP() << "needs root (unshare(CLONE_NEWNET))"

// Mounts under `dir` (from /proc/self/mountinfo), the directory itself included.
int mounts_under(const std::string& dir) {
  int n = 0;
  for (const auto& line : split(read_file("/proc/self/mountinfo"), '\n')) {
    auto f = split(line, ' ');
    if (f.size() > 4 && starts_with(unescape_mount_path(f[4]), dir)) n++;
  }
  return n;
}

int entries(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (!d) return -1;
  int n = 0;
  while (dirent* e = readdir(d))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  closedir(d);
  return n;
}

// Host links whose name starts with the netns workload's veth prefix for this pid.
int our_veths() {
  char prefix[16];
  snprintf(prefix, sizeof prefix, "lg%06x", (unsigned)getpid() & 0xffffff);
  int n = 0;
  if (struct if_nameindex* ni = if_nameindex()) {
    for (auto* i = ni; i->if_index; i++)
      if (starts_with(i->if_name, prefix)) n++;
    if_freenameindex(ni);
  }
  return n;
}

// Namespace fds other than of our own namespace (the workload keeps one of those while it runs).
// One pass over the fds: two counts taken while the workload opens and closes fds could differ
// (a -1 when it opened an fd of our own namespace between them).
int other_netns_fds() {
  char own[64] = {};
  if (readlink("/proc/self/ns/net", own, sizeof own - 1) < 0) return -1;
  DIR* d = opendir("/proc/self/fd");
  if (!d) return -1;
  int n = 0;
  while (dirent* e = readdir(d)) {
    char link[64];
    ssize_t len = readlinkat(dirfd(d), e->d_name, link, sizeof link - 1);
    if (len < 0) continue;
    link[len] = 0;
    if (starts_with(link, "net:[") && strcmp(link, own) != 0) n++;
  }
  closedir(d);
  return n;
}

TEST(Netns, ExactCountAndEverythingReleased) {
  NEED_ROOT();
  int fds = count_fds(), threads = thread_count();
  Ran r = run_kind("netns", P({{"count", int64_t{300}}}));
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.achieved, 300u);
  EXPECT_EQ(r.out.requested, 300u);
  EXPECT_EQ(r.events, 300u);
  EXPECT_TRUE(r.monotonic);
  EXPECT_GT(r.out.achieved_rate, 0);
  EXPECT_EQ(count_fds(), fds);
  EXPECT_EQ(other_netns_fds(), 0);
  EXPECT_EQ(thread_count(), threads);
}

TEST(Netns, HoldRespectsConcurrency) {
  NEED_ROOT();
  int peak = 0;
  Ran r = run_kind("netns", P({{"count", int64_t{24}}, {"hold", 0.05}, {"concurrency", int64_t{5}}}), {}, -1,
                   [&] { peak = std::max(peak, other_netns_fds()); });
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.achieved, 24u);
  EXPECT_GE(peak, 1);  // they were really held
  EXPECT_LE(peak, 5);
  EXPECT_EQ(other_netns_fds(), 0);
}

TEST(Netns, PacingWithinTolerance) {
  NEED_ROOT();
  Ran r = run_kind("netns", P({{"count", int64_t{1000}}, {"rate", 20.0}}), {}, 1.0);
  EXPECT_EQ(r.out.error, "");
  EXPECT_GE(r.out.achieved, 15u);
  EXPECT_LE(r.out.achieved, 25u);
  EXPECT_EQ(r.events, r.out.achieved);
  ASSERT_FALSE(r.out.warnings.empty());
  EXPECT_NE(r.out.warnings[0].find("stopped by the phase end"), std::string::npos);
}

TEST(Netns, StopReleasesHeldNamespacesAtOnce) {
  NEED_ROOT();
  Ran r = run_kind("netns", P({{"count", int64_t{1000}}, {"hold", 60.0}, {"concurrency", int64_t{8}}}), {}, 0.3);
  EXPECT_EQ(r.out.error, "");
  EXPECT_GE(r.out.achieved, 1u);  // up to 8 created (concurrency), none could go before the
  EXPECT_LE(r.out.achieved, 8u);  // stop; all released at once
  EXPECT_EQ(other_netns_fds(), 0);
}

TEST(Netns, BindMountLikeIpNetnsAddInPrivateMountNamespace) {
  NEED_ROOT();
  std::string msg = in_child([]() -> std::string {
    if (unshare(CLONE_NEWNS) != 0) return std::string("unshare(CLONE_NEWNS): ") + strerror(errno);
    if (mount("", "/", "none", MS_REC | MS_PRIVATE, nullptr) != 0) return "make / rprivate failed";
    char tmpl[] = "/tmp/lg-netns-test-XXXXXX";
    if (!mkdtemp(tmpl)) return "mkdtemp failed";
    std::string base = tmpl, dir = base + "/run/netns";  // does not exist yet: created, then removed
    WorkloadContext ctx;
    ctx.netns_dir = dir;
    int peak_mounts = 0, peak_files = 0;
    Ran r = run_kind("netns",
                     P({{"count", int64_t{40}}, {"hold", 0.02}, {"concurrency", int64_t{6}}, {"bind_mount", true}}),
                     ctx, -1, [&] {
                       peak_mounts = std::max(peak_mounts, mounts_under(dir + "/"));
                       peak_files = std::max(peak_files, entries(dir));
                     });
    std::string out;
    if (!r.out.error.empty()) out += "error: " + r.out.error + "; ";
    if (r.out.achieved != 40) out += "achieved " + std::to_string(r.out.achieved) + "; ";
    if (peak_mounts < 1 || peak_mounts > 6) out += "peak mounts " + std::to_string(peak_mounts) + "; ";
    if (peak_files < 1) out += "no namespace file seen; ";
    if (mounts_under(base) != 0) out += "mounts left under " + base + "; ";
    struct stat st;
    if (stat(dir.c_str(), &st) == 0) out += dir + " left behind; ";
    rmdir((base + "/run").c_str());
    rmdir(base.c_str());
    return out;
  });
  EXPECT_EQ(msg, "");
}

TEST(Netns, ProcessInsideEachAndLoopbackUp) {
  NEED_ROOT();
  int peak = 0, lo_checked = 0, lo_up = 0;
  Ran r = run_kind(
      "netns",
      P({{"count", int64_t{6}}, {"hold", 0.3}, {"concurrency", int64_t{3}}, {"process", true}, {"loopback_up", true}}),
      {}, -1, [&] {
        auto kids = children();
        peak = std::max(peak, (int)kids.size());
        if (kids.empty() || lo_checked >= 3) return;
        // Enter the child's namespace on a throwaway thread and look at lo.
        int nsfd = open(("/proc/" + std::to_string(kids[0]) + "/ns/net").c_str(), O_RDONLY);
        if (nsfd < 0) return;
        std::thread([&] {
          if (setns(nsfd, CLONE_NEWNET) != 0) return;
          int s = socket(AF_INET, SOCK_DGRAM, 0);
          ifreq ifr{};
          strcpy(ifr.ifr_name, "lo");
          if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
            lo_checked++;
            if (ifr.ifr_flags & IFF_UP) lo_up++;
          }
          close(s);
        }).join();
        close(nsfd);
      });
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.achieved, 6u);
  EXPECT_GE(peak, 1);
  EXPECT_LE(peak, 3);
  EXPECT_GE(lo_checked, 1);
  EXPECT_EQ(lo_up, lo_checked);
  EXPECT_TRUE(children().empty());
}

TEST(Netns, VethPairsCreatedAndDeleted) {
  NEED_ROOT();
  int before = our_veths(), peak = 0;
  Ran r = run_kind("netns", P({{"count", int64_t{8}}, {"hold", 0.1}, {"concurrency", int64_t{4}}, {"veth", true}}), {},
                   -1, [&] { peak = std::max(peak, our_veths() - before); });
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.achieved, 8u);
  EXPECT_GE(peak, 1);
  EXPECT_LE(peak, 4);
  EXPECT_EQ(our_veths(), before);
}

TEST(Netns, MaxLivePacesOnTheLiveCount) {
  NEED_ROOT();
  // A fake live count: 10 until 0.2 s have passed, then 0. With max_live 5 nothing may be
  // created before that.
  auto t0 = std::chrono::steady_clock::now();
  std::atomic<int> calls{0};
  WorkloadContext ctx;
  ctx.live_netns = [&] {
    calls++;
    return std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(200) ? 10.0 : 0.0;
  };
  uint64_t early = 0;
  bool sampled = false;
  Ran r = run_kind("netns", P({{"count", int64_t{10}}, {"max_live", int64_t{5}}}), ctx, -1, [&] {
    if (!sampled && std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(150)) {
      early = std::max<uint64_t>(early, (uint64_t)other_netns_fds());
    }
  });
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.achieved, 10u);
  EXPECT_GT(calls.load(), 10);
  EXPECT_EQ(early, 0u);
  EXPECT_TRUE(r.out.warnings.empty());
}

TEST(Netns, MaxLiveWithoutMeasureWarns) {
  NEED_ROOT();
  Ran r = run_kind("netns", P({{"count", int64_t{2}}, {"max_live", int64_t{5}}}));
  EXPECT_EQ(r.out.achieved, 2u);
  ASSERT_EQ(r.out.warnings.size(), 1u);
  EXPECT_NE(r.out.warnings[0].find("max_live ignored"), std::string::npos);
}

TEST(Netns, OpenFilesLimitIsAnErrorWithErrnoAndReleasesEverything) {
  NEED_ROOT();
  std::string msg = in_child([]() -> std::string {
    int base = count_fds();
    rlimit rl{(rlim_t)base + 20, (rlim_t)base + 20};  // room for ~15 namespaces, not 50
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) return "setrlimit failed";
    Ran r = run_kind("netns", P({{"count", int64_t{50}}, {"hold", 30.0}, {"concurrency", int64_t{50}}}));
    std::string out;
    if (r.out.error_errno != EMFILE) out += "errno " + std::to_string(r.out.error_errno) + "; ";
    if (r.out.error.find("Too many open files after ") == std::string::npos) out += "message '" + r.out.error + "'; ";
    if (r.out.achieved < 5 || r.out.achieved >= 50) out += "achieved " + std::to_string(r.out.achieved) + "; ";
    if (r.events != r.out.achieved) out += "events differ; ";
    if (count_fds() != base) out += "fds " + std::to_string(count_fds()) + " != " + std::to_string(base) + "; ";
    return out;
  });
  EXPECT_EQ(msg, "");
}

TEST(Netns, MaxNetNamespacesIsENOSPC) {
  NEED_ROOT();
  // A child user namespace has its own max_net_namespaces, writable by its root.
#if defined(__SANITIZE_THREAD__)
  // unshare(CLONE_NEWUSER) needs a single-threaded process (EINVAL otherwise), and TSan starts its
  // background thread in every forked child. The child stops it the way sandboxes do, which
  // works once the runtime has started that thread here, with a first thread of ours.
  std::thread([] {}).join();
#endif
  std::string msg = in_child([]() -> std::string {
    uid_t uid = geteuid();
    gid_t gid = getegid();
#if defined(__SANITIZE_THREAD__)
    __sanitizer_sandbox_on_notify(nullptr);
#endif
    if (unshare(CLONE_NEWUSER) != 0) return std::string("SKIP unshare(CLONE_NEWUSER): ") + strerror(errno);
    int fd = open("/proc/self/setgroups", O_WRONLY);
    if (fd < 0 || write(fd, "deny", 4) != 4) return "SKIP setgroups";
    close(fd);
    fd = open("/proc/self/uid_map", O_WRONLY);
    std::string m = "0 " + std::to_string(uid) + " 1";
    if (fd < 0 || write(fd, m.data(), m.size()) < 0) return "SKIP uid_map";
    close(fd);
    fd = open("/proc/self/gid_map", O_WRONLY);
    m = "0 " + std::to_string(gid) + " 1";
    if (fd < 0 || write(fd, m.data(), m.size()) < 0) return "SKIP gid_map";
    close(fd);
    // The workload returns to its original namespace after each unshare: that must be one
    // this user namespace owns (setns into the host's is EPERM here). It counts as 1 of 5.
    if (unshare(CLONE_NEWNET) != 0) return std::string("unshare(CLONE_NEWNET): ") + strerror(errno);
    fd = open("/proc/sys/user/max_net_namespaces", O_WRONLY);
    if (fd < 0 || write(fd, "5", 1) != 1) return std::string("SKIP max_net_namespaces: ") + strerror(errno);
    close(fd);
    Ran r = run_kind("netns", P({{"count", int64_t{10}}, {"hold", 30.0}, {"concurrency", int64_t{10}}}));
    std::string out;
    if (r.out.error_errno != ENOSPC) out += "errno " + std::to_string(r.out.error_errno) + " (" + r.out.error + "); ";
    if (r.out.error != "unshare(CLONE_NEWNET): No space left on device after 4 netns")
      out += "message '" + r.out.error + "'; ";
    if (r.out.achieved != 4) out += "achieved " + std::to_string(r.out.achieved) + "; ";
    if (other_netns_fds() != 0) out += "namespace fds left; ";
    return out;
  });
  if (starts_with(msg, "SKIP")) GTEST_SKIP() << msg;
  EXPECT_EQ(msg, "");
}

TEST(Netns, CheckRejectsConcurrencyAboveTheOpenFilesLimit) {
  rlimit rl{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
  if (rl.rlim_cur == RLIM_INFINITY) GTEST_SKIP() << "no open-files limit here";
  std::string field;
  EXPECT_EQ(check_error("netns", P({{"count", int64_t{100}}, {"hold", 1.0}, {"concurrency", int64_t{10}}}), field), "");
  const WorkloadKind* k = find_workload_kind("netns");
  int64_t n = (int64_t)rl.rlim_cur;
  Params p = P({{"count", n * 10}, {"hold", 1.0}, {"concurrency", n}});
  fill_defaults(k->fields, p);
  bool named = false;
  for (const auto& pr : k->check(p))
    if (pr.message.find("open-files limit " + format_number((double)n)) != std::string::npos) {
      named = true;
      EXPECT_EQ(pr.field, "concurrency");
      EXPECT_FALSE(pr.warning);
    }
  EXPECT_TRUE(named);
}

TEST(Netns, OneRuleForNamespacesAliveAtOnce) {
  // The kind's own check is what the loader reports: min(count, concurrency) against
  // /proc/sys/user/max_net_namespaces, whatever `hold` is.
  auto limit = parse_count(trim(read_file("/proc/sys/user/max_net_namespaces")));
  if (!limit) GTEST_SKIP() << "cannot read /proc/sys/user/max_net_namespaces";
  const WorkloadKind* k = find_workload_kind("netns");
  ASSERT_NE(k, nullptr);
  for (double hold : {0.0, 1.0}) {
    Params p = P({{"count", *limit + 1}, {"concurrency", *limit + 1}, {"hold", hold}});
    fill_defaults(k->fields, p);
    auto problems = k->check(p);
    bool named = false;
    for (const auto& pr : problems)
      named |=
          !pr.warning && pr.message.find("max_net_namespaces (" + std::to_string(*limit) + ")") != std::string::npos;
    EXPECT_TRUE(named) << "hold " << hold;
  }
  // A soak: count above the limit, concurrency below it: a warning, not an error.
  Params soak = P({{"count", *limit + 1}, {"concurrency", int64_t{4}}});
  fill_defaults(k->fields, soak);
  auto problems = k->check(soak);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_TRUE(problems[0].warning);
  EXPECT_EQ(problems[0].field, "count");
}

TEST(Netns, NeedsNetworkNamespaces) {
  const WorkloadKind* k = find_workload_kind("netns");
  ASSERT_NE(k->needs, nullptr);
  auto needs = k->needs(Params{});
  ASSERT_EQ(needs.size(), 1u);
  EXPECT_STREQ(needs[0].feature, "netns.create");
}

}  // namespace
}  // namespace lg::test
