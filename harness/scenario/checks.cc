// SPDX-License-Identifier: MIT
// The `checks:` block: each check's metric, window and limit, judged against the phases.
#include "harness/scenario/checks.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "harness/base/fs.h"
#include "harness/base/metrics.h"
#include "harness/base/strings.h"
#include "harness/verdict/check_type.h"
#include "harness/workloads/workload.h"

namespace lg {

namespace {

const std::vector<std::string>& check_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k = {"metric", "phase"};
    for (const auto& t : check_type_keys()) k.push_back(t);
    for (const char* o : {"min_growth", "required"}) k.push_back(o);
    return k;
  }();
  return keys;
}

// A per-event limit names a workload kind that some phase (of its window) runs.
void check_event_kind(YamlReader& r, const YAML::Node& n, const Scenario& sc, const Check& c) {
  const std::string& kind = c.per_event;
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
}

bool load_check(YamlReader& r, const YAML::Node& n, const Scenario& sc, Check& c) {
  if (!r.need_map(n, "check")) return false;
  int errors_before = r.errors();
  Location l = r.loc(n);
  c.line = l.line;
  c.col = l.col;
  YAML::Node metric = absent(), phase = absent(), limit = absent(), min_growth = absent();
  const CheckTypeInfo* type = nullptr;
  r.each_key(n, "check", check_keys(), [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
    if (key == "metric") {
      metric.reset(v);
    } else if (key == "phase") {
      phase.reset(v);
    } else if (key == "min_growth") {
      min_growth.reset(v);
    } else if (key == "required") {
      if (auto b = r.boolean(v, "required")) c.required = *b;
    } else if (type) {
      r.error(k,
              std::string("one limit per check: ") + type->key + " and " + key + " are both given; write two checks");
    } else {
      limit.reset(v);
      type = find_check_type(key);
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
  if (!type) {
    std::string keys;
    auto all = check_type_keys();
    for (size_t i = 0; i < all.size(); i++) keys += (i == 0 ? "" : i + 1 == all.size() ? " or " : ", ") + all[i];
    r.error(n, "check" + (c.metric.empty() ? "" : " on " + c.metric) + ": missing a limit: " + keys);
  } else {
    c.type = type->type;
    if (!type->parse) {
      if (auto v = r.number(limit, type->key)) c.limit = *v;
    } else if (auto text = r.str(limit, type->key)) {
      for (const auto& problem : type->parse(*text, c)) r.error(limit, problem);
      if (!c.per_event.empty()) check_event_kind(r, limit, sc, c);
    }
  }
  if (min_growth.IsDefined()) {
    if (type && !type->takes_min_growth)
      r.error(min_growth, "min_growth applies to max_slope checks only");
    else if (auto v = r.number(min_growth, "min_growth"))
      c.min_growth = *v;
  }
  if (info && info->scope == Scope::Target && !sc.target)
    r.warn(metric, "metric " + c.metric + " is measured on the target, but the scenario has no target");
  if (info && info->scope == Scope::Target && type && !type->needs_samples)
    r.warn(limit, std::string(type->key) + " compares the system before and after the target; " + c.metric +
                      " is a target metric (use a sys.* metric)");
  c.text = describe_check(c);
  return r.errors() == errors_before;
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
