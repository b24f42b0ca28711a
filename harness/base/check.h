// SPDX-License-Identifier: MIT
#pragma once
// A check as written in a scenario, and the verdict the analysis gives it. What each check
// type means (its key, limit, words and judging) is one table: harness/verdict/check_type.h.
#include <string>
#include <vector>

namespace lg {

enum class CheckType { MaxSlope, MaxGrowth, Max, MaxResidue };

struct Check {
  std::string metric;
  CheckType type = CheckType::MaxSlope;
  double limit = 0;  // per event (already divided: "1 per 1000 netns" -> 0.001), per second,
                     // or absolute for growth/max/residue
  // max_slope only: the event kind to normalise by ("netns"), or "" for per time.
  std::string per_event;
  double per_event_scale = 1;       // the "1000" in "1 per 1000 netns", kept for the sentence
  std::string per_time_unit;        // "s" or "min" for per-time slopes, kept for the sentence
  std::vector<std::string> phases;  // window; empty: the default window of the type
  double min_growth = -1;           // <0: the documented default
  bool required = false;            // unavailable metric: error instead of skipped
  std::string text;                 // the check in words: "fd.netns max_slope <= 1 per 1000 netns"
  int line = 0, col = 0;            // where the scenario wrote it (0: default check)
};

enum class Outcome { Pass, Fail, Error, Skipped };

// Everything said about an outcome, in one table (check.cc).
struct OutcomeInfo {
  Outcome outcome;
  const char* word;   // "PASS", "FAIL", "ERROR", "SKIP": the console, HTML badges, charts
  const char* key;    // "pass", "fail", "error", "skipped": series.json
  const char* color;  // "#2e7d32": HTML badges and chart titles
};
const std::vector<OutcomeInfo>& outcomes();  // in enum order
const OutcomeInfo& outcome_info(Outcome o);
const char* outcome_name(Outcome o);                          // "PASS", "FAIL", "ERROR", "SKIP"
const OutcomeInfo* find_outcome_key(const std::string& key);  // "pass" -> Pass; nullptr when unknown

struct Verdict {
  Check check;
  Outcome outcome = Outcome::Error;
  std::string sentence;  // one line a human reads first
  // The numbers behind it (NaN when they do not apply).
  double slope = 0, ci_low = 0, ci_high = 0;  // per event or per second, as the check
  double growth = 0, baseline = 0, end_level = 0, peak = 0;
  double events = 0;  // events of per_event in the window
  size_t samples = 0;
  double window_start = 0, window_end = 0;  // seconds since launch
};

}  // namespace lg
