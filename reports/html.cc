// SPDX-License-Identifier: MIT
// report.html: one self-contained page (inline CSS and SVG, no script, no external file) that
// makes a leak obvious at a glance: verdicts first, then a chart per judged metric.
#include <cmath>
#include <cstdio>

#include "harness/base/fs.h"
#include "harness/base/units.h"
#include "reports/html_page.h"
#include "reports/plot.h"
#include "harness/verdict/check_type.h"
#include "reports/report.h"
#include "reports/text.h"

namespace lg {

namespace {

constexpr size_t kMaxTail = 64 * 1024;

std::string esc(const std::string& s) { return html_text(s); }

void kv(std::string& out, const char* key, const std::string& value) {
  if (value.empty()) return;
  out += "<tr><th>";
  out += key;
  out += "</th><td>" + esc(value) + "</td></tr>\n";
}

std::string badge(const char* word) { return html_badge(word); }

std::string tail_block(const std::string& title, const std::string& text, const std::string& log, uint64_t dropped) {
  std::string out = "<h3>" + esc(title) + "</h3>\n";
  if (text.empty()) return out + "<p class=\"muted\">(nothing)</p>\n";
  bool cut = false;
  std::string body = tail_bytes(clean_text(text), kMaxTail, cut);
  if (!log.empty())
    out += "<p class=\"muted\">full log: " + esc(log) + (cut ? " (cut here at 64 KiB)" : "") +
           (dropped ? "; the log itself dropped " + format_number((double)dropped) + " bytes from its middle" : "") +
           "</p>\n";
  return out + "<pre>" + html_escape(body) + "</pre>\n";
}

}  // namespace

std::string html_report(const RunResult& r) {
  const Series& s = r.series;
  const char* overall = r.failed() ? "FAIL" : "PASS";
  std::string o;
  o.reserve(64 * 1024);
  o += html_page_head("leakguard: " + r.scenario + " " + overall);
  o += "<h1>" + esc(r.scenario) + " " + badge(overall) + "</h1>\n";
  if (!r.description.empty()) o += "<p>" + esc(r.description) + "</p>\n";
  o += "<p class=\"muted\">" + esc(r.timestamp) + " UTC on " + esc(r.hostname) + ", " +
       esc(format_fixed(r.duration, 1)) + " s, leakguard " + esc(r.version) + "</p>\n";
  // The same counts as the console summary and the JUnit testsuite (count_outcomes).
  OutcomeCounts n = count_outcomes(r);
  o += "<p class=\"counts\">" + std::to_string(n.tests) + " tests: " + std::to_string(n.passed) + " passed, " +
       std::to_string(n.failed) + " failed, " + std::to_string(n.errors) + " errors, " + std::to_string(n.skipped) +
       " skipped</p>\n";
  if (!r.environment_error.empty())
    o += "<div class=\"banner\"><b>The run could not start:</b> " + esc(r.environment_error) + "</div>\n";
  for (const auto& w : r.warnings) o += "<div class=\"banner warn\"><b>Warning:</b> " + esc(w) + "</div>\n";
  if (r.interrupted)
    o += "<div class=\"banner\"><b>Interrupted:</b> the verdicts cover only what was recorded before the "
         "interruption.</div>\n";

  // Verdicts: the first thing on the page.
  std::vector<std::string> charts;
  for (const auto& v : r.verdicts) charts.push_back(verdict_chart_svg(r, v));
  o += "<h2>Verdicts</h2>\n";
  if (r.verdicts.empty()) {
    o += "<p class=\"muted\">No check was judged.</p>\n";
  } else {
    o += "<table class=\"verdicts\">\n<tr><th>Result</th><th>Check</th><th>Why</th></tr>\n";
    for (size_t i = 0; i < r.verdicts.size(); i++) {
      const Verdict& v = r.verdicts[i];
      const char* word = outcome_name(v.outcome);
      std::string text = check_words(v.check);
      std::string name =
          charts[i].empty() ? esc(text) : "<a href=\"#check-" + std::to_string(i) + "\">" + esc(text) + "</a>";
      o += std::string("<tr class=\"") + word + "\"><td>" + badge(word) + "</td><td>" + name + "</td><td>" +
           esc(v.sentence) + "</td></tr>\n";
    }
    o += "</table>\n";
  }

  // Lifecycle and workloads.
  o += "<h2>Target</h2>\n<table>\n";
  kv(o, "command", r.target_argv.empty() ? "(none: system-only scenario)" : shell_join(r.target_argv));
  if (!r.target_env.empty()) {
    std::string env;
    for (const auto& [k, v] : r.target_env) env += (env.empty() ? "" : " ") + k + "=" + shell_join({v});
    kv(o, "environment (target.env)", env);
  }
  kv(o, "containment", r.containment);
  o += "</table>\n";
  if (!r.escapes.empty()) {
    o += "<table>\n<tr class=\"ERROR\"><td>stayed in its cgroup</td><td>" + badge("ERROR") + "</td><td>";
    for (const auto& e : r.escapes) o += esc(e) + "<br>";
    o += "</td></tr>\n</table>\n";
  }
  if (!r.lifecycle.empty()) {
    o += "<table>\n<tr><th>Step</th><th>Result</th><th>Seconds</th><th>Message</th></tr>\n";
    for (const auto& l : r.lifecycle) {
      const char* word = l.skipped ? "SKIP" : l.ok ? "PASS" : "ERROR";
      o += std::string("<tr class=\"") + word + "\"><td>" + esc(l.name) + "</td><td>" + badge(word) +
           "</td><td class=\"num\">" + format_fixed(l.seconds, 2) + "</td><td>" + esc(l.message);
      if (!l.ok && !l.detail.empty()) o += "<pre>" + esc(l.detail) + "</pre>";
      o += "</td></tr>\n";
    }
    o += "</table>\n";
  }
  if (!r.workloads.empty()) {
    o += "<h2>Workloads</h2>\n<table>\n<tr><th>Phase/kind</th><th>Asked</th><th>Achieved</th><th>Rate asked</th>"
         "<th>Rate achieved</th><th>Seconds</th><th>Problems</th></tr>\n";
    for (const auto& w : r.workloads) {
      std::string problems = w.error;
      for (const auto& warn : w.warnings) problems += (problems.empty() ? "" : "; ") + warn;
      o += std::string("<tr class=\"") + (w.error.empty() ? "PASS" : "ERROR") + "\"><td>" +
           esc(w.phase + "/" + w.label()) + "</td><td class=\"num\">" + format_number((double)w.requested) +
           "</td><td class=\"num\">" + format_number((double)w.achieved) + "</td><td class=\"num\">" +
           (w.requested_rate > 0 ? format_fixed(w.requested_rate, 1) + "/s" : std::string("as fast as it goes")) +
           "</td><td class=\"num\">" + format_fixed(w.achieved_rate, 1) + "/s</td><td class=\"num\">" +
           format_fixed(w.seconds, 1) + "</td><td>" + esc(problems) + "</td></tr>\n";
    }
    o += "</table>\n";
  }

  // One chart per judged metric, with its numbers.
  bool any_chart = false;
  for (const auto& c : charts) any_chart |= !c.empty();
  any_chart |= !r.diagnoses.empty();
  if (any_chart) o += "<h2>Charts</h2>\n";
  for (size_t i = 0; i < r.verdicts.size(); i++) {
    const Verdict& v = r.verdicts[i];
    const Diagnosis* d =
        v.outcome == Outcome::Fail || v.outcome == Outcome::Error ? r.diagnosis(v.check.metric) : nullptr;
    if (charts[i].empty() && !d) continue;
    std::string text = check_words(v.check);
    o += "<section id=\"check-" + std::to_string(i) + "\">\n<h3>" + badge(outcome_name(v.outcome)) + " " + esc(text) +
         "</h3>\n";
    if (!charts[i].empty()) o += "<div class=\"chart\">" + charts[i] + "</div>\n";
    o += "<pre class=\"numbers\">" + esc(verdict_numbers(v)) + "</pre>\n";
    if (d) o += diagnosis_html(*d);
    o += "</section>\n";
  }

  // Every recorded metric, so "why was this not judged" has an answer on the page.
  if (!s.metrics.empty()) {
    o += "<h2>Recorded metrics</h2>\n<table>\n<tr><th>Metric</th><th>Unit</th><th>Before launch</th>"
         "<th>Last sample</th><th>After settle</th><th>Note</th></tr>\n";
    for (size_t i = 0; i < s.metrics.size(); i++) {
      double last = kUnavailable;
      if (i < s.values.size())
        for (size_t k = s.values[i].size(); k-- > 0;)
          if (std::isfinite(s.values[i][k])) {
            last = s.values[i][k];
            break;
          }
      auto cell = [&](const std::vector<double>& v) {
        return "<td class=\"num\">" + (i < v.size() ? format_number(v[i]) : std::string("n/a")) + "</td>";
      };
      o += "<tr><td>" + esc(s.metrics[i]) + "</td><td>" + esc(i < s.units.size() ? s.units[i] : "") + "</td>" +
           cell(s.pre_launch) + "<td class=\"num\">" + format_number(last) + "</td>" + cell(s.post_settle) + "<td>" +
           esc(i < s.unavailable.size() ? s.unavailable[i] : "") + "</td></tr>\n";
    }
    o += "</table>\n";
  }

  o += "<h2>Run</h2>\n<table>\n";
  kv(o, "scenario file", r.scenario_file);
  kv(o, "kernel", r.kernel);
  kv(o, "backend", r.backend + (r.backend_note.empty() ? "" : " (" + r.backend_note + ")"));
  kv(o, "seed", std::to_string(r.seed));
  kv(o, "samples", std::to_string(s.t.size()));
  std::string phases;
  for (const auto& p : s.phases)
    phases +=
        (phases.empty() ? "" : ", ") + p.name + " " + format_fixed(p.start, 1) + "-" + format_fixed(p.end, 1) + "s";
  kv(o, "phases", phases);
  kv(o, "output", r.out_dir);
  for (const auto& n : r.notes) kv(o, "note", n);
  o += "</table>\n";

  if (!r.target_argv.empty() || !r.stdout_tail.empty() || !r.stderr_tail.empty()) {
    o += "<h2>Target output</h2>\n";
    o += tail_block("stdout (last lines)", r.stdout_tail, r.stdout_log, r.stdout_dropped);
    o += tail_block("stderr (last lines)", r.stderr_tail, r.stderr_log, r.stderr_dropped);
  }
  o += "<p class=\"muted\">Written by leakguard " + esc(r.version) +
       ". series.json next to this file holds every "
       "sample; <code>leakguard judge</code> re-judges it.</p>\n</body>\n</html>\n";
  return o;
}

}  // namespace lg
