// SPDX-License-Identifier: MIT
#pragma once
// Hand-built RunResults for the report tests: one of every kind a report must render
// (passing, failing, skipped, error, no target, interrupted, environment error), and helpers
// to validate JUnit with xmllint and to make and remove a scratch directory.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "harness/base/check.h"
#include "harness/base/fs.h"
#include "harness/base/safe_file.h"
#include "harness/base/run_result.h"
#include "harness/verdict/check_type.h"

namespace lg::test {

inline WorkloadReport workload_report(const std::string& phase, const std::string& kind, const WorkloadOutcome& o) {
  WorkloadReport w;
  static_cast<WorkloadOutcome&>(w) = o;
  w.phase = phase;
  w.kind = kind;
  return w;
}

// A scratch directory removed when the test ends.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/lg-reports-XXXXXX";
    const char* p = mkdtemp(tmpl);
    path = p ? p : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

inline Check make_check(const std::string& metric, CheckType type, double limit, const std::string& per_event = "",
                        double scale = 1) {
  Check c;
  c.metric = metric;
  c.type = type;
  c.limit = limit;
  c.per_event = per_event;
  c.per_event_scale = scale;
  if (type == CheckType::MaxSlope && per_event.empty()) c.per_time_unit = "s";
  c.text = describe_check(c);
  return c;
}

// 30 s at 10 Hz: warmup 0-5 s, churn 5-25 s (50 netns/s), cooldown 25-30 s. fd.netns leaks one
// fd per 100 netns when `leaky`; fd.total is flat with noise; sys.netns comes back to its start.
inline Series make_series(bool leaky, size_t samples = 300) {
  Series s;
  s.metrics = {"fd.netns", "fd.total", "sys.netns", "bpf.maps"};
  s.units = {"fds", "fds", "namespaces", "maps"};
  s.unavailable = {"", "", "", "BPF census not available: procfs cannot count maps"};
  s.event_kinds = {"netns"};
  s.values.assign(4, {});
  s.events.assign(1, {});
  double dt = 30.0 / samples;
  for (size_t i = 0; i < samples; i++) {
    double t = i * dt;
    double ev = t < 5 ? 0 : t < 25 ? (t - 5) * 50 : 1000;
    s.t.push_back(t);
    s.events[0].push_back(ev);
    s.values[0].push_back(3 + (leaky ? std::floor(ev / 100) : 0));
    s.values[1].push_back(20 + (i % 7 == 0 ? 1 : 0));
    s.values[2].push_back(t >= 5 && t < 25 ? 4 + (i % 3) : 3);
    s.values[3].push_back(kUnavailable);
  }
  s.values[1][17] = kUnavailable;  // one missed sample: a gap, not a zero
  s.phases = {{"warmup", 0, 5, false}, {"churn", 5, 25, true}, {"cooldown", 25, 30, false}};
  s.stop = 29.5;
  s.settle_end = 31;
  s.pre_launch = {kUnavailable, kUnavailable, 3, kUnavailable};
  s.post_settle = {kUnavailable, kUnavailable, 3, kUnavailable};
  return s;
}

inline RunResult base_run(const std::string& name, const std::string& out_root) {
  RunResult r;
  r.scenario = name;
  r.description = "netns churn against a reference target";
  r.scenario_file = "/work/main/scenarios/" + name + ".yaml";
  r.out_dir = out_root.empty() ? "" : out_root + "/" + name;
  r.timestamp = "2026-11-22T03:15:55";
  r.duration = 31.2345;
  r.hostname = "ci-node-1";
  r.kernel = "6.18.0";
  r.version = "0.1.0";
  r.backend = "bpf";
  r.target_argv = {"/work/main/build/bin/leaky_netns", "--rate", "50", "it's"};
  r.containment = "cgroup /sys/fs/cgroup/leakguard-123";
  r.seed = 42;
  r.lifecycle = {{"started", true, false, "pid 1234", "", 0.01},
                 {"became ready", true, false, "ready line after 0.2s", "", 0.2},
                 {"stopped cleanly", true, false, "exited 0 after SIGTERM", "", 0.3}};
  r.workloads = {workload_report("churn", "netns", {1000, 1000, 50, 49.8, 20.1, 0, "", {}})};
  r.stdout_log = r.out_dir + "/target.stdout.log";
  r.stderr_log = r.out_dir + "/target.stderr.log";
  r.stdout_tail = "listening on 127.0.0.1:8080\nready\n";
  r.stderr_tail = "";
  return r;
}

inline Verdict verdict(const Check& c, Outcome o, const std::string& sentence) {
  Verdict v;
  v.check = c;
  v.outcome = o;
  v.sentence = sentence;
  v.slope = v.ci_low = v.ci_high = v.growth = v.baseline = v.end_level = v.peak = v.events = kUnavailable;
  v.window_start = 5;
  v.window_end = 25;
  v.samples = 200;
  return v;
}

// Every check passes.
inline RunResult passing_run(const std::string& out_root, const std::string& name = "netns-pass") {
  RunResult r = base_run(name, out_root);
  r.series = make_series(false);
  Verdict a = verdict(make_check("fd.netns", CheckType::MaxSlope, 0.001, "netns", 1000), Outcome::Pass,
                      "fd.netns flat: 0 per 1000 netns (95% 0 .. 0)");
  a.slope = 0, a.ci_low = 0, a.ci_high = 0, a.baseline = 3, a.end_level = 3, a.growth = 0, a.events = 1000;
  Verdict b = verdict(make_check("fd.total", CheckType::MaxGrowth, 20), Outcome::Pass, "fd.total changed +0, limit 20");
  b.growth = 0, b.baseline = 20, b.end_level = 20;
  Verdict c = verdict(make_check("sys.netns", CheckType::MaxResidue, 0), Outcome::Pass,
                      "sys.netns left nothing behind: 3 before launch, 3 after settle");
  c.growth = 0;
  r.verdicts = {a, b, c};
  return r;
}

// fd.netns leaks 1 per 100 netns against a limit of 1 per 1000.
inline RunResult failing_run(const std::string& out_root, const std::string& name = "netns-leak") {
  RunResult r = base_run(name, out_root);
  r.series = make_series(true);
  Verdict a = verdict(make_check("fd.netns", CheckType::MaxSlope, 0.001, "netns", 1000), Outcome::Fail,
                      "fd.netns grew 10 per 1000 netns (95% 9.8 .. 10.2); limit 1 per 1000 netns");
  a.slope = 0.01, a.ci_low = 0.0098, a.ci_high = 0.0102, a.baseline = 3, a.end_level = 13, a.growth = 10, a.peak = 13,
  a.events = 1000;
  Verdict b = verdict(make_check("fd.total", CheckType::Max, 100), Outcome::Pass, "fd.total peaked at 21, limit 100");
  b.peak = 21;
  r.verdicts = {a, b};
  return r;
}

// A metric that could not be measured: skipped, and the same check marked required: error.
inline RunResult skipped_run(const std::string& out_root) {
  RunResult r = base_run("maps-skip", out_root);
  r.series = make_series(false);
  Check c = make_check("bpf.maps", CheckType::MaxGrowth, 0);
  Verdict a = verdict(c, Outcome::Skipped, "bpf.maps unmeasured: BPF census not available");
  c.required = true;
  Verdict b = verdict(c, Outcome::Error, "bpf.maps unmeasured and required: BPF census not available");
  r.verdicts = {a, b};
  return r;
}

// The target died before it became ready.
inline RunResult lifecycle_error_run(const std::string& out_root) {
  RunResult r = base_run("target-dies", out_root);
  r.series = make_series(false, 20);
  r.lifecycle = {
      {"started", true, false, "pid 99", "", 0.01},
      {"became ready", false, false, "exited with status 3 before ready", "fatal: cannot bind 127.0.0.1:8080\n", 0.4},
      {"stopped cleanly", false, true, "not reached", "", 0}};
  r.workloads = {
      workload_report("churn", "netns", {1000, 12, 50, 30, 0.4, 24, "netns: unshare failed: EPERM", {"slow start"}})};
  r.stderr_tail = "fatal: cannot bind 127.0.0.1:8080\n";
  r.verdicts = {verdict(make_check("fd.netns", CheckType::MaxSlope, 0.001, "netns", 1000), Outcome::Error,
                        "fd.netns: too few samples in the window (3)")};
  return r;
}

// A system-only scenario: no target, lifecycle steps skipped.
inline RunResult no_target_run(const std::string& out_root) {
  RunResult r = base_run("system-only", out_root);
  r.target_argv.clear();
  r.lifecycle.clear();
  r.containment.clear();
  r.stdout_log.clear(), r.stderr_log.clear(), r.stdout_tail.clear();
  r.series = make_series(false);
  r.series.stop = -1;
  Verdict c =
      verdict(make_check("sys.netns", CheckType::MaxResidue, 0), Outcome::Pass, "sys.netns left nothing behind");
  r.verdicts = {c};
  return r;
}

inline RunResult interrupted_run(const std::string& out_root) {
  RunResult r = passing_run(out_root, "interrupted");
  r.interrupted = true;
  return r;
}

inline RunResult environment_error_run(const std::string& out_root) {
  RunResult r = base_run("no-privilege", out_root);
  r.lifecycle.clear();
  r.workloads.clear();
  r.environment_error = "leakguard needs CAP_SYS_ADMIN for the BPF census (run as root or use backend: procfs)";
  return r;
}

// A target whose output has colour codes, NUL, a lone ESC, invalid UTF-8, a form feed and an
// XML-looking string.
inline std::string hostile_text() {
  std::string s = "\x1b[31mred\x1b[0m ok\n";
  s += std::string("nul:") + '\0' + "|end\n";
  s += "bad utf8: \xff\xfe \xc3\x28 \xe2\x82 truncated\n";
  s += "ctrl: \x01\x02\x0b\x0c\x7f done\n";
  s += "osc: \x1b]0;title\x07 after\n";
  s += "xml: <testcase name=\"x\"/> & ]]> \xe2\x9c\x93\n";
  s += "lone esc at end \x1b";
  return s;
}

inline std::string xsd_path() {
  const char* e = getenv("LEAKGUARD_JUNIT_XSD");
  if (e && *e) return e;
  return std::string(LEAKGUARD_SOURCE_DIR) + "/tests/schema/junit.xsd";
}

// Runs xmllint with the project's schema (tests/schema/junit.xsd, or LEAKGUARD_JUNIT_XSD to
// check against another copy of the dialect). Returns "" when valid, else what went wrong:
// a missing schema or xmllint is a failure, never a skip (both come with the repository and
// ci/install-deps.sh).
inline std::string xmllint_errors(const std::string& file) {
  std::string xsd = xsd_path();
  if (access(xsd.c_str(), R_OK) != 0) return "JUnit schema not found at " + xsd;
  if (system("command -v xmllint >/dev/null 2>&1") != 0)
    return "xmllint not installed (Debian package libxml2-utils; ci/install-deps.sh installs it)";
  std::string log = file + ".xmllint.log";
  std::string cmd = "xmllint --noout --schema '" + xsd + "' '" + file + "' >'" + log + "' 2>&1";
  int rc = system(cmd.c_str());
  std::string out = read_file(log);
  unlink(log.c_str());
  return rc == 0 ? "" : (out.empty() ? "xmllint failed" : out);
}

#define EXPECT_VALID_JUNIT(file) EXPECT_EQ(::lg::test::xmllint_errors(file), "") << "schema errors in " << (file)

}  // namespace lg::test
