// SPDX-License-Identifier: MIT
// The frame of every leakguard HTML page: head, the one style sheet, badges, safe text.
#include <cctype>

#include "harness/base/check.h"
#include "harness/verdict/compare.h"
#include "reports/html_page.h"
#include "reports/text.h"

namespace lg {

namespace {

const char* kStyle = R"(
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:24px auto;max-width:940px;color:#222;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e5e5e5;vertical-align:top}
th{background:#f4f4f4}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;min-width:44px;text-align:center;padding:2px 6px;border-radius:3px;
  font-weight:bold;font-size:12px;color:#fff}
h1 .badge{font-size:16px;vertical-align:middle}
tr.FAIL td,tr.ERROR td,tr.worse td{background:#fdf0f0}
.banner{padding:10px 12px;border-radius:4px;margin:12px 0;background:#fff4e5;border:1px solid #f0b86e}
.muted{color:#666;font-size:13px}
pre{background:#f7f7f7;border:1px solid #e3e3e3;padding:8px;font-size:12px;overflow-x:auto;white-space:pre-wrap;
  word-break:break-all;max-height:480px;overflow-y:auto}
.chart{margin:8px 0 4px}.chart svg{max-width:100%;height:auto;border:1px solid #e5e5e5}
.numbers{font-size:12px;color:#333}
.diagnosis h4{font-size:14px;margin:12px 0 4px}.diagnosis ol{padding-left:22px;font-size:13px}
.diagnosis summary{cursor:pointer}.frames{margin:4px 0 8px}.frames tr.own td{font-weight:bold}
a{color:#1f5fa8}
)";

// The badge's class: the word's letters ("n/a" -> "na").
std::string badge_class(const std::string& word) {
  std::string c;
  for (char ch : word)
    if (isalnum((unsigned char)ch)) c += ch;
  return c;
}

}  // namespace

std::string html_page_head(const std::string& title) {
  // A badge colour per check outcome (harness/base/check.h) and per comparison answer
  // (harness/verdict/compare.h).
  std::string css = kStyle;
  for (const auto& o : outcomes()) css += ".badge." + badge_class(o.word) + "{background:" + o.color + "}";
  for (const auto& c : changes()) css += ".badge." + badge_class(c.word) + "{background:" + c.color + "}";
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         html_text(title) + "</title>\n<style>" + css + "\n</style>\n</head>\n<body>\n";
}

std::string html_badge(const std::string& word) {
  return "<span class=\"badge " + badge_class(word) + "\">" + html_text(word) + "</span>";
}

std::string html_text(const std::string& s) { return html_escape(clean_text(s)); }

}  // namespace lg
