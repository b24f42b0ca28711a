// SPDX-License-Identifier: MIT
// Scenario fields that spare users a workaround (issue 17): readiness on stderr or a port,
// accepted stop statuses, workload names, sizes in max_slope.
#include <csignal>

#include "scenario/scenario_util.h"

using namespace sc_test;

namespace {

std::string with_target(const std::string& target_fields) {
  return "name: t\n"
         "target:\n"
         "  command: [sh]\n" +
         target_fields +
         "phases:\n"
         "  - name: churn\n"
         "    workloads:\n"
         "      - kind: netns\n";
}

}  // namespace

TEST(Friction, ReadyOnStderrAndPort) {
  auto e = load(with_target("  ready: {stderr: \"Listening on\", timeout: 3s}\n"));
  ASSERT_TRUE(e.scenario) << e.all();
  EXPECT_EQ(e.scenario->target->ready.kind, lg::ReadySpec::Stderr);
  EXPECT_EQ(e.scenario->target->ready.pattern, "Listening on");
  EXPECT_DOUBLE_EQ(e.scenario->target->ready.timeout, 3);
  auto p = load(with_target("  ready: {port: 9100}\n"));
  ASSERT_TRUE(p.scenario) << p.all();
  EXPECT_EQ(p.scenario->target->ready.kind, lg::ReadySpec::Port);
  EXPECT_EQ(p.scenario->target->ready.port, 9100);
  auto big = load(with_target("  ready: {port: 70000}\n"));
  EXPECT_TRUE(has(big, 4, 17, "target.ready.port: 70000 is not a TCP port (1-65535)"));
  auto zero = load(with_target("  ready: {port: 0}\n"));
  EXPECT_TRUE(has(zero, 4, 17, "must be at least 1"));
  auto bad = load(with_target("  ready: {stderr: \"(\"}\n"));
  EXPECT_TRUE(has(bad, 4, 19, "target.ready.stderr: not a valid regular expression"));
  auto two = load(with_target("  ready: {stderr: x, port: 80}\n"));
  EXPECT_TRUE(has(two, 4, 22, "give one of delay, stdout, stderr, file or port, not several"));
}

TEST(Friction, StopExitCodes) {
  auto l = load(with_target("  stop: {signal: TERM, exit_codes: [1, 2]}\n"));
  ASSERT_TRUE(l.scenario) << l.all();
  EXPECT_EQ(l.scenario->target->stop.exit_codes, (std::vector<int>{1, 2}));
  auto big = load(with_target("  stop: {exit_codes: [1, 300]}\n"));
  EXPECT_TRUE(has(big, 4, 26, "target.stop.exit_codes: 300 is not an exit status (0-255)"));
  auto notlist = load(with_target("  stop: {exit_codes: 1}\n"));
  EXPECT_TRUE(has(notlist, 4, 22, "target.stop.exit_codes: expected a list of exit statuses"));
  auto word = load(with_target("  stop: {exit_codes: [one]}\n"));
  EXPECT_TRUE(has(word, 4, 23, "expected an integer, got 'one'"));
}

TEST(Friction, WorkloadNamesAreUniqueInAPhase) {
  auto l = load(
      "name: t\nphases:\n  - name: churn\n    duration: 2s\n    workloads:\n"
      "      - {kind: netns, count: 10}\n"
      "      - {kind: netns, count: 20, bind_mount: true}\n"
      "      - {kind: procexit, name: exits}\n"
      "      - {kind: netns}\n");
  ASSERT_TRUE(l.scenario) << l.all();
  const auto& w = l.scenario->phases[0].workloads;
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0].name, "netns");
  EXPECT_EQ(w[1].name, "netns-2");
  EXPECT_EQ(w[2].name, "exits");
  EXPECT_EQ(w[3].name, "netns-3");
  // A name written twice in a phase is an error at the second; a written name wins over a
  // generated one.
  auto dup = load(
      "name: t\nphases:\n  - name: churn\n    workloads:\n"
      "      - {kind: netns, name: a}\n"
      "      - {kind: maps, name: a}\n");
  EXPECT_TRUE(has(dup, 6, 28, "phase 'churn': duplicate workload name 'a' (first at line 5)"));
  auto taken = load(
      "name: t\nphases:\n  - name: churn\n    workloads:\n"
      "      - {kind: netns}\n"
      "      - {kind: maps, name: netns}\n");
  ASSERT_TRUE(taken.scenario) << taken.all();
  EXPECT_EQ(taken.scenario->phases[0].workloads[0].name, "netns-2");
  auto badname = load("name: t\nphases:\n  - name: churn\n    workloads:\n      - {kind: netns, name: Bad_Name}\n");
  EXPECT_TRUE(has(badname, 5, 29, "workload name: 'Bad_Name' is not a valid name"));
}

TEST(Friction, SizesInMaxSlope) {
  std::string base =
      "name: t\ntarget:\n  command: [sh]\nphases:\n  - name: churn\n    workloads:\n      - kind: procexit\n"
      "checks:\n";
  auto l = load(base +
                "  - {metric: proc.rss_bytes, max_slope: 1MiB per 10000 procexit}\n"
                "  - {metric: proc.rss_bytes, max_slope: 64KiB/s}\n");
  ASSERT_TRUE(l.scenario) << l.all();
  const auto& c = l.scenario->checks;
  ASSERT_EQ(c.size(), 2u);
  EXPECT_DOUBLE_EQ(c[0].limit, 1048576.0 / 10000);
  EXPECT_EQ(c[0].text, "proc.rss_bytes max_slope <= 1MiB per 10000 procexit");
  EXPECT_DOUBLE_EQ(c[1].limit, 65536);
  EXPECT_EQ(c[1].text, "proc.rss_bytes max_slope <= 64KiB/s");
  auto fds = load(base + "  - {metric: fd.total, max_slope: 1MiB per 1000 procexit}\n");
  EXPECT_TRUE(has(fds, 9, 35, "max_slope: '1MiB' is a size, but fd.total counts fds"));
}
