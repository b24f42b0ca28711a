// SPDX-License-Identifier: MIT
#include "harness/verdict/window.h"

#include "harness/base/metrics.h"

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

std::string Fmt::operator()(double v) const { return format_in_unit(v, unit); }
std::string Fmt::signed_(double v) const { return (v >= 0 ? "+" : "") + (*this)(v); }

Fmt fmt_for(const Series& s, int mi) {
  Fmt f;
  if (mi >= 0 && (size_t)mi < s.units.size()) f.unit = s.units[mi];
  return f;
}

std::string amount_words(const Check& c, double v) {
  const MetricInfo* m = find_metric(c.metric);
  if (m && std::string(m->unit) == "bytes") return format_size(std::round(v * 1e6) / 1e6);
  return plain(v);
}

std::string interval_in(double lo, double hi, double confidence, const Fmt& f) {
  if (f.unit != "bytes") return interval_text(lo, hi, confidence);
  return format_number(confidence * 100) + "% CI " + f(lo) + " to " + f(hi);
}

std::string map_note(const Check& c, const Series& s) {
  if (c.metric.rfind("bpf.map", 0) != 0) return "";
  const MapRecord* m = s.fullest_map();
  if (!m) return "";
  std::string what = "map " + (m->name.empty() ? "id " + std::to_string(m->id) : m->name) + " (" + m->type + ")";
  if (m->full_at >= 0)
    return what + " full at " + format_number(m->peak_entries) + " of " + format_number(m->max_entries) + " since " +
           format_duration(m->full_at);
  bool fill_metric = c.metric == "bpf.map_fill" || c.metric == "bpf.maps_full";
  if (!fill_metric && m->peak_entries < 0.5 * m->max_entries) return "";
  return "fullest " + what + " at " + format_number(m->peak_entries) + " of " + format_number(m->max_entries) + " (" +
         format_fixed(100 * m->peak_entries / m->max_entries, 0) + "%)";
}

std::string with_note(const std::string& sentence, const std::string& note) {
  return note.empty() ? sentence : sentence + "; " + note;
}

Verdict error_verdict(Verdict v, const std::string& why) {
  v.outcome = Outcome::Error;
  v.sentence = v.check.metric + ": " + why;
  return v;
}

}  // namespace lg
