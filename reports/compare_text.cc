// SPDX-License-Identifier: MIT
// The console output of `leakguard compare`, benchstat-like: both figures side by side, the
// change, and "same" (benchstat's "~") as an answer of its own.
#include <cmath>

#include "harness/base/units.h"
#include "harness/verdict/window.h"
#include "reports/compare_report.h"
#include "reports/text.h"

namespace lg {

namespace {

std::string with_interval(double v, double lo, double hi) {
  bool neg = lo < 0 || hi < 0;
  return format_number(v) + " (" + format_number(lo) + (neg ? " to " : "-") + format_number(hi) + ")";
}

// Pads to `width` columns, counting UTF-8 characters (not bytes).
std::string pad(const std::string& s, size_t width) {
  size_t chars = 0;
  for (unsigned char ch : s) chars += (ch & 0xC0) != 0x80;
  return chars >= width ? s : s + std::string(width - chars, ' ');
}

size_t width_of(const std::string& s) {
  size_t chars = 0;
  for (unsigned char ch : s) chars += (ch & 0xC0) != 0x80;
  return chars;
}

}  // namespace

std::vector<std::string> compare_run_notes(const RunResult& r) {
  std::vector<std::string> out;
  if (r.interrupted) out.push_back("was interrupted: its figures cover only what was recorded");
  if (!r.environment_error.empty()) out.push_back("could not start: " + r.environment_error);
  for (const auto& s : r.lifecycle)
    if (!s.ok && !s.skipped) out.push_back("target " + s.name + ": " + s.message);
  for (const auto& w : r.workloads)
    if (!w.error.empty()) out.push_back("workload " + w.phase + "/" + w.kind + ": " + w.error);
  return out;
}

std::string compare_run_name(const CompareReport& c, size_t run) {
  if (c.runs.size() == 2) return run == 0 ? "baseline" : "candidate";
  return "run " + std::to_string(run + 1);
}

std::string compare_figure(const CheckComparison& k, size_t run) {
  if (run >= k.runs.size()) return "n/a";
  const Verdict& v = k.runs[run];
  if (v.outcome != Outcome::Pass && v.outcome != Outcome::Fail)
    return std::string("n/a (") +
           (run < k.recorded.size() && !k.recorded[run] ? "not recorded" : outcome_name(v.outcome)) + ")";
  if (k.check.type == CheckType::MaxSlope) {
    if (run >= k.rates.size() || !std::isfinite(k.rates[run].slope)) return "n/a";
    const GrowthRate& g = k.rates[run];
    double s = limit_scale(k.check);
    return with_interval(g.slope * s, g.low * s, g.high * s) + (g.levelled ? "*" : "");
  }
  double f = level_figure(v);
  return (k.check.type == CheckType::Max ? format_number(f) : signed_number(f)) + " " + outcome_name(v.outcome);
}

std::string compare_change(const CheckComparison& k) {
  if (k.change == Change::Incomparable) return "n/a";
  if (k.change == Change::Same) return "~";
  if (k.check.type == CheckType::MaxSlope) {
    double s = limit_scale(k.check);
    std::string lo = signed_number(k.diff_low * s), hi = signed_number(k.diff_high * s);
    return signed_number(k.diff * s) + " (" + lo + " to " + hi + ")";
  }
  return signed_number(k.excess);
}

std::string compare_console(const CompareReport& c) {
  const Comparison& cmp = c.comparison;
  size_t n = c.runs.size();
  std::string out;
  std::string scenario = n ? clean_line(c.runs.back()->scenario) : "";
  out += "compare " + scenario + ": " +
         (n == 2 ? std::string("baseline against candidate") : std::to_string(n) + " runs, in release order") + "\n";
  for (size_t i = 0; i < n; i++) {
    const RunResult& r = *c.runs[i];
    std::string what = r.target_argv.empty() ? std::string("no target") : shell_join(r.target_argv);
    out += "  " + pad(compare_run_name(c, i) + ":", 11) + clean_line(c.labels[i]) + "  (" + clean_line(what) +
           (r.timestamp.empty() ? "" : ", " + clean_line(r.timestamp)) + ")\n";
  }
  out += "slopes in the unit of each check's limit with 95% intervals, the change with its 99% interval\n";
  bool levelled = false;
  for (const auto& k : cmp.checks)
    for (const auto& g : k.rates) levelled |= g.levelled;
  if (levelled) out += "* the run levelled off: the slope of the later half of its window\n";
  if (n > 2)
    out += "the change and the answer compare run " + std::to_string(n) + " with run " + std::to_string(n - 1) + "\n";
  out += "\n";

  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> head = {"check"};
  for (size_t i = 0; i < n; i++) head.push_back(compare_run_name(c, i));
  head.push_back("change");
  head.push_back("");
  rows.push_back(head);
  for (const auto& k : cmp.checks) {
    std::vector<std::string> row = {clean_line(k.check.text)};
    for (size_t i = 0; i < n; i++) row.push_back(compare_figure(k, i));
    row.push_back(compare_change(k));
    row.push_back(change_name(k.change));
    rows.push_back(row);
  }
  std::vector<size_t> widths(head.size(), 0);
  for (const auto& row : rows)
    for (size_t j = 0; j < row.size(); j++) widths[j] = std::max(widths[j], width_of(row[j]));
  for (const auto& row : rows) {
    std::string line;
    for (size_t j = 0; j < row.size(); j++) line += j + 1 < row.size() ? pad(row[j], widths[j] + 2) : row[j];
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  if (cmp.checks.empty()) out += "(no check recorded by both runs)\n";

  std::string why;
  for (const auto& k : cmp.checks)
    if (k.change != Change::Same)
      why += pad(change_name(k.change), 7) + clean_line(k.check.text) + ": " + clean_line(k.sentence) + "\n";
  for (const auto& t : cmp.only_base)
    why += "note:  " + clean_line(t) + ": only the baseline judged it; not compared\n";
  for (const auto& t : cmp.only_cand)
    why += "note:  " + clean_line(t) + ": only the candidate judged it; not compared\n";
  for (size_t i = 0; i < n; i++)
    for (const auto& note : compare_run_notes(*c.runs[i]))
      why += "note:  " + (n == 2 ? "the " + compare_run_name(c, i) + " run" : compare_run_name(c, i)) + " " +
             clean_line(note) + "\n";
  if (!why.empty()) out += "\n" + why;

  const char* word = cmp.any_worse() ? "WORSE" : cmp.count(Change::Better) ? "BETTER" : "SAME";
  out += std::string("\n") + word + ": " + std::to_string(cmp.count(Change::Worse)) + " worse, " +
         std::to_string(cmp.count(Change::Better)) + " better, " + std::to_string(cmp.count(Change::Same)) + " same, " +
         std::to_string(cmp.count(Change::Incomparable)) + " not comparable\n";
  if (!c.out_dir.empty()) out += "report: " + c.out_dir + "/compare.html\n";
  return out;
}

}  // namespace lg
