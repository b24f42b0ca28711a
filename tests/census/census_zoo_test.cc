// SPDX-License-Identifier: MIT
// Both backends against fdzoo: every fd kind, threads, zombies and BPF objects counted exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <unistd.h>

#include <map>

#include "census/zoo.h"
#include "harness/base/cgroup.h"
#include "harness/base/fs.h"
#include "harness/base/series.h"
#include "harness/census/census.h"
#include "harness/census/columns.h"

namespace lg {
namespace {

using test::Zoo;

// Makes a census or skips the test with the reason.
std::unique_ptr<Census> make_or_skip(Backend b, const CensusScope& s, std::string& skip, CensusOptions o = {}) {
  std::string err, note;
  auto c = make_census(b, s, o, err, note);
  if (!c) skip = std::string(backend_name(b)) + " census unavailable: " + err;
  return c;
}

CensusScope pid_scope(pid_t pid) {
  CensusScope s;
  s.kind = CensusScope::Pid;
  s.pid = pid;
  return s;
}

std::map<std::string, double> read(Census& c) {
  std::vector<double> v;
  std::string err;
  EXPECT_TRUE(c.sample(v, err)) << err;
  std::map<std::string, double> m;
  for (size_t i = 0; i < c.metrics().size() && i < v.size(); i++) m[c.metrics()[i]] = v[i];
  return m;
}

// fdzoo flags and the counts they must produce (fds 0-2 are pipes to the test).
struct Expect {
  std::vector<std::string> flags;
  std::map<std::string, double> want;
};

Expect full_zoo() {
  Expect e;
  e.flags = {"--regular",     "3",  "--dir",     "2", "--socket",  "4", "--pipe",     "5",   "--chr",      "1",
             "--netns",       "2",  "--nsfs",    "3", "--bpf-map", "2", "--bpf-prog", "2",   "--bpf-link", "3",
             "--perf",        "1",  "--eventfd", "2", "--epoll",   "1", "--timerfd",  "1",   "--signalfd", "1",
             "--pidfd",       "2",  "--threads", "3", "--zombies", "2", "--hash",     "100", "--lru",      "50",
             "--percpu-hash", "30", "--lpm",     "40"};
  e.want = {{"fd.file", 3},
            {"fd.dir", 2},
            {"fd.socket", 4},
            {"fd.pipe", 5 + 3},
            {"fd.chr", 1},
            {"fd.netns", 2},
            {"fd.nsfs_other", 3},
            {"fd.bpf_map", 2 + 4},
            {"fd.bpf_prog", 2},
            {"fd.bpf_link", 3},
            {"fd.perf_event", 1},
            {"fd.eventfd", 2},
            {"fd.epoll", 1},
            {"fd.timerfd", 1},
            {"fd.signalfd", 1},
            {"fd.pidfd", 2},
            {"fd.anon_other", 0},
            {"fd.other", 0},
            {"proc.processes", 1},
            {"proc.threads", 4},
            {"proc.zombies", 2},
            {"bpf.maps", 6},
            {"bpf.progs", 2},
            {"bpf.links", 3},
            {"bpf.map_entries", 2 + 100 + 50 + 30 + 40}};
  double total = 0;
  for (const auto& [k, v] : e.want)
    if (k.rfind("fd.", 0) == 0) total += v;
  e.want["fd.total"] = total;
  return e;
}

class ZooTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (fdzoo creates netns and BPF objects)";
  }
};

TEST_P(ZooTest, EveryKindExact) {
  Expect e = full_zoo();
  Zoo zoo;
  ASSERT_TRUE(zoo.start(e.flags)) << zoo.error;
  CensusScope s = pid_scope(zoo.pid);
  std::string skip;
  auto c = make_or_skip(GetParam(), s, skip);
  if (!c) GTEST_SKIP() << skip;
  EXPECT_STREQ(c->backend(), backend_name(GetParam()));
  auto got = read(*c);
  for (const auto& [k, v] : e.want) {
    if (k == "bpf.map_entries" && GetParam() == Backend::Procfs) {
      EXPECT_TRUE(std::isnan(got[k]));
      continue;
    }
    EXPECT_EQ(got[k], v) << k;
  }
  EXPECT_GT(got["proc.rss_bytes"], 100e3);
  EXPECT_GT(got["bpf.map_bytes"], 0);
}

