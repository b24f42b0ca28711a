// SPDX-License-Identifier: MIT
#pragma once
// The frame every leakguard HTML page shares (report.html of a run, compare.html): one
// self-contained page, inline style, no script, nothing fetched.
#include <string>

namespace lg {

// From <!DOCTYPE html> to the opening <body>, with the shared style and this title.
std::string html_page_head(const std::string& title);
// A coloured word: PASS, FAIL, ERROR, SKIP for checks; worse, better, same, n/a for comparisons.
std::string html_badge(const std::string& word);
// Text from a run, a target or the command line, made safe (clean_text) and escaped.
std::string html_text(const std::string& s);

}  // namespace lg
