// SPDX-License-Identifier: MIT
// JUnit of `leakguard compare`: one <testsuite> "compare <scenario>", one testcase per check
// the runs share, named as the check. Worse is a <failure type="regression"> holding both
// figures; not comparable is <skipped>; same and better pass, with the sentence in system-out.
#include <pugixml.hpp>

#include "harness/base/units.h"
#include "reports/compare_report.h"
#include "reports/junit_xml.h"
#include "reports/text.h"

namespace lg {

bool write_compare_junit(const CompareReport& c, const std::string& path, std::string& err) {
  pugi::xml_document doc;
  pugi::xml_node root = new_junit(doc);
  const Comparison& cmp = c.comparison;
  size_t n = c.runs.size();
  std::string scenario = n ? c.runs.back()->scenario : "";
  std::string cls = scenario.empty() ? "leakguard" : scenario;
  auto suite = junit_suite(root, "compare " + cls, 0, utc_timestamp(), "");
  auto props = suite.append_child("properties");
  for (size_t i = 0; i < n; i++) {
    const RunResult& r = *c.runs[i];
    std::string key = "run." + compare_run_name(c, i);
    for (auto& ch : key)
      if (ch == ' ') ch = '.';
    junit_property(props, key, c.labels[i]);
    junit_property(props, key + ".target.argv",
                   r.target_argv.empty() ? "(none: system only)" : shell_join(r.target_argv));
    junit_property(props, key + ".timestamp", r.timestamp);
    junit_property(props, key + ".leakguard.version", r.version);
  }
  if (!c.out_dir.empty()) junit_property(props, "report.html", c.out_dir + "/compare.html");

  std::vector<std::string> plots = compare_plot_paths(c);
  for (size_t k = 0; k < cmp.checks.size(); k++) {
    const CheckComparison& x = cmp.checks[k];
    auto tc = junit_testcase(suite, cls, x.check.text, 0);
    // Every run's figure, then the change.
    std::string body;
    for (size_t i = 0; i < x.runs.size(); i++)
      body += compare_run_name(c, i) + ": " + compare_figure(x, i) + "  (" + c.labels[i] + ")\n";
    body += "change: " + compare_change(x) + "\n";
    if (x.check.type == CheckType::MaxSlope)
      body += "unit of the slopes:" + limit_unit(x.check) + "; 95% intervals, the change's 99%\n";
    switch (x.change) {
      case Change::Worse: junit_outcome(tc, "failure", "regression", x.sentence, body); break;
      case Change::Incomparable: junit_outcome(tc, "skipped", nullptr, x.sentence); break;
      case Change::Same:
      case Change::Better: break;
    }
    if (x.change == Change::Incomparable) continue;
    std::string out = change_name(x.change) + std::string(": ") + x.sentence + "\n" + body;
    if (x.change == Change::Worse && k < plots.size() && !plots[k].empty()) out += "[[ATTACHMENT|" + plots[k] + "]]\n";
    if (x.change == Change::Worse && !c.out_dir.empty()) out += "report: " + c.out_dir + "/compare.html\n";
    junit_stream(tc, "system-out", out, "");
  }
  std::string notes;
  for (const auto& t : cmp.only_base) notes += t + ": only the baseline judged it; not compared\n";
  for (const auto& t : cmp.only_cand) notes += t + ": only the candidate judged it; not compared\n";
  for (size_t i = 0; i < n; i++)
    for (const auto& note : compare_run_notes(*c.runs[i])) notes += compare_run_name(c, i) + " " + note + "\n";
  if (!notes.empty()) suite.append_child("system-out").text().set(clean_text(notes).c_str());
  return save_junit(doc, path, err);
}

}  // namespace lg