// The catalogue drives this test: a metric a backend claims (MetricInfo::backends) is measured
// by it, a number in every column; a metric it does not claim is NaN with its reason. A metric
// added to the catalogue without its measurement in a backend that claims it fails here.
TEST_P(ZooTest, MeasuresEveryMetricItClaims) {
  Expect e = full_zoo();
  Zoo zoo;
  ASSERT_TRUE(zoo.start(e.flags)) << zoo.error;
  CensusScope s = pid_scope(zoo.pid);
  std::string skip;
  auto c = make_or_skip(GetParam(), s, skip);
  if (!c) GTEST_SKIP() << skip;
  ASSERT_GE(c->metrics().size(), kMetricCount);
  std::vector<double> v;
  std::string err;
  ASSERT_TRUE(c->sample(v, err)) << err;
  for (size_t i = 0; i < kMetricCount; i++) {
    const MetricInfo& m = metric_info(static_cast<MetricId>(i));
    EXPECT_EQ(c->metrics()[i], m.name) << "column " << i;
    if (m.backends & backend_bit(GetParam())) {
      EXPECT_EQ(c->unavailable()[i], "") << m.name;
      EXPECT_FALSE(std::isnan(v[i])) << m.name << " is claimed by " << c->backend() << " but not measured";
    } else {
      EXPECT_NE(c->unavailable()[i], "") << m.name;
      EXPECT_TRUE(std::isnan(v[i])) << m.name;
    }
  }
  // Families: each configured member of sys.slab.<cache> that exists on its own here is measured.
  for (size_t i = kMetricCount; i < c->metrics().size(); i++) {
    ASSERT_TRUE(is_slab_metric(c->metrics()[i])) << c->metrics()[i];
    if (c->unavailable()[i].empty()) {
      EXPECT_FALSE(std::isnan(v[i])) << c->metrics()[i];
    }
  }
}

TEST_P(ZooTest, ManyFdsExact) {
  // Thousands of fds span many words of the fd bitmap walked by the BPF backend.
  Zoo zoo;
  ASSERT_TRUE(zoo.start({"--regular", "2000", "--socket", "700", "--pipe", "301", "--dir", "64"})) << zoo.error;
  CensusScope s = pid_scope(zoo.pid);
  std::string skip;
  auto c = make_or_skip(GetParam(), s, skip);
  if (!c) GTEST_SKIP() << skip;
  auto got = read(*c);
  EXPECT_EQ(got["fd.file"], 2000);
  EXPECT_EQ(got["fd.socket"], 700);
  EXPECT_EQ(got["fd.pipe"], 301 + 3);
  EXPECT_EQ(got["fd.dir"], 64);
  EXPECT_EQ(got["fd.total"], 2000 + 700 + 304 + 64);
}

TEST_P(ZooTest, BackendsAgreeOnBytes) {
  Zoo zoo;
  ASSERT_TRUE(zoo.start({"--hash", "1000", "--lpm", "10", "--bpf-map", "3"})) << zoo.error;
  CensusScope s = pid_scope(zoo.pid);
  std::string skip;
  auto c = make_or_skip(GetParam(), s, skip);
  if (!c) GTEST_SKIP() << skip;
  auto p = make_or_skip(Backend::Procfs, s, skip);
  ASSERT_TRUE(p);
  auto a = read(*c), b = read(*p);
  EXPECT_EQ(a["bpf.map_bytes"], b["bpf.map_bytes"]);
  EXPECT_GT(a["bpf.map_bytes"], 1000 * 8);
  // RSS: the BPF backend reads the counters' central value, which lags by at most the
  // percpu_counter batch (32 pages) per CPU and counter; allow that much.
  double slack = 3 * 32 * 4096.0 * sysconf(_SC_NPROCESSORS_CONF) + 1e6;
  EXPECT_NEAR(a["proc.rss_bytes"], b["proc.rss_bytes"], slack);
}

