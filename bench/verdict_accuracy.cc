// SPDX-License-Identifier: MIT
// Accuracy of the verdicts on synthetic runs (tests/synth/synth.h): for every behaviour,
// N series with random shapes and noise, judged by the default checks and by a typical
// scenario check set. Prints false-positive rates for the passing behaviours, detection
// rates for the failing ones, and detection of leaks at exactly twice the limit.
// Then the same for `leakguard compare` (harness/verdict/compare.h): N pairs of runs of the
// same behaviour, which must come out "same", and pairs that differ, which must not.
//   build/bin/verdict_accuracy [SERIES_PER_CLASS=1000] [--noise SD=2] [--interval SECONDS=0.1]
//                              [--events N=5000] [--only judge|compare]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "harness/base/units.h"
#include "harness/verdict/check_type.h"
#include "harness/verdict/compare.h"
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

// The answer of a whole comparison, as the exit code of `leakguard compare` sees it: worse when
// any check is worse, better when none is worse and one is better, else same.
Change overall(const Comparison& c) {
  if (c.count(Change::Worse)) return Change::Worse;
  if (c.count(Change::Better)) return Change::Better;
  return Change::Same;
}

struct PairRow {
  std::string name;
  Change expect;
  int n = 0, hit_default = 0, hit_slope = 0, hit_slope_sep = 0, hit_system = 0, incomparable = 0;
};

// Same rows: the share of pairs whose answer is not "same" (false alarms). Other rows: the share
// whose answer is the expected one.
void print_pair_row(const PairRow& r) {
  auto cell = [&](int k) {
    char buf[32];
    snprintf(buf, sizeof buf, "%4d (%5.1f%%)", k, 100.0 * k / r.n);
    return std::string(buf);
  };
  const char* rate = r.expect == Change::Same ? "false alarm" : r.expect == Change::Worse ? "worse" : "better";
  printf("| %-52s | %-11s | %4d | %s | %s | %s | %s | %d |\n", r.name.c_str(), rate, r.n, cell(r.hit_default).c_str(),
         cell(r.hit_slope).c_str(), cell(r.hit_slope_sep).c_str(), cell(r.hit_system).c_str(), r.incomparable);
}

void judge_table(int n, const synth::Params& base, const std::vector<Check>& defaults, const std::vector<Check>& slope,
                 const std::vector<Check>& system);
void compare_table(int n, const synth::Params& base, const std::vector<Check>& defaults,
                   const std::vector<Check>& slope, const std::vector<Check>& system);

}  // namespace

int main(int argc, char** argv) {
  int n = 1000;
  std::string only;
  synth::Params base;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--only" && i + 1 < argc) {
      only = argv[++i];
      if (only != "judge" && only != "compare") {
        fprintf(stderr, "verdict_accuracy: --only needs 'judge' or 'compare', got '%s'\n", only.c_str());
        return 2;
      }
      continue;
    }
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
                "verdict_accuracy: unknown argument '%s' (usage: [N] [--noise SD] [--interval S] [--events N] "
                "[--only judge|compare])\n",
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
  if (only != "compare") judge_table(n, base, defaults, slope, system);
  if (only != "judge") compare_table(n, base, defaults, slope, system);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  printf("\n%.1f s\n", secs);
  return 0;
}

