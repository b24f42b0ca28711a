// SPDX-License-Identifier: MIT
// nstuner visits every new network namespace; leaky mode keeps one host-netns fd per visit.
// The same test runs nstuner's build variants (tests/targets/variants_test.cc checks how
// they are built) and gotuner, its Go twin on vishvananda/netns: all must behave alike.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>

#include "tests/targets/target_proc.h"

namespace {

constexpr int kMounted = 20;  // namespaces bind-mounted as `ip netns add` does

// Creates a namespace, bind-mounts it at `path` and comes back to the original one.
std::string add_netns(const std::string& path, int home_fd) {
  int f = open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  if (f < 0) return "create " + path + ": " + strerror(errno);
  close(f);
  if (unshare(CLONE_NEWNET) != 0) return std::string("unshare(CLONE_NEWNET): ") + strerror(errno);
  std::string err;
  if (mount("/proc/self/ns/net", path.c_str(), nullptr, MS_BIND, nullptr) != 0)
    err = "bind mount " + path + ": " + strerror(errno);
  if (setns(home_fd, CLONE_NEWNET) != 0) err = std::string("setns back: ") + strerror(errno);
  return err;
}

// The whole scenario, inside a private mount namespace: start nstuner on a tmpfs netns
// dir, add one namespace held by a process and kMounted bind-mounted ones, remove them.
tt::Results drive(const std::string& binary, const std::string& mode, const std::string& dir,
                  const std::string& sysctl) {
  std::string netns_dir = dir + "/netns";
  return tt::in_private_mount_ns([&](tt::Results& out) {
    if (mount("tmpfs", netns_dir.c_str(), "tmpfs", 0, "size=1m") != 0) {
      out["error"] = std::string("mount tmpfs: ") + strerror(errno);
      return;
    }
    tt::Target t;
    std::string err =
        t.start(binary, {"--mode", mode, "--netns-dir", netns_dir, "--interval", "20ms", "--sysctl", sysctl}, dir);
    std::string ready = err.empty() ? t.ready_line() : "";
    out["ready"] = ready;
    int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    long long visited0 = tt::counter(t.counters(), "visited ");
    int fds0 = tt::count_fds(t.pid(), "net:[");
    auto visited_reaches = [&](long long n) {
      return tt::wait_until([&] { return tt::counter(t.counters(), "visited ") >= n; });
    };

    // A namespace held only by a process, found through /proc/*/ns/net.
    int sync[2];
    if (pipe2(sync, O_CLOEXEC) != 0) err = "pipe";
    pid_t holder = fork();
    if (holder == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      char c = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
      if (write(sync[1], &c, 1) != 1) _exit(1);
      pause();
      _exit(0);
    }
    char c = 'n';
    if (holder < 0)
      err = std::string("fork: ") + strerror(errno);
    else if (read(sync[0], &c, 1) != 1 || c != 'y')
      err = "the holder process could not unshare its netns";
    close(sync[0]);
    close(sync[1]);
    out["process_ns_seen"] = visited_reaches(visited0 + 1) ? "yes" : "no";

    for (int i = 0; i < kMounted && err.empty(); i++) err = add_netns(netns_dir + "/ns" + std::to_string(i), home);
    out["mounted_ns_seen"] = visited_reaches(visited0 + 1 + kMounted) ? "yes" : "no";
    // Other tests on the machine may add namespaces too: compare fds with visits made, read
    // while no visit happens in between.
    for (int tries = 0; tries < 50; tries++) {
      long long v1 = tt::counter(t.counters(), "visited ");
      int fds = tt::count_fds(t.pid(), "net:[");
      if (tt::counter(t.counters(), "visited ") != v1) continue;
      out["visits"] = std::to_string(v1 - visited0);
      std::string c = t.counters();
      out["tuned"] = std::to_string(tt::counter(c, "tuned "));
      out["errors"] = std::to_string(tt::counter(c, "errors "));
      out["fds_grew"] = std::to_string(fds - fds0);
      break;
    }

    // Gone namespaces must be forgotten, or memory grows with the total ever seen.
    long long tracking_all = tt::counter(t.counters(), "tracking ");
    if (holder > 0) {
      kill(holder, SIGKILL);
      waitpid(holder, nullptr, 0);
    }
    for (int i = 0; i < kMounted; i++) {
      std::string p = netns_dir + "/ns" + std::to_string(i);
      umount2(p.c_str(), MNT_DETACH);
      unlink(p.c_str());
    }
    out["forgot"] =
        tt::wait_until([&] { return tt::counter(t.counters(), "tracking ") <= tracking_all - 1 - kMounted; }) ? "yes"
                                                                                                              : "no";
    out["exit"] = std::to_string(t.stop());
    if (!err.empty()) out["error"] = err;
    close(home);
    umount2(netns_dir.c_str(), MNT_DETACH);
  });
}

// (binary, mode)
class NstunerTest : public ::testing::TestWithParam<std::tuple<const char*, const char*>> {};

// Runs the scenario in a fresh temp dir; returns its results.
tt::Results run_scenario(const std::string& binary, const std::string& mode, const std::string& sysctl) {
  tt::TempDir tmp;
  if (tmp.path.empty() || mkdir((tmp.path + "/netns").c_str(), 0700) != 0) return {{"error", "temp dir"}};
  tt::Results r = drive(binary, mode, tmp.path, sysctl);
  rmdir((tmp.path + "/netns").c_str());
  return r;
}

// The ready line names the program: the variants are nstuner built otherwise.
std::string ready_prefix(const std::string& binary) {
  return (binary == "gotuner" ? "gotuner" : "nstuner") + std::string(" ready");
}

TEST_P(NstunerTest, VisitsEveryNamespaceAndLeaksOnlyWhenLeaky) {
  auto [binary, mode] = GetParam();
  if (std::string why = tt::not_built(binary); !why.empty()) GTEST_SKIP() << why;
  if (geteuid() != 0) GTEST_SKIP() << "creating network namespaces and mounts needs root";
  tt::Results r = run_scenario(binary, mode, "net/ipv4/tcp_keepalive_time");
  EXPECT_EQ(r["error"], "");
  EXPECT_EQ(r["ready"].rfind(ready_prefix(binary), 0), 0u) << r["ready"];
  EXPECT_EQ(r["process_ns_seen"], "yes");
  EXPECT_EQ(r["mounted_ns_seen"], "yes");
  EXPECT_GE(atoi(r["visits"].c_str()), 1 + kMounted);
  EXPECT_GE(atoi(r["tuned"].c_str()), 1 + kMounted);
  if (mode == std::string("leaky"))
    EXPECT_EQ(r["fds_grew"], r["visits"]) << "one saved host-netns fd per namespace visited";
  else
    EXPECT_EQ(r["fds_grew"], "0");
  EXPECT_EQ(r["forgot"], "yes");
  EXPECT_EQ(r["exit"], "0");
}

// A sysctl that does not exist makes every visit take an error path.
TEST_P(NstunerTest, ErrorPathsCloseTheirFdsWhenFixed) {
  auto [binary, mode] = GetParam();
  if (std::string why = tt::not_built(binary); !why.empty()) GTEST_SKIP() << why;
  if (geteuid() != 0) GTEST_SKIP() << "creating network namespaces and mounts needs root";
  tt::Results r = run_scenario(binary, mode, "net/ipv4/no_such_sysctl");
  EXPECT_EQ(r["error"], "");
  EXPECT_EQ(r["mounted_ns_seen"], "yes");
  EXPECT_EQ(r["tuned"], "0");
  EXPECT_GE(atoi(r["errors"].c_str()), 1 + kMounted) << "one error per namespace visited";
  if (mode == std::string("leaky"))
    EXPECT_EQ(r["fds_grew"], r["visits"]);
  else
    EXPECT_EQ(r["fds_grew"], "0");
  EXPECT_EQ(r["exit"], "0");
}

std::string param_name(const ::testing::TestParamInfo<std::tuple<const char*, const char*>>& info) {
  std::string n = std::string(std::get<0>(info.param)) + "_" + std::get<1>(info.param);
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}

INSTANTIATE_TEST_SUITE_P(Modes, NstunerTest,
                         ::testing::Combine(::testing::Values("nstuner", "gotuner"),
                                            ::testing::Values("leaky", "fixed")),
                         param_name);
INSTANTIATE_TEST_SUITE_P(Variants, NstunerTest,
                         ::testing::Combine(::testing::Values("nstuner-nofp", "nstuner-stripped", "nstuner-shlib"),
                                            ::testing::Values("leaky")),
                         param_name);

}  // namespace
