// SPDX-License-Identifier: MIT
// The `checks:` block: each check's metric, window and limit, judged against the phases.
#include "harness/scenario/checks.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "harness/base/fs.h"
#include "harness/base/metrics.h"
#include "harness/workloads/workload.h"

namespace lg {

namespace {

void load_slope(YamlReader& r, const YAML::Node& n, const Scenario& sc, Check& c);

const std::vector<std::string> kCheckKeys = {"metric", "phase",       "max_slope",  "max_growth",
                                             "max",    "max_residue", "min_growth", "required"};

// A number as written in a check: "1000", "1_000", "0.5". False on anything else.
bool plain_number(std::string s, double& v) {
  s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == '_' || c == ','; }), s.end());
  if (s.empty() || s.find_first_not_of("0123456789.+-eE") != std::string::npos) return false;
  char* end = nullptr;
  v = strtod(s.c_str(), &end);
  return end && *end == 0 && std::isfinite(v);
}

bool load_check(YamlReader& r, const YAML::Node& n, const Scenario& sc, Check& c) {
  if (!r.need_map(n, "check")) return false;
  int errors_before = r.errors();
  Location l = r.loc(n);
  c.line = l.line;
  c.col = l.col;
  YAML::Node metric = absent(), phase = absent(), limit = absent(), min_growth = absent();
  std::string limit_key;
  r.each_key(n, "check", kCheckKeys, [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
    if (key == "metric") {
      metric.reset(v);
    } else if (key == "phase") {
      phase.reset(v);
    } else if (key == "min_growth") {
      min_growth.reset(v);
    } else if (key == "required") {
      if (auto b = r.boolean(v, "required")) c.required = *b;
    } else if (limit.IsDefined()) {
      r.error(k, "one limit per check: " + limit_key + " and " + key + " are both given; write two checks");
    } else {
      limit.reset(v);
      limit_key = key;
    }
  });
  const MetricInfo* info = nullptr;
  if (!metric.IsDefined()) {
    r.error(n, "check: missing 'metric' (leakguard list metrics shows them)");
  } else if (auto m = r.str(metric, "metric")) {
    c.metric = *m;
    // find_metric keeps every sys.slab.<cache> it is asked about for the life of the
    // process; a validator fed arbitrary names must not grow with them.
    info = is_slab_metric(*m) ? nullptr : find_metric(*m);
    if (is_slab_metric(*m)) {
      // A cache this kernel does not have would be sampled as nothing and skipped: say so now.
      std::string bad = slab_cache_problem(m->substr(strlen("sys.slab.")));
      if (!bad.empty()) r.error(metric, "metric '" + *m + "': " + bad);
    } else if (!info) {
      std::string s = suggest_metric(*m);
      r.error(metric, "unknown metric '" + *m + "'" + (s.empty() ? "" : "; did you mean '" + s + "'?") +
                          " (leakguard list metrics shows them all)");
    }
  }
  std::vector<std::string> names;
  for (const auto& p : sc.phases) names.push_back(p.name);
  if (phase.IsDefined()) {
    std::vector<YAML::Node> items;
    if (phase.IsSequence()) {
      for (const auto& p : phase) items.push_back(p);
      if (items.empty()) r.error(phase, "phase: the list is empty");
    } else {
      items.push_back(phase);
    }
    for (const auto& p : items) {
      auto s = r.str(p, "phase");
      if (!s) continue;
      if (std::find(names.begin(), names.end(), *s) == names.end()) {
        std::string m = closest_match(*s, names);
        r.error(p, "unknown phase '" + *s + "'" + (m.empty() ? "" : "; did you mean '" + m + "'?") +
                       " (phases: " + join_words(names) + ")");
      }
      c.phases.push_back(*s);
    }
  }
  if (!limit.IsDefined()) {
    r.error(n, "check" + (c.metric.empty() ? "" : " on " + c.metric) +
                   ": missing a limit: max_slope, max_growth, max or max_residue");
  } else if (limit_key == "max_slope") {
    c.type = CheckType::MaxSlope;
    load_slope(r, limit, sc, c);
  } else {
    c.type = limit_key == "max_growth" ? CheckType::MaxGrowth
             : limit_key == "max"      ? CheckType::Max
                                       : CheckType::MaxResidue;
    if (auto v = r.number(limit, limit_key)) c.limit = *v;
  }
  if (min_growth.IsDefined()) {
    if (limit.IsDefined() && limit_key != "max_slope")
      r.error(min_growth, "min_growth applies to max_slope checks only");
    else if (auto v = r.number(min_growth, "min_growth"))
      c.min_growth = *v;
  }
  if (info && info->scope == Scope::Target && !sc.target)
    r.warn(metric, "metric " + c.metric + " is measured on the target, but the scenario has no target");
  if (info && info->scope == Scope::Target && limit_key == "max_residue")
    r.warn(limit, "max_residue compares the system before and after the target; " + c.metric +
                      " is a target metric (use a sys.* metric)");
  c.text = describe_check(c);
  return r.errors() == errors_before;
}