namespace {

void judge_table(int n, const synth::Params& base, const std::vector<Check>& defaults, const std::vector<Check>& slope,
                 const std::vector<Check>& system) {
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

  // max_growth on a garbage-collector sawtooth, wherever it ends (issue 17): the same shape
  // (seed) judged at 10 end phases, with the end level of docs/verdicts.md and, for
  // comparison, with the median of the last samples alone (the rule before).
  printf("\nmax_growth (fd.total max_growth <= 10) on sawtooths of amplitude 10-100 ending anywhere:\n\n");
  printf("| %-40s | %-9s | %5s | %-21s | %-21s |\n", "behaviour", "rate", "n", "end level (now)",
         "last samples (before)");
  printf("|%s|%s|%s|%s|%s|\n", std::string(42, '-').c_str(), std::string(11, '-').c_str(), std::string(7, '-').c_str(),
         std::string(23, '-').c_str(), std::string(23, '-').c_str());
  Check growth10;
  growth10.metric = "fd.total";
  growth10.type = CheckType::MaxGrowth;
  growth10.limit = 10;
  growth10.text = describe_check(growth10);
  // Tail-only growth: the window's samples (first workload phase to the last phase's end).
  auto tail_growth = [&](const Series& s, const Verdict& v) {
    std::vector<double> in;
    for (size_t i = 0; i < s.t.size(); i++)
      if (s.t[i] >= v.window_start && s.t[i] <= v.window_end && available(s.values[0][i])) in.push_back(s.values[0][i]);
    return robust_end_level(in, growth10.limit).tail - v.baseline;
  };
  auto growth_row = [&](const std::string& name, synth::Behaviour b, bool expect_fail, synth::Params p, int phases) {
    int runs = 0, fail_new = 0, fail_old = 0, split_new = 0, split_old = 0, errors = 0;
    for (int seed = 1; seed <= n; seed++) {
      int fn = 0, fo = 0;
      for (int k = 0; k < phases; k++) {
        if (phases > 1) p.saw_end_phase = (k + 0.5) / phases;
        Series s = synth::make_series(b, (uint64_t)seed, p);
        Verdict v = judge_check(growth10, s);
        errors += v.outcome == Outcome::Error;
        fn += v.outcome == Outcome::Fail;
        fo += tail_growth(s, v) > growth10.limit;
        runs++;
      }
      fail_new += fn, fail_old += fo;
      split_new += fn > 0 && fn < phases;
      split_old += fo > 0 && fo < phases;
    }
    char a[64], c[64];
    snprintf(a, sizeof a, "%5.1f%% fail", 100.0 * fail_new / runs);
    snprintf(c, sizeof c, "%5.1f%% fail", 100.0 * fail_old / runs);
    std::string an = a, cn = c;
    if (phases > 1) {
      snprintf(a, sizeof a, ", %4.1f%% split", 100.0 * split_new / n);
      snprintf(c, sizeof c, ", %4.1f%% split", 100.0 * split_old / n);
      an += a, cn += c;
    }
    printf("| %-40s | %-9s | %5d | %-21s | %-21s |%s\n", name.c_str(), expect_fail ? "detection" : "false pos", runs,
           an.c_str(), cn.c_str(), errors ? (" " + std::to_string(errors) + " errors").c_str() : "");
  };
  synth::Params saw = base;
  growth_row("sawtooth ending anywhere (10 phases)", synth::Behaviour::Sawtooth, false, saw, 10);
  synth::Params rising = base;
  rising.trough_rise = 40;
  growth_row("sawtooth, troughs rising +40 (10 phases)", synth::Behaviour::Sawtooth, true, rising, 10);
  growth_row("steady-leak", synth::Behaviour::SteadyLeak, true, base, 1);
  growth_row("late-leak", synth::Behaviour::LateLeak, true, base, 1);
  growth_row("bursty-leak", synth::Behaviour::BurstyLeak, true, base, 1);
  printf("\n(split: share of sawtooth shapes whose 10 end phases did not all get the same verdict)\n");
}

// A pair of runs: the baseline and the candidate of seed `seed`.
struct Pairing {
  synth::Behaviour base_b, cand_b;
  synth::Params base_p, cand_p;
  bool same_shape;  // true: one shape, two noise streams (two runs of one version)
};

void compare_table(int n, const synth::Params& base, const std::vector<Check>& defaults,
                   const std::vector<Check>& slope, const std::vector<Check>& system) {
  printf(
      "\nComparisons: %d pairs per row. Same rows: pairs whose answer is not \"same\" (worse or better:\n"
      "false alarms); other rows: pairs with the expected answer. Columns: (a) the default checks,\n"
      "(b) '%s' with the rule compare uses (the difference of slopes has its own 99%% interval),\n"
      "(b') the same check asking the two 95%% intervals to separate, (c) '%s' and '%s'.\n\n",
      n, slope[0].text.c_str(), system[0].text.c_str(), system[1].text.c_str());
  printf("| %-52s | %-11s | %4s | %-13s | %-13s | %-13s | %-13s | %s |\n", "pair (baseline -> candidate)", "rate", "n",
         "(a) defaults", "(b) slope", "(b') separated", "(c) system", "errors");
  printf("|%s|%s|%s|%s|%s|%s|%s|%s|\n", std::string(54, '-').c_str(), std::string(13, '-').c_str(),
         std::string(6, '-').c_str(), std::string(15, '-').c_str(), std::string(15, '-').c_str(),
         std::string(16, '-').c_str(), std::string(15, '-').c_str(), "--------");
  auto run = [&](const std::string& name, const Pairing& pr, Change expect) {
    PairRow r{name, expect};
    for (int seed = 1; seed <= n; seed++) {
      synth::Params bp = pr.base_p, cp = pr.cand_p;
      uint64_t bseed = (uint64_t)seed, cseed = (uint64_t)seed + 1000000;
      if (pr.same_shape) {
        cseed = bseed;
        bp.noise_seed = 2 * (uint64_t)seed + 1;
        cp.noise_seed = 2 * (uint64_t)seed + 2;
      }
      Series bs = synth::make_series(pr.base_b, bseed, bp), cs = synth::make_series(pr.cand_b, cseed, cp);
      auto answer = [&](const std::vector<Check>& checks, CompareRule rule, bool& na) {
        Comparison c = compare_runs({&bs, &cs}, {checks, checks}, rule);
        // Not comparable because a run could not judge a check it measured (sys.bpf_links is
        // unmeasured in every synthetic run: not counted).
        for (const auto& k : c.checks)
          for (const auto& v : k.runs) na |= v.outcome == Outcome::Error;
        Change a = overall(c);
        return expect == Change::Same ? a != Change::Same : a == expect;
      };
      bool na = false;
      r.n++;
      r.hit_default += answer(defaults, CompareRule::Difference, na);
      r.hit_slope += answer(slope, CompareRule::Difference, na);
      r.hit_slope_sep += answer(slope, CompareRule::Separated, na);
      r.hit_system += answer(system, CompareRule::Difference, na);
      r.incomparable += na;
    }
    print_pair_row(r);
  };
  using B = synth::Behaviour;
  // Two runs of one version: one shape, each with its own noise, jitter and spikes.
  for (auto b : synth::all_behaviours())
    run(std::string(synth::behaviour_name(b)) + ", same version", {b, b, base, base, true}, Change::Same);
  // Two versions that behave alike: each with its own shape (level, cap, step, period...).
  for (auto b : {B::Flat, B::StartupStep, B::BoundedCache, B::Sawtooth, B::DeferredTeardown})
    run(std::string(synth::behaviour_name(b)) + ", other shape", {b, b, base, base, false}, Change::Same);
  synth::Params two = base, one = base, four = base, six = base;
  two.leak_per_event = 0.002;
  one.leak_per_event = 0.001;
  four.leak_per_event = 0.004;
  six.leak_per_event = 0.006;
  for (auto b : {B::SteadyLeak, B::LateLeak, B::BurstyLeak})
    run(std::string(synth::behaviour_name(b)) + " 2/1000 both, other phase", {b, b, two, two, false}, Change::Same);
  run("slow-leak 1/1000 both, other phase", {B::SlowLeak, B::SlowLeak, one, one, false}, Change::Same);
  // Real differences.
  run("flat -> steady-leak 2/1000", {B::Flat, B::SteadyLeak, base, two, false}, Change::Worse);
  run("flat -> slow-leak 1/1000", {B::Flat, B::SlowLeak, base, one, false}, Change::Worse);
  run("flat -> bursty-leak 2/1000", {B::Flat, B::BurstyLeak, base, two, false}, Change::Worse);
  run("bounded-cache -> late-leak 2/1000", {B::BoundedCache, B::LateLeak, base, two, false}, Change::Worse);
  run("steady-leak 2/1000 -> 4/1000", {B::SteadyLeak, B::SteadyLeak, two, four, false}, Change::Worse);
  run("steady-leak 2/1000 -> 6/1000", {B::SteadyLeak, B::SteadyLeak, two, six, false}, Change::Worse);
  run("steady-leak 2/1000 -> flat", {B::SteadyLeak, B::Flat, two, base, false}, Change::Better);
  run("steady-leak 4/1000 -> 2/1000", {B::SteadyLeak, B::SteadyLeak, four, two, false}, Change::Better);
}

}  // namespace