TEST_P(ZooTest, MapEntriesPerKind) {
  bool procfs = GetParam() == Backend::Procfs;
  struct Case {
    const char* flag;
    int n;
  };
  for (Case k : {Case{"--hash", 777}, Case{"--lru", 300}, Case{"--percpu-hash", 123}, Case{"--lpm", 456}}) {
    Zoo zoo;
    ASSERT_TRUE(zoo.start({k.flag, std::to_string(k.n)})) << zoo.error;
    CensusScope s = pid_scope(zoo.pid);
    std::string skip;
    auto c = make_or_skip(GetParam(), s, skip);
    if (!c) GTEST_SKIP() << skip;
    auto got = read(*c);
    EXPECT_EQ(got["bpf.maps"], 1) << k.flag;
    if (procfs) {
      // procfs has no element count: the column must be unavailable with the reason, never 0.
      EXPECT_TRUE(std::isnan(got["bpf.map_entries"])) << k.flag;
      size_t i = 0;
      while (i < c->metrics().size() && c->metrics()[i] != "bpf.map_entries") i++;
      ASSERT_LT(i, c->unavailable().size());
      EXPECT_NE(c->unavailable()[i].find("procfs"), std::string::npos) << c->unavailable()[i];
    } else {
      EXPECT_EQ(got["bpf.map_entries"], k.n) << k.flag;
    }
  }
}

TEST_P(ZooTest, FollowsChangesBetweenSamples) {
  // One census object, several samples: the count follows the target (links are reused).
  Zoo a;
  ASSERT_TRUE(a.start({"--eventfd", "7", "--zombies", "1"})) << a.error;
  CensusScope s = pid_scope(a.pid);
  std::string skip;
  auto c = make_or_skip(GetParam(), s, skip);
  if (!c) GTEST_SKIP() << skip;
  for (int i = 0; i < 3; i++) {
    auto got = read(*c);
    EXPECT_EQ(got["fd.eventfd"], 7);
    EXPECT_EQ(got["fd.total"], 10);
    EXPECT_EQ(got["proc.zombies"], 1);
  }
  a.stop();
  std::vector<double> v;
  std::string err;
  EXPECT_FALSE(c->sample(v, err));
  EXPECT_EQ(err, "process " + std::to_string(s.pid) + " does not exist");
}

TEST_P(ZooTest, ProcessTreeScope) {
  // sh holds its stdin as fd 3 for the background fdzoo (an async list gets /dev/null).
  Zoo tree;
  std::string cmd = "exec 3<&0; " + test::fdzoo_path() + " --socket 5 --threads 2 --zombies 1 <&3 3<&- & wait";
  ASSERT_TRUE(tree.start_argv({"/bin/sh", "-c", cmd})) << tree.error;
  CensusScope s;
  s.kind = CensusScope::Cgroup;  // no cgroup path: the process tree
  s.tree_root = tree.pid;
  std::string skip;
  auto c = make_or_skip(GetParam(), s, skip);
  if (!c) GTEST_SKIP() << skip;
  auto p = make_or_skip(Backend::Procfs, s, skip);
  ASSERT_TRUE(p);
  auto got = read(*c), ref = read(*p);
  EXPECT_EQ(got["proc.processes"], 2);
  EXPECT_EQ(got["proc.threads"], 1 + 3);
  EXPECT_EQ(got["proc.zombies"], 1);
  EXPECT_EQ(got["fd.socket"], 5);
  for (const char* m : {"fd.total", "fd.pipe", "fd.socket", "proc.threads", "proc.zombies"})
    EXPECT_EQ(got[m], ref[m]) << m;
}

// Threads stuck in uninterruptible sleep (vfork-style clones whose children wait): counted in
// proc.dstate and sys.dstate; the pid scope counts the zoo's threads, the tree scope also its
// children (which wait in S state, not D).
TEST_P(ZooTest, DstateCountsStuckThreads) {
  Zoo zoo;
  ASSERT_TRUE(zoo.start({"--dstate", "4", "--threads", "2"})) << zoo.error;
  CensusScope s = pid_scope(zoo.pid);
  std::string skip;
  auto c = make_or_skip(GetParam(), s, skip);
  if (!c) GTEST_SKIP() << skip;
  auto got = read(*c);
  EXPECT_EQ(got["proc.dstate"], 4);
  EXPECT_EQ(got["proc.threads"], 1 + 4 + 2);
  EXPECT_GE(got["sys.dstate"], 4);
  s.kind = CensusScope::Cgroup;  // the process tree: the zoo and its 4 waiting children
  s.tree_root = zoo.pid;
  auto t = make_or_skip(GetParam(), s, skip);
  ASSERT_TRUE(t) << skip;
  auto tg = read(*t);
  EXPECT_EQ(tg["proc.dstate"], 4);
  EXPECT_EQ(tg["proc.processes"], 1 + 4);
  zoo.stop();
}

