// SPDX-License-Identifier: MIT
#include "harness/verdict/window.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "harness/base/strings.h"
#include "harness/base/units.h"

namespace lg {

bool Window::contains(double t) const {
  for (const auto& s : spans)
    if (t >= s.start && t <= s.end) return true;
  return false;
}

double Window::start() const { return spans.empty() ? 0 : spans.front().start; }

double Window::end() const {
  double e = 0;
  for (const auto& s : spans) e = std::max(e, s.end);
  return e;
}

double run_end(const Series& s) {
  if (s.stop >= 0) return s.stop;
  return s.t.empty() ? 0 : s.t.back();
}

std::string joined(const std::vector<std::string>& names) { return names.empty() ? "none" : join_words(names); }

Window named_phases(const Check& c, const Series& s) {
  Window w;
  for (const auto& name : c.phases) {
    const PhaseSpan* p = s.phase(name);
    if (!p) {
      std::vector<std::string> names;
      for (const auto& ph : s.phases) names.push_back(ph.name);
      w.error = "unknown phase '" + name + "' (phases: " + joined(names) + ")";
      return w;
    }
    w.spans.push_back({p->start, p->end});
  }
  std::sort(w.spans.begin(), w.spans.end(), [](const Span& a, const Span& b) { return a.start < b.start; });
  return w;
}

bool named_window(const Check& c, const Series& s, Window& w, Verdict& v) {
  w = named_phases(c, s);
  if (w.error.empty()) return true;
  v = error_verdict(v, w.error);
  return false;
}

Window workload_phases(const Series& s) {
  Window w;
  for (const auto& p : s.phases)
    if (p.has_workloads) w.spans.push_back({p.start, p.end});
  return w;
}

size_t tail_count(size_t n) { return std::min(n, std::clamp<size_t>(n / 20, 5, 100)); }

std::string plain(double v) {
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    snprintf(buf, sizeof buf, "%.6g", v);
  }
  return buf;
}

std::string amount_words(const Check& c) { return plain(c.limit); }

std::string signed_number(double v) {
  std::string out = v >= 0 ? "+" : "";
  out += format_number(v);
  return out;
}

std::string interval_text(double lo, double hi, double confidence) {
  std::string a = format_number(lo), b = format_number(hi);
  return format_number(confidence * 100) + "% CI " + a + (lo < 0 || hi < 0 ? " to " : "-") + b;
}

Verdict error_verdict(Verdict v, const std::string& why) {
  v.outcome = Outcome::Error;
  v.sentence = v.check.metric + ": " + why;
  return v;
}

}  // namespace lg
