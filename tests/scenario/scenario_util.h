// SPDX-License-Identifier: MIT
#pragma once
// Helpers for the scenario tests: load a text, find a diagnostic by place and words.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness/scenario/scenario.h"

namespace sc_test {

inline std::string data(const std::string& name) {
  return std::string(LEAKGUARD_SOURCE_DIR) + "/tests/scenario/data/" + name;
}

struct Loaded {
  std::optional<lg::Scenario> scenario;
  std::vector<lg::Diagnostic> diags;
  std::string all() const {
    std::string s;
    for (const auto& d : diags) s += d.str() + "\n";
    return s;
  }
  size_t errors() const {
    size_t n = 0;
    for (const auto& d : diags) n += d.severity == lg::Diagnostic::Error;
    return n;
  }
};

inline Loaded load(const std::string& yaml, const lg::LoadOptions& opts = {}) {
  Loaded l;
  l.scenario = lg::load_scenario_string(yaml, "t.yaml", opts, l.diags);
  return l;
}

// True when an error (or warning) at exactly LINE:COL contains `words`.
inline ::testing::AssertionResult has(const Loaded& l, int line, int col, const std::string& words,
                                      lg::Diagnostic::Severity sev = lg::Diagnostic::Error) {
  for (const auto& d : l.diags)
    if (d.line == line && d.col == col && d.severity == sev && d.message.find(words) != std::string::npos)
      return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no " << (sev == lg::Diagnostic::Error ? "error" : "warning") << " at "
                                       << line << ":" << col << " containing '" << words << "'; got:\n"
                                       << l.all();
}

// A valid scenario around one phase body, for tests that change one thing.
inline std::string with_workload(const std::string& fields) {
  return "name: t\n"
         "phases:\n"
         "  - name: churn\n"
         "    workloads:\n"
         "      - kind: netns\n" +
         fields;
}

}  // namespace sc_test
