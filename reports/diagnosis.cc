// SPDX-License-Identifier: MIT
// A Diagnosis ("where they come from") as text for the console and the JUnit <failure> body,
// LeakSanitizer style, and as an HTML section with expandable stacks. Every report renders a
// diagnosis through these two functions, so the three formats say the same thing.
#include <algorithm>

#include "harness/base/units.h"
#include "reports/report.h"
#include "reports/text.h"

namespace lg {

namespace {

std::string count(uint64_t n) { return format_number((double)n); }

// "1,953 of 1,987 fds alive at the end were created at visit_netns (nstuner.cc:145)".
std::string site_line(const Diagnosis& d, const Site& s) {
  std::string out = count(s.count);
  if (d.total > 0) out += " of " + count(d.total);
  if (!d.noun.empty()) out += " " + d.noun;
  if (!d.scope.empty()) out += " " + d.scope;
  return out + " " + s.headline;
}

// The frames a reader needs first: from the innermost frame of the target's own code
// outwards (libc's wrapper below it says nothing about where to fix); all frames when no
// frame is marked as the target's.
size_t first_shown(const Site& s) {
  for (size_t i = 0; i < s.frames.size(); i++)
    if (s.frames[i].target_code) return i;
  return 0;
}

std::string module_name(const Frame& f) { return f.module.substr(f.module.rfind('/') + 1); }

}  // namespace

std::string diagnosis_text(const Diagnosis& d, const DiagnosisStyle& style) {
  std::string out;
  const std::string& in = style.indent;
  std::string title = d.title.empty() ? "Where they come from" : d.title;
  out += in + title + ":\n";
  size_t shown = std::min(d.sites.size(), style.max_sites);
  for (size_t i = 0; i < shown; i++) {
    const Site& s = d.sites[i];
    out += in + "  " + clean_line(site_line(d, s)) + "\n";
    if (!s.example.empty()) out += in + "      " + clean_line(s.example) + "\n";
    size_t from = first_shown(s), n = 0;
    for (size_t k = from; k < s.frames.size() && n < style.max_frames; k++, n++) {
      const Frame& f = s.frames[k];
      out += in + "      #" + std::to_string(k) + " " + clean_line(frame_text(f));
      if (style.modules && !f.module.empty()) out += " in " + clean_line(module_name(f));
      out += "\n";
    }
    if (s.frames.size() - std::min(s.frames.size(), from) > n)
      out += in + "      ... " + std::to_string(s.frames.size() - from - n) + " more frames\n";
    for (const auto& line : s.details) out += in + "      " + clean_line(line) + "\n";
  }
  if (d.sites.size() > shown) {
    uint64_t rest = 0;
    for (size_t i = shown; i < d.sites.size(); i++) rest += d.sites[i].count;
    out += in + "  " + count(rest) + " more from " + std::to_string(d.sites.size() - shown) +
           " other sites (report.html and the run's files list them all)\n";
  }
  if (d.sites.empty() && d.unexplained.empty()) out += in + "  nothing to show\n";
  for (const auto& [why, n] : d.unexplained)
    if (n > 0)
      out += in + "  " + count(n) + (d.noun.empty() ? "" : " " + d.noun) + " not attributed: " + clean_line(why) + "\n";
  for (const auto& note : d.notes) out += in + "  note: " + clean_line(note) + "\n";
  return out;
}

std::string diagnosis_html(const Diagnosis& d) {
  auto esc = [](const std::string& s) { return html_escape(clean_text(s)); };
  std::string o = "<div class=\"diagnosis\">\n<h4>" + esc(d.title.empty() ? "Where they come from" : d.title) +
                  "</h4>\n<ol class=\"sites\">\n";
  for (const Site& s : d.sites) {
    o += "<li><details><summary>" + esc(site_line(d, s)) + "</summary>\n";
    if (!s.example.empty()) o += "<p class=\"muted\">" + esc(s.example) + "</p>\n";
    if (!s.frames.empty()) {
      o += "<table class=\"frames\">\n<tr><th>#</th><th>Function</th><th>Source</th><th>Module</th></tr>\n";
      for (size_t k = 0; k < s.frames.size(); k++) {
        const Frame& f = s.frames[k];
        std::string src = f.file.empty() ? "" : f.file + (f.line > 0 ? ":" + std::to_string(f.line) : "");
        char off[40];
        snprintf(off, sizeof off, "+0x%llx", (unsigned long long)f.offset);
        std::string mod = f.module + (f.build_id.empty() ? "" : " (build-id " + f.build_id + ")");
        o += std::string("<tr") + (f.target_code ? " class=\"own\"" : "") + "><td class=\"num\">" + std::to_string(k) +
             "</td><td>" + esc(f.function.empty() ? off : f.function) + "</td><td>" + esc(src) + "</td><td>" +
             esc(mod) + "</td></tr>\n";
      }
      o += "</table>\n";
    }
    for (const auto& line : s.details) o += "<p class=\"muted\">" + esc(line) + "</p>\n";
    o += "</details></li>\n";
  }
  o += "</ol>\n";
  for (const auto& [why, n] : d.unexplained)
    if (n > 0)
      o += "<p class=\"muted\">" + esc(count(n) + (d.noun.empty() ? "" : " " + d.noun) + " not attributed: " + why) +
           "</p>\n";
  for (const auto& note : d.notes) o += "<p class=\"muted\">note: " + esc(note) + "</p>\n";
  return o + "</div>\n";
}

}  // namespace lg
