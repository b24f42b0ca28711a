// SPDX-License-Identifier: MIT
// The metric catalogue: typed ids and names agree, fd kinds map onto their metrics, families
// accept any member, backends parse and print.
#include <gtest/gtest.h>

#include <set>

#include "bpf/census.h"
#include "harness/base/backend.h"
#include "harness/base/metrics.h"

namespace lg {
namespace {

TEST(Metrics, IdsAndNamesAgree) {
  ASSERT_EQ(metric_catalogue().size(), kMetricCount);
  std::set<std::string> seen;
  for (size_t i = 0; i < kMetricCount; i++) {
    MetricId id = static_cast<MetricId>(i);
    const std::string& name = metric_name(id);
    EXPECT_TRUE(seen.insert(name).second) << "listed twice: " << name;
    MetricId back;
    ASSERT_TRUE(find_metric_id(name, back)) << name;
    EXPECT_EQ(back, id) << name;
    EXPECT_EQ(find_metric(name), &metric_info(id)) << name;
  }
  EXPECT_EQ(metric_name(MetricId::fd_total), "fd.total");
  EXPECT_EQ(metric_name(MetricId::sys_netns), "sys.netns");
  EXPECT_EQ(metric_name(MetricId::bpf_map_entries), "bpf.map_entries");
  MetricId id;
  EXPECT_FALSE(find_metric_id("fd.netsn", id));
  EXPECT_EQ(find_metric("fd.netsn"), nullptr);
  EXPECT_EQ(suggest_metric("fd.netsn"), "fd.netns");
}

TEST(Metrics, TargetMetricsComeFirst) {
  bool system = false;
  for (const auto& m : metric_catalogue()) {
    if (m.scope == Scope::System) system = true;
    EXPECT_FALSE(system && m.scope == Scope::Target) << m.name << " after a system metric";
    EXPECT_NE(m.backends, 0u) << m.name;
    if (!(m.backends & kProcfs)) {
      EXPECT_NE(std::string(m.procfs_gap), "") << m.name << " must say why procfs lacks it";
    }
  }
}

TEST(Metrics, FdKindsAreTheFdMetrics) {
  EXPECT_EQ(metric_name(fd_kind_metric(CENSUS_FD_FILE)), "fd.file");
  EXPECT_EQ(metric_name(fd_kind_metric(CENSUS_FD_NETNS)), "fd.netns");
  EXPECT_EQ(metric_name(fd_kind_metric(CENSUS_FD_BPF_LINK)), "fd.bpf_link");
  EXPECT_EQ(metric_name(fd_kind_metric(CENSUS_FD_OTHER)), "fd.other");
  for (int k = 0; k < CENSUS_FD_KINDS; k++) EXPECT_EQ(metric_name(fd_kind_metric(k)).substr(0, 3), "fd.") << k;
  // Every fd.* metric but fd.total is a kind.
  int fd_metrics = 0;
  for (const auto& m : metric_catalogue()) fd_metrics += m.name.rfind("fd.", 0) == 0 && m.name != "fd.total";
  EXPECT_EQ(fd_metrics, CENSUS_FD_KINDS);
}

TEST(Metrics, FamiliesTakeAnyMember) {
  const MetricInfo* m = find_metric("sys.slab.kmalloc-64");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->name, "sys.slab.kmalloc-64");
  EXPECT_STREQ(m->unit, "objects");
  EXPECT_EQ(m->scope, Scope::System);
  EXPECT_EQ(find_metric("sys.slab.kmalloc-64"), m);  // one entry per member
  EXPECT_TRUE(is_slab_metric("sys.slab.filp"));
  EXPECT_FALSE(is_slab_metric("sys.slab."));
  EXPECT_FALSE(is_slab_metric("sys.netns"));
  EXPECT_EQ(slab_metric_name("filp"), "sys.slab.filp");
  EXPECT_EQ(metric_family(MetricFamilyId::sys_slab).pattern(), "sys.slab.<cache>");
  MetricId id;
  EXPECT_FALSE(find_metric_id("sys.slab.filp", id));
}

TEST(Metrics, Backends) {
  for (const auto& n : backend_names()) {
    auto b = parse_backend(n);
    ASSERT_TRUE(b) << n;
    EXPECT_EQ(backend_name(*b), n);
  }
  EXPECT_FALSE(parse_backend("bfp"));
  EXPECT_EQ(backend_names(), (std::vector<std::string>{"auto", "bpf", "procfs"}));
  EXPECT_NE(kBpf, kProcfs);
}

}  // namespace
}  // namespace lg