// "1 per 1000 netns", "2 per netns", "0.5/s", "2/min".
void load_slope(YamlReader& r, const YAML::Node& n, const Scenario& sc, Check& c) {
  auto t = r.str(n, "max_slope");
  if (!t) return;
  const std::string usage = "write '1 per 1000 netns' (per event of a workload kind) or '0.5/s', '2/min'";
  std::vector<std::string> words;
  for (const auto& w : split(trim(*t), ' '))
    if (!w.empty()) words.push_back(w);
  auto per = std::find(words.begin(), words.end(), "per");
  if (per != words.end()) {
    size_t at = per - words.begin();
    double a = 1, b = 1;
    bool ok = true;
    if (at == 1)
      ok &= plain_number(words[0], a);
    else if (at != 0)
      ok = false;
    std::string kind;
    if (words.size() == at + 3)
      ok &= plain_number(words[at + 1], b), kind = words[at + 2];
    else if (words.size() == at + 2)
      kind = words[at + 1];
    else
      ok = false;
    if (!ok || kind.empty()) {
      r.error(n, "max_slope: bad slope '" + *t + "'; " + usage);
      return;
    }
    if (at == 0) r.error(n, "max_slope: '" + *t + "' has no limit before 'per'; " + usage);
    if (a < 0) r.error(n, "max_slope must be zero or more, got '" + *t + "'");
    if (b <= 0) r.error(n, "max_slope: the event count after 'per' must be positive, got '" + *t + "'");
    c.per_event = kind;
    c.per_event_scale = b > 0 ? b : 1;
    c.limit = a / c.per_event_scale;
    std::vector<std::string> kinds = workload_kind_names();
    if (!find_workload_kind(kind)) {
      std::string m = closest_match(kind, kinds);
      r.error(n, "max_slope: unknown event kind '" + kind + "'" + (m.empty() ? "" : "; did you mean '" + m + "'?") +
                     " (kinds: " + join_words(kinds) + ")");
      return;
    }
    bool anywhere = false, in_window = false;
    for (const auto& p : sc.phases) {
      bool has = false;
      for (const auto& w : p.workloads) has |= w.kind == kind;
      anywhere |= has;
      if (has && std::find(c.phases.begin(), c.phases.end(), p.name) != c.phases.end()) in_window = true;
    }
    if (!anywhere)
      r.error(n, "max_slope: per " + kind + " events, but no phase runs a " + kind + " workload");
    else if (!c.phases.empty() && !in_window)
      r.error(n, "max_slope: per " + kind + " events, but the judged phases (" + join_words(c.phases) + ") run no " +
                     kind + " workload");
    return;
  }
  size_t slash = t->find('/');
  if (slash == std::string::npos) {
    r.error(n, "max_slope: '" + *t + "' has no unit; " + usage);
    return;
  }
  std::string unit = trim(t->substr(slash + 1));
  double a;
  if (!plain_number(trim(t->substr(0, slash)), a) || (unit != "s" && unit != "sec" && unit != "min" && unit != "m")) {
    r.error(n, "max_slope: bad slope '" + *t + "'; " + usage);
    return;
  }
  if (a < 0) {
    r.error(n, "max_slope must be zero or more, got '" + *t + "'");
    return;
  }
  c.per_time_unit = unit == "min" || unit == "m" ? "min" : "s";
  c.limit = c.per_time_unit == "min" ? a / 60 : a;
}

}  // namespace

std::vector<std::string> workload_kind_names() {
  std::vector<std::string> v;
  for (const auto* k : workload_kinds()) v.push_back(k->name);
  return v;
}

void load_checks(YamlReader& r, const YAML::Node& n, Scenario& sc) {
  if (!n.IsSequence()) {
    r.error(n, "checks: expected a list of checks (- metric: ...), got " + describe_node(n));
    return;
  }
  for (const auto& c : n) {
    Check check;
    if (load_check(r, c, sc, check)) sc.checks.push_back(std::move(check));
  }
}

}  // namespace lg