// fd.limit_used: open fds over the soft RLIMIT_NOFILE of the fullest process; both backends
// give exactly 3 + N over the limit the shell set.
TEST_P(ZooTest, FdLimitUsed) {
  Zoo zoo;
  // sh keeps the limit for the fdzoo it execs: 3 + 77 fds under a soft limit of 100.
  std::string cmd = "ulimit -S -n 100 && exec " + test::fdzoo_path() + " --regular 77";
  ASSERT_TRUE(zoo.start_argv({"/bin/sh", "-c", cmd})) << zoo.error;
  CensusScope s = pid_scope(zoo.pid);
  std::string skip;
  auto c = make_or_skip(GetParam(), s, skip);
  if (!c) GTEST_SKIP() << skip;
  auto got = read(*c);
  EXPECT_EQ(got["fd.total"], 80);
  EXPECT_DOUBLE_EQ(got["fd.limit_used"], 0.8);
}

TEST_P(ZooTest, SystemMetricsMeasured) {
  CensusScope s;  // System
  std::string skip;
  auto c = make_or_skip(GetParam(), s, skip);
  if (!c) GTEST_SKIP() << skip;
  auto got = read(*c);
  EXPECT_TRUE(std::isnan(got["fd.total"]));
  EXPECT_GT(got["sys.tasks"], 1);
  EXPECT_GE(got["sys.zombies"], 0);
  EXPECT_GE(got["sys.dstate"], 0);
  EXPECT_GT(got["sys.file_handles"], 10);
  EXPECT_GT(got["sys.unreclaimable_bytes"], 1 << 20);
  EXPECT_TRUE(std::isnan(got["fd.limit_used"]));
  EXPECT_TRUE(std::isnan(got["proc.dstate"]));
  if (GetParam() == Backend::Bpf || !cgroup2_mount().empty()) {
    EXPECT_GE(got["sys.dying_cgroups"], 0);
  }
  EXPECT_GE(got["sys.bpf_maps"], 0);
  if (GetParam() == Backend::Bpf)
    EXPECT_GE(got["sys.netns"], 1);
  else
    EXPECT_TRUE(std::isnan(got["sys.netns"]));
  int filp = column(c->metrics(), "sys.slab.filp");
  ASSERT_GE(filp, 0);
  if (c->unavailable()[filp].empty()) {
    EXPECT_GT(got["sys.slab.filp"], 0);
  }
}

// An `ip netns`-style fd: a namespace bind-mounted on /run/netns/NAME and opened through that
// path. Its link is the path and its inode says S_IFREG, yet it is a network namespace fd
// (issue 17: procfs used to count it as fd.file, so a tuner leaking these passed fd.netns).
// The mounts live in a private mount namespace that dies with the process.
TEST_P(ZooTest, NetnsOpenedThroughBindMount) {
  if (access("/usr/bin/unshare", X_OK) != 0 && access("/bin/unshare", X_OK) != 0) GTEST_SKIP() << "no unshare(1)";
  std::string ip = access("/usr/sbin/ip", X_OK) == 0 ? "/usr/sbin/ip" : "/sbin/ip";
  if (access(ip.c_str(), X_OK) != 0) GTEST_SKIP() << "no ip(8) (iproute2)";
  Zoo held;
  std::string cmd = "mkdir -p /run/netns && mount -t tmpfs lg-census-test /run/netns && " + ip +
                    " netns add lgzoo && exec 3</run/netns/lgzoo && echo ready && exec cat";
  ASSERT_TRUE(held.start_argv({"/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", cmd}))
      << held.error;
  CensusScope s;
  s.kind = CensusScope::Pid;
  s.pid = held.pid;
  std::string skip;
  auto c = make_or_skip(GetParam(), s, skip);
  if (!c) GTEST_SKIP() << skip;
  auto got = read(*c);
  EXPECT_EQ(got["fd.netns"], 1);
  EXPECT_EQ(got["fd.file"], 0);
  EXPECT_EQ(got["fd.nsfs_other"], 0);
  EXPECT_EQ(got["fd.total"], 4);  // stdin, stdout, stderr and the namespace
}

INSTANTIATE_TEST_SUITE_P(Backends, ZooTest, ::testing::Values(Backend::Bpf, Backend::Procfs),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace lg
