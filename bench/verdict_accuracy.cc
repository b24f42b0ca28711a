// SPDX-License-Identifier: MIT
// Accuracy of the verdicts on synthetic runs (tests/synth/synth.h): for every behaviour,
// N series with random shapes and noise, judged by the default checks and by a typical
// scenario check set. Prints false-positive rates for the passing behaviours, detection
// rates for the failing ones, and detection of leaks at exactly twice the limit.
//   build/bin/verdict_accuracy [SERIES_PER_CLASS=1000] [--noise SD=2] [--interval SECONDS=0.1]
//                              [--events N=5000]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness/base/units.h"
#include "harness/verdict/check_type.h"
#include "harness/verdict/judge.h"
#include "tests/synth/synth.h"

using namespace lg;

namespace {

bool any_fail(const std::vector<Verdict>& vs) {
  for (const auto& v : vs)
    if (v.outcome == Outcome::Fail) return true;
  return false;
}

bool any_error(const std::vector<Verdict>& vs) {
  for (const auto& v : vs)
    if (v.outcome == Outcome::Error) return true;
  return false;
}

Check slope_check(double per_1000) {
  Check c;
  c.metric = "fd.total";
  c.type = CheckType::MaxSlope;
  c.per_event = "netns";
  c.per_event_scale = 1000;
  c.limit = per_1000 / 1000;
  c.text = describe_check(c);
  return c;
}

Check growth_check() {
  Check c;
  c.metric = "sys.netns";
  c.type = CheckType::MaxGrowth;
  c.limit = 0;
  c.text = describe_check(c);
  return c;
}

Check residue_check() {
  Check c;
  c.metric = "sys.netns";
  c.type = CheckType::MaxResidue;
  c.limit = 0;
  c.text = describe_check(c);
  return c;
}

struct Row {
  std::string name;
  bool expect_fail;
  int n = 0, fail_default = 0, fail_slope = 0, fail_system = 0, errors = 0;
};

void print_row(const Row& r) {
  auto cell = [&](int k) {
    char buf[32];
    snprintf(buf, sizeof buf, "%4d (%5.1f%%)", k, 100.0 * k / r.n);
    return std::string(buf);
  };
  printf("| %-36s | %-9s | %4d | %s | %s | %s | %d |\n", r.name.c_str(), r.expect_fail ? "detection" : "false pos", r.n,
         cell(r.fail_default).c_str(), cell(r.fail_slope).c_str(), cell(r.fail_system).c_str(), r.errors);
}

}  // namespace

int main(int argc, char** argv) {
  int n = 1000;
  synth::Params base;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    double* target = a == "--noise"      ? &base.noise
                     : a == "--interval" ? &base.sample_interval
                     : a == "--events"   ? &base.events
                                         : nullptr;
    char* end = nullptr;
    if (target && i + 1 < argc) {
      *target = strtod(argv[++i], &end);
      if (*end || *target < 0) {
        fprintf(stderr, "verdict_accuracy: %s needs a non-negative number, got '%s'\n", a.c_str(), argv[i]);
        return 2;
      }
    } else {
      n = (int)strtol(argv[i], &end, 10);
      if (*end || n <= 0) {
        fprintf(stderr,
                "verdict_accuracy: unknown argument '%s' (usage: [N] [--noise SD] [--interval S] [--events N])\n",
                argv[i]);
        return 2;
      }
    }
  }
  if (base.sample_interval <= 0 || base.events < 1) {
    fprintf(stderr, "verdict_accuracy: --interval and --events must be positive\n");
    return 2;
  }
  auto t0 = std::chrono::steady_clock::now();
  std::vector<Check> defaults = default_checks({"netns"}, true);
  std::vector<Check> slope = {slope_check(1)};
  std::vector<Check> system = {growth_check(), residue_check()};

  printf("Noise sd %g, sample interval %gs, %g events at %g/s.\n", base.noise, base.sample_interval, base.events,
         base.event_rate);
  printf(
      "Series per class: %d. Columns: series failing (a) the %zu default checks, (b) '%s',\n"
      "(c) '%s' or '%s'.\n\n",
      n, defaults.size(), slope[0].text.c_str(), system[0].text.c_str(), system[1].text.c_str());
  printf("| %-36s | %-9s | %4s | %-13s | %-13s | %-13s | %s |\n", "behaviour", "rate", "n", "(a) defaults", "(b) slope",
         "(c) system", "errors");
  printf("|%s|%s|%s|%s|%s|%s|%s|\n", std::string(38, '-').c_str(), std::string(11, '-').c_str(),
         std::string(6, '-').c_str(), std::string(15, '-').c_str(), std::string(15, '-').c_str(),
         std::string(15, '-').c_str(), "--------");

  auto run = [&](const std::string& name, synth::Behaviour b, bool expect_fail, const synth::Params& p) {
    Row r{name, expect_fail};
    for (int seed = 1; seed <= n; seed++) {
      Series s = synth::make_series(b, (uint64_t)seed, p);
      auto vd = judge_checks(defaults, s), vs = judge_checks(slope, s), vy = judge_checks(system, s);
      r.n++;
      r.fail_default += any_fail(vd);
      r.fail_slope += any_fail(vs);
      r.fail_system += any_fail(vy);
      r.errors += any_error(vd) || any_error(vs) || any_error(vy);
    }
    print_row(r);
  };

  for (auto b : synth::all_behaviours()) run(synth::behaviour_name(b), b, synth::should_fail(b), base);

  // Leaks at exactly twice the limit: scenario limit 1 per 1000 -> leak 2 per 1000;
  // the default limit is 0.5 per 1000, so the 1-per-1000 slow leak is its 2x case.
  synth::Params two_x = base;
  two_x.leak_per_event = 0.002;
  run("steady-leak at 2x limit (2/1000)", synth::Behaviour::SteadyLeak, true, two_x);
  run("late-leak at 2x limit (2/1000)", synth::Behaviour::LateLeak, true, two_x);
  run("bursty-leak at 2x limit (2/1000)", synth::Behaviour::BurstyLeak, true, two_x);
  synth::Params slow = base;
  slow.leak_per_event = 0.001;
  run("slow-leak 1/1000 = 2x default limit", synth::Behaviour::SlowLeak, true, slow);

  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  printf("\n%.1f s\n", secs);
  return 0;
}
