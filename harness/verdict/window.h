// SPDX-License-Identifier: MIT
#pragma once
// What the check types share: the window of the run a check looks at, the levels taken from
// it, and the words and numbers of their sentences.
#include <string>
#include <vector>

#include "harness/base/check.h"
#include "harness/base/series.h"

namespace lg {

struct Span {
  double start, end;
};

// Where a check looks: time spans in run order; error != "" when the window cannot be formed.
struct Window {
  std::vector<Span> spans;
  std::string error;
  bool contains(double t) const;
  double start() const;
  double end() const;
};

// The spans of the phases a check names; an unknown name is an error naming the choices.
Window named_phases(const Check& c, const Series& s);
// w = the phases c names (empty when it names none). False, with v made an error, when a name
// is unknown.
bool named_window(const Check& c, const Series& s, Window& w, Verdict& v);
// The spans of the phases that run workloads.
Window workload_phases(const Series& s);
// When the target was asked to stop, else the last sample (0 without samples).
double run_end(const Series& s);

// The "last samples" of a window: 5% of them, at least 5 and at most 100, so an end level is
// robust to a spike yet still describes the end.
size_t tail_count(size_t n);

std::string joined(const std::vector<std::string>& names);  // "a, b" or "none"
std::string plain(double v);                                // a limit as written: "1", "0.5", "1e-06"
std::string signed_number(double v);                        // "+3", "-0.5"
std::string amount_words(const Check& c);                   // the limit of an amount check: "20"
// "95% CI 0.98-0.98", "95% CI -0.1 to 0.2".
std::string interval_text(double lo, double hi, double confidence);

// Numbers in a metric's unit: bytes humanised ("+64.3 MiB", not +67,432,990).
struct Fmt {
  std::string unit;
  std::string operator()(double v) const;  // format_in_unit
  std::string signed_(double v) const;     // "+64.3 MiB", "-3"
};
Fmt fmt_for(const Series& s, int metric);
// A limit as written: sizes for byte metrics ("1MiB"), plain() otherwise.
std::string amount_words(const Check& c, double v);
// "95% CI 10.9 KiB to 11.1 KiB" for byte metrics, interval_text otherwise.
std::string interval_in(double lo, double hi, double confidence, const Fmt& f);
// What a BPF map metric's sentence adds: the target's map that filled up, or came closest
// ("map pid_events (hash) full at 4,096 of 4,096 since 6.3s"); "" for other metrics.
std::string map_note(const Check& c, const Series& s);
// sentence + "; " + note, or the sentence alone.
std::string with_note(const std::string& sentence, const std::string& note);

// v made an error with the reason: "<metric>: <why>".
Verdict error_verdict(Verdict v, const std::string& why);

}  // namespace lg
