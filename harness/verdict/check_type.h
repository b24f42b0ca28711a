// SPDX-License-Identifier: MIT
#pragma once
// The check types, one table (check_types.cc): for each, the key a scenario writes (also the
// "type" of series.json and the word in "fd.total max_growth <= 20"), how its limit is read,
// how the limit reads in words, and how it is judged. Each type is one file of this folder
// (max_slope.cc, max_growth.cc, max.cc, max_residue.cc) defining one CheckTypeInfo.
//
// Add a type: a value in CheckType (harness/base/check.h), its file here, one line in the
// table of check_types.cc, its section in docs/verdicts.md and its row in docs/scenarios.md,
// and its tests in tests/verdict. The scenario loader, series.json, `judge` and every report
// take it from the table.
#include <string>
#include <string_view>
#include <vector>

#include "harness/base/check.h"
#include "harness/base/series.h"

namespace lg {

struct CheckTypeInfo {
  CheckType type;
  const char* key;      // "max_slope"
  const char* meaning;  // one line: what must hold
  // Reads the limit as the scenario wrote it (env-expanded) into c.limit and the type's own
  // fields; returns the problems with it, empty when it is good. nullptr: the limit is an
  // amount (a number, or a size such as 1MiB for byte metrics) that the loader reads itself.
  std::vector<std::string> (*parse)(const std::string& text, Check& c);
  // The limit in words, after "<metric> <key> <= ": "1 per 1000 netns", "0.5/s", "20".
  std::string (*limit_words)(const Check& c);
  // Judges c on the series; `metric` is its column, already known to be measured (see
  // needs_samples). Fills v's outcome, sentence and the numbers that apply.
  void (*judge)(const Check& c, const Series& s, int metric, Verdict& v);
  // true: judged on the samples, so a column without any measured sample cannot be judged.
  // false: judged on the system census before launch and after settle (max_residue).
  bool needs_samples;
  bool takes_min_growth;  // the check may set min_growth
};

const std::vector<const CheckTypeInfo*>& check_types();  // in CheckType order
const CheckTypeInfo& check_type(CheckType t);
const CheckTypeInfo* find_check_type(std::string_view key);  // nullptr when unknown
std::vector<std::string> check_type_keys();                  // "max_slope", "max_growth", ...

// The check in words: "fd.netns max_slope <= 1 per 1000 netns", "fd.total max_slope <= 0.5/s",
// "fd.total max_growth <= 20", "proc.zombies max <= 0", "sys.bpf_maps max_residue <= 0".
std::string describe_check(const Check& c);
// c.text when the scenario's loader set it, else describe_check(c).
std::string check_words(const Check& c);

}  // namespace lg
