// SPDX-License-Identifier: MIT
// JUnit XML in the strictest common dialect (Jenkins xUnit's junit-10.xsd), so every CI reads it.
// Per testcase the schema allows only name/classname/time/group attributes and the children
// skipped/error/failure/system-out/system-err: everything else goes into the suite's
// <properties> or into the text.
#include <pugixml.hpp>

#include <cmath>
#include <sstream>

#include "harness/base/safe_file.h"
#include "harness/base/units.h"
#include "reports/junit_xml.h"
#include "reports/plot.h"
#include "harness/verdict/check_type.h"
#include "reports/report.h"
#include "reports/text.h"

namespace lg {

namespace {

constexpr size_t kMaxSystemOut = 64 * 1024;

void append_suite(pugi::xml_node root, const RunResult& r) {
  const std::string cls = clean_line(r.scenario.empty() ? "leakguard" : r.scenario);
  // The counts are filled in by junit_text, from the testcases, for every writer alike.
  auto suite = junit_suite(root, cls, r.duration, r.timestamp, r.hostname);

  auto props = suite.append_child("properties");
  junit_property(props, "leakguard.version", r.version);
  junit_property(props, "kernel", r.kernel);
  junit_property(props, "backend", r.backend + (r.backend_note.empty() ? "" : " (" + r.backend_note + ")"));
  junit_property(props, "target.argv", r.target_argv.empty() ? "(none: system only)" : shell_join(r.target_argv));
  for (const auto& [k, v] : r.target_env) junit_property(props, "target.env." + k, v);
  for (size_t i = 0; i < r.warnings.size(); i++)
    junit_property(props, "warning." + std::to_string(i + 1), r.warnings[i]);
  junit_property(props, "seed", std::to_string(r.seed));
  if (!r.containment.empty()) junit_property(props, "containment", r.containment);
  if (!r.scenario_file.empty()) junit_property(props, "scenario.file", r.scenario_file);
  for (size_t i = 0; i < r.notes.size(); i++) junit_property(props, "note." + std::to_string(i + 1), r.notes[i]);
  if (!r.out_dir.empty()) junit_property(props, "report.html", r.out_dir + "/report.html");
  for (const auto& w : r.workloads)
    junit_property(props, "workload." + w.phase + "/" + w.label() + ".achieved_rate",
                   format_fixed(w.achieved_rate, 1) + "/s (asked " +
                       (w.requested_rate > 0 ? format_fixed(w.requested_rate, 1) + "/s)" : std::string("no rate)")));

  if (!r.environment_error.empty()) {
    auto tc = junit_testcase(suite, cls, "environment: the run could start", 0);
    junit_outcome(tc, "error", "environment", r.environment_error, r.environment_error);
  }
  if (r.interrupted) {
    auto tc = junit_testcase(suite, cls, "run: finished without interruption", 0);
    junit_outcome(
        tc, "error", "interrupted",
        "the run was interrupted after " + format_fixed(r.duration, 1) + "s; verdicts cover only what was recorded");
  }

  if (!r.escapes.empty()) {
    auto tc = junit_testcase(suite, cls, "target: stayed in its cgroup", 0);
    std::string all;
    for (const auto& e : r.escapes) all += e + "\n";
    std::string msg = r.escapes[0];
    if (r.escapes.size() > 1) msg += " (and " + std::to_string(r.escapes.size() - 1) + " more)";
    junit_outcome(tc, "error", "containment", msg, all);
  }

  // Lifecycle. A system-only scenario has no target: its steps are reported as skipped.
  std::string logs;
  auto dropped = [](uint64_t n) {
    return n ? " (" + format_number((double)n) + " bytes dropped from its middle)" : std::string();
  };
  if (!r.stdout_log.empty()) logs += "full stdout: " + r.stdout_log + dropped(r.stdout_dropped) + "\n";
  if (!r.stderr_log.empty()) logs += "full stderr: " + r.stderr_log + dropped(r.stderr_dropped) + "\n";
  std::vector<LifecycleStep> steps = reported_steps(r);
  for (size_t i = 0; i < steps.size(); i++) {
    const auto& s = steps[i];
    auto tc = junit_testcase(suite, cls, "target " + s.name, s.seconds);
    Outcome so = step_outcome(s);
    if (so == Outcome::Skipped)
      junit_outcome(tc, "skipped", nullptr, s.message.empty() ? "skipped" : s.message);
    else if (so == Outcome::Error)
      junit_outcome(tc, "error", "lifecycle", s.message.empty() ? "target " + s.name + " failed" : s.message, s.detail);
    // The target's output goes with the last step, or with the step that went wrong.
    bool last = i + 1 == steps.size();
    if (!s.skipped && (last || !s.ok)) {
      std::string out = (!s.ok ? std::string() : s.detail.empty() ? "" : s.detail + "\n") + logs;
      if (!r.stdout_tail.empty()) out += "--- last lines of the target's stdout ---\n" + r.stdout_tail;
      junit_stream(tc, "system-out", out, r.stdout_log);
      if (!r.stderr_tail.empty()) junit_stream(tc, "system-err", r.stderr_tail, r.stderr_log);
    }
  }

  for (const auto& w : r.workloads) {
    auto tc = junit_testcase(suite, cls, w.phase + "/" + w.label() + " achieved what was asked", w.seconds);
    std::ostringstream o;
    o << "requested: " << w.requested << " at "
      << (w.requested_rate > 0 ? format_fixed(w.requested_rate, 1) + "/s" : std::string("no set rate")) << "\n"
      << "achieved: " << w.achieved << " at " << format_fixed(w.achieved_rate, 1) << "/s in "
      << format_fixed(w.seconds, 1) << "s\n";
    for (const auto& warn : w.warnings) o << "warning: " << warn << "\n";
    if (workload_outcome(w) == Outcome::Error)
      junit_outcome(tc, "error", "workload", w.error, o.str());
    else
      junit_stream(tc, "system-out", o.str(), "");
  }

  std::vector<std::string> plots = plot_paths(r);
  for (size_t i = 0; i < r.verdicts.size(); i++) {
    const Verdict& v = r.verdicts[i];
    const Check& c = v.check;
    // Judging takes no time worth reporting; the window's length would add up to more than the
    // run in readers that sum testcase times.
    auto tc = junit_testcase(suite, cls, check_words(c), 0);
    std::string numbers = verdict_numbers(v);
    if (const Diagnosis* d = r.diagnosis(c.metric); d && (v.outcome == Outcome::Fail || v.outcome == Outcome::Error))
      numbers += "\n" + diagnosis_text(*d, {.indent = "", .max_sites = 10, .max_frames = 16, .modules = true});
    switch (v.outcome) {
      case Outcome::Pass: break;
      case Outcome::Fail: junit_outcome(tc, "failure", "leak", v.sentence, numbers); break;
      case Outcome::Error: junit_outcome(tc, "error", "check", v.sentence, numbers); break;
      case Outcome::Skipped: junit_outcome(tc, "skipped", nullptr, v.sentence); break;
    }
    if (v.outcome == Outcome::Skipped) continue;
    std::string out = v.sentence + "\n" + numbers;
    // Jenkins (junit-attachments) and GitLab show a file named alone on such a line.
    if (v.outcome != Outcome::Pass && !plots[i].empty()) out += "[[ATTACHMENT|" + plots[i] + "]]\n";
    if (v.outcome != Outcome::Pass && !r.out_dir.empty()) out += "report: " + r.out_dir + "/report.html\n";
    junit_stream(tc, "system-out", out, "");
  }
}

}  // namespace

// The pieces compare_junit.cc (and any other JUnit writer) builds its documents from.
pugi::xml_node junit_suite(pugi::xml_node root, const std::string& name, double seconds, const std::string& timestamp,
                           const std::string& hostname) {
  auto suite = root.append_child("testsuite");
  // Attribute order matches what most readers print; save_junit fills in the counts.
  suite.append_attribute("name") = clean_line(name).c_str();
  for (const char* count : {"tests", "failures", "errors", "skipped"}) suite.append_attribute(count) = 0;
  suite.append_attribute("time") = junit_seconds(seconds).c_str();
  if (!timestamp.empty()) suite.append_attribute("timestamp") = clean_line(timestamp).c_str();
  if (!hostname.empty()) suite.append_attribute("hostname") = clean_line(hostname).c_str();
  return suite;
}

pugi::xml_node junit_testcase(pugi::xml_node suite, const std::string& classname, const std::string& name,
                              double seconds) {
  auto tc = suite.append_child("testcase");
  tc.append_attribute("name") = clean_line(name).c_str();
  tc.append_attribute("classname") = clean_line(classname).c_str();
  tc.append_attribute("time") = junit_seconds(seconds).c_str();
  return tc;
}

// <failure>/<error>/<skipped> with a one-line message and an optional body.
void junit_outcome(pugi::xml_node tc, const char* element, const char* type, const std::string& message,
                   const std::string& body) {
  auto e = tc.append_child(element);
  if (type) e.append_attribute("type") = type;
  e.append_attribute("message") = clean_line(message).c_str();
  if (!body.empty()) e.text().set(clean_text(body).c_str());
}

// Target output (or anything else) capped so one testcase never carries a whole log.
void junit_stream(pugi::xml_node tc, const char* element, const std::string& text, const std::string& full_log) {
  if (text.empty()) return;
  bool cut = false;
  std::string body = tail_bytes(clean_text(text), kMaxSystemOut, cut);
  if (cut)
    body = "[... earlier output cut at " + std::to_string(kMaxSystemOut / 1024) +
           " KiB; full log: " + (full_log.empty() ? std::string("not kept") : full_log) + "]\n" + body;
  tc.append_child(element).text().set(body.c_str());
}

void junit_property(pugi::xml_node props, const std::string& name, const std::string& value) {
  auto p = props.append_child("property");
  p.append_attribute("name") = clean_line(name).c_str();
  p.append_attribute("value") = clean_line(value).c_str();
}

std::string junit_document(const std::vector<const RunResult*>& runs) {
  pugi::xml_document doc;
  pugi::xml_node root = new_junit(doc);
  for (const RunResult* r : runs) append_suite(root, *r);
  return junit_text(doc);
}

bool write_junit_runs(const std::vector<const RunResult*>& runs, const std::string& path, std::string& err) {
  return write_file(path, junit_document(runs), err);
}

bool write_junit(const std::vector<RunResult>& runs, const std::string& path, std::string& err) {
  std::vector<const RunResult*> ptrs;
  for (const auto& r : runs) ptrs.push_back(&r);
  return write_junit_runs(ptrs, path, err);
}

}  // namespace lg
