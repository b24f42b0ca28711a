// SPDX-License-Identifier: MIT
// series.json: a full round trip, re-judging gives the same verdicts, bad files are named.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "harness/verdict/judge.h"
#include "reports/fixtures.h"
#include "reports/report.h"

namespace lg {
namespace {

// Equal, with NaN equal to NaN.
bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }
bool same(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (!same(a[i], b[i])) return false;
  return true;
}

void expect_same_check(const Check& a, const Check& b) {
  EXPECT_EQ(a.metric, b.metric);
  EXPECT_EQ(a.type, b.type);
  EXPECT_TRUE(same(a.limit, b.limit));
  EXPECT_EQ(a.per_event, b.per_event);
  EXPECT_TRUE(same(a.per_event_scale, b.per_event_scale));
  EXPECT_EQ(a.per_time_unit, b.per_time_unit);
  EXPECT_EQ(a.phases, b.phases);
  EXPECT_TRUE(same(a.min_growth, b.min_growth));
  EXPECT_EQ(a.required, b.required);
  EXPECT_EQ(a.text, b.text);
  EXPECT_EQ(a.line, b.line);
  EXPECT_EQ(a.col, b.col);
}

void expect_same_verdict(const Verdict& a, const Verdict& b) {
  expect_same_check(a.check, b.check);
  EXPECT_EQ(a.outcome, b.outcome);
  EXPECT_EQ(a.sentence, b.sentence);
  for (auto [x, y] : {std::pair{a.slope, b.slope},
                      {a.ci_low, b.ci_low},
                      {a.ci_high, b.ci_high},
                      {a.growth, b.growth},
                      {a.baseline, b.baseline},
                      {a.end_level, b.end_level},
                      {a.peak, b.peak},
                      {a.events, b.events},
                      {a.window_start, b.window_start},
                      {a.window_end, b.window_end}})
    EXPECT_TRUE(same(x, y)) << x << " vs " << y << " in " << a.check.text;
  EXPECT_EQ(a.samples, b.samples);
}

TEST(SeriesJson, RoundTripKeepsEverything) {
  test::TempDir d;
  RunResult r = test::lifecycle_error_run(d.path);
  r.series = test::make_series(true);
  r.seed = 18446744073709551557ull;  // beyond 2^53: must survive exactly
  r.interrupted = true;
  r.verdicts[0].check.phases = {"churn", "cooldown"};
  r.verdicts[0].check.required = true;
  r.verdicts[0].check.min_growth = 3;
  r.verdicts[0].check.line = 12, r.verdicts[0].check.col = 5;
  r.verdicts[0].slope = 1.0 / 3;  // needs all 17 digits
  r.target_env = {{"TUNER_LOG", "debug"}, {"GOGC", "50"}};
  r.warnings = {"the target used no CPU during phase 'churn'"};
  r.workloads[0].name = "netns-2";
  MapRecord m;
  m.id = 7, m.name = "pid_events", m.type = "hash", m.max_entries = 4096, m.peak_entries = 4096;
  m.peak_t = 3.5, m.full_at = 3.25, m.can_fill = true;
  r.series.maps = {m};
  std::string err, path = d.path + "/series.json";
  ASSERT_TRUE(write_series_json(r, path, err)) << err;
  RunResult b;
  ASSERT_TRUE(read_series_json(path, b, err)) << err;
  EXPECT_EQ(b.scenario, r.scenario);
  EXPECT_EQ(b.description, r.description);
  EXPECT_EQ(b.scenario_file, r.scenario_file);
  EXPECT_EQ(b.out_dir, r.out_dir);
  EXPECT_EQ(b.timestamp, r.timestamp);
  EXPECT_EQ(b.duration, r.duration);
  EXPECT_EQ(b.hostname, r.hostname);
  EXPECT_EQ(b.kernel, r.kernel);
  EXPECT_EQ(b.version, r.version);
  EXPECT_EQ(b.backend, r.backend);
  EXPECT_EQ(b.target_argv, r.target_argv);
  EXPECT_EQ(b.containment, r.containment);
  EXPECT_EQ(b.seed, r.seed);
  EXPECT_EQ(b.interrupted, r.interrupted);
  EXPECT_EQ(b.stdout_log, r.stdout_log);
  EXPECT_EQ(b.stderr_tail, r.stderr_tail);
  const Series &s = r.series, &t = b.series;
  EXPECT_EQ(t.metrics, s.metrics);
  EXPECT_EQ(t.units, s.units);
  EXPECT_EQ(t.unavailable, s.unavailable);
  EXPECT_EQ(t.event_kinds, s.event_kinds);
  EXPECT_TRUE(same(t.t, s.t));
  ASSERT_EQ(t.values.size(), s.values.size());
  for (size_t i = 0; i < s.values.size(); i++) EXPECT_TRUE(same(t.values[i], s.values[i])) << s.metrics[i];
  ASSERT_EQ(t.events.size(), s.events.size());
  EXPECT_TRUE(same(t.events[0], s.events[0]));
  ASSERT_EQ(t.phases.size(), s.phases.size());
  for (size_t i = 0; i < s.phases.size(); i++) {
    EXPECT_EQ(t.phases[i].name, s.phases[i].name);
    EXPECT_EQ(t.phases[i].start, s.phases[i].start);
    EXPECT_EQ(t.phases[i].end, s.phases[i].end);
    EXPECT_EQ(t.phases[i].has_workloads, s.phases[i].has_workloads);
  }
  EXPECT_EQ(t.stop, s.stop);
  EXPECT_EQ(t.settle_end, s.settle_end);
  EXPECT_TRUE(same(t.pre_launch, s.pre_launch));
  EXPECT_TRUE(same(t.post_settle, s.post_settle));
  ASSERT_EQ(b.verdicts.size(), r.verdicts.size());
  for (size_t i = 0; i < r.verdicts.size(); i++) expect_same_verdict(b.verdicts[i], r.verdicts[i]);
  ASSERT_EQ(b.lifecycle.size(), r.lifecycle.size());
  for (size_t i = 0; i < r.lifecycle.size(); i++) {
    EXPECT_EQ(b.lifecycle[i].name, r.lifecycle[i].name);
    EXPECT_EQ(b.lifecycle[i].ok, r.lifecycle[i].ok);
    EXPECT_EQ(b.lifecycle[i].skipped, r.lifecycle[i].skipped);
    EXPECT_EQ(b.lifecycle[i].message, r.lifecycle[i].message);
    EXPECT_EQ(b.lifecycle[i].detail, r.lifecycle[i].detail);
  }
  ASSERT_EQ(b.workloads.size(), 1u);
  EXPECT_EQ(b.workloads[0].achieved, r.workloads[0].achieved);
  EXPECT_EQ(b.workloads[0].error_errno, 24);
  EXPECT_EQ(b.workloads[0].error, r.workloads[0].error);
  EXPECT_EQ(b.workloads[0].warnings, r.workloads[0].warnings);
  EXPECT_EQ(b.workloads[0].label(), "netns-2");
  EXPECT_EQ(b.target_env, r.target_env);
  EXPECT_EQ(b.warnings, r.warnings);
  ASSERT_EQ(t.maps.size(), 1u);
  EXPECT_EQ(t.maps[0].name, "pid_events");
  EXPECT_EQ(t.maps[0].type, "hash");
  EXPECT_EQ(t.maps[0].id, 7u);
  EXPECT_EQ(t.maps[0].max_entries, 4096);
  EXPECT_EQ(t.maps[0].peak_entries, 4096);
  EXPECT_EQ(t.maps[0].full_at, 3.25);
  EXPECT_TRUE(t.maps[0].can_fill);
  EXPECT_EQ(b.failed(), r.failed());
}

TEST(SeriesJson, ReJudgingTheFileGivesTheSameVerdicts) {
  test::TempDir d;
  RunResult r = test::failing_run(d.path);
  std::vector<Check> checks = {
      test::make_check("fd.netns", CheckType::MaxSlope, 0.001, "netns", 1000),
      test::make_check("fd.total", CheckType::MaxSlope, 0.5),
      test::make_check("fd.total", CheckType::MaxGrowth, 20),
      test::make_check("fd.netns", CheckType::Max, 5),
      test::make_check("sys.netns", CheckType::MaxResidue, 0),
      test::make_check("bpf.maps", CheckType::MaxGrowth, 0),
  };
  r.verdicts = judge_checks(checks, r.series);
  ASSERT_EQ(r.verdicts.size(), checks.size());
  EXPECT_EQ(r.verdicts[0].outcome, Outcome::Fail) << r.verdicts[0].sentence;  // the fixture leaks
  std::string err, path = d.path + "/series.json";
  ASSERT_TRUE(write_series_json(r, path, err)) << err;
  RunResult b;
  ASSERT_TRUE(read_series_json(path, b, err)) << err;
  std::vector<Check> recorded;
  for (const auto& v : b.verdicts) recorded.push_back(v.check);
  auto again = judge_checks(recorded, b.series);
  ASSERT_EQ(again.size(), r.verdicts.size());
  for (size_t i = 0; i < again.size(); i++) expect_same_verdict(again[i], r.verdicts[i]);
}

TEST(SeriesJson, HostileTextStillWritesValidJson) {
  test::TempDir d;
  RunResult r = test::passing_run(d.path);
  r.stdout_tail = test::hostile_text();
  std::string err, path = d.path + "/series.json";
  ASSERT_TRUE(write_series_json(r, path, err)) << err;
  RunResult b;
  ASSERT_TRUE(read_series_json(path, b, err)) << err;
  EXPECT_NE(b.stdout_tail.find("\x1b[31mred"), std::string::npos);   // kept raw, as JSON escapes
  EXPECT_NE(b.stdout_tail.find("\xef\xbf\xbd"), std::string::npos);  // invalid UTF-8 replaced
}

TEST(SeriesJson, BadFilesAreNamed) {
  test::TempDir d;
  std::string err;
  RunResult b;
  std::string missing = d.path + "/none.json";
  EXPECT_FALSE(read_series_json(missing, b, err));
  EXPECT_EQ(err.rfind(missing + ": ", 0), 0u) << err;
  std::string junk = d.path + "/junk.json";
  ASSERT_TRUE(write_file(junk, "{\"format\": ", err));
  EXPECT_FALSE(read_series_json(junk, b, err));
  EXPECT_EQ(err, junk + ": not valid JSON");
  std::string other = d.path + "/other.json";
  ASSERT_TRUE(write_file(other, "{\"format\": \"x\"}", err));
  EXPECT_FALSE(read_series_json(other, b, err));
  EXPECT_NE(err.find("not a leakguard series.json"), std::string::npos);
  std::string future = d.path + "/future.json";
  ASSERT_TRUE(write_file(future, "{\"format\": \"leakguard-series\", \"format_version\": 99}", err));
  EXPECT_FALSE(read_series_json(future, b, err));
  EXPECT_NE(err.find("format_version 99"), std::string::npos) << err;
  // A FIFO (or a device) planted where series.json was: named, never waited on or read.
  std::string fifo = d.path + "/fifo.json";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_FALSE(read_series_json(fifo, b, err));
  EXPECT_EQ(err, fifo + ": is a FIFO, not a regular file");
  EXPECT_FALSE(read_series_json("/dev/zero", b, err));
  EXPECT_EQ(err, "/dev/zero: is a character device, not a regular file");
  // A file that lost its sample times.
  RunResult r = test::passing_run(d.path);
  std::string good = d.path + "/good.json";
  ASSERT_TRUE(write_series_json(r, good, err)) << err;
  std::string text = read_file(good);
  size_t at = text.find("\"t\":");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 4, "\"T\":");
  ASSERT_TRUE(write_file(good, text, err));
  EXPECT_FALSE(read_series_json(good, b, err));
  EXPECT_EQ(err, good + ": missing field 't'");
}

}  // namespace
}  // namespace lg
