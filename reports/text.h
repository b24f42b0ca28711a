// SPDX-License-Identifier: MIT
#pragma once
// Text helpers shared by the report writers: making target output safe for XML/HTML/JSON,
// and formatting numbers the same way in every format.
#include <string>
#include <string_view>
#include <vector>

namespace lg {

// Everything copied from a target goes through this: ANSI/VT escape sequences removed,
// control characters other than tab/newline dropped (XML 1.0 forbids them, NUL included),
// CR LF folded to LF, invalid UTF-8 replaced by U+FFFD. The result is valid UTF-8 and valid
// XML 1.0 character data.
std::string clean_text(std::string_view s);
// clean_text on one line: newlines and tabs become spaces, runs of spaces kept.
std::string clean_line(std::string_view s);
// The last `max_bytes` of s, cut at a line start (or a UTF-8 boundary) when possible.
// `cut` tells whether anything was dropped.
std::string tail_bytes(std::string_view s, size_t max_bytes, bool& cut);

// JUnit time: seconds with '.', 3 decimals, never negative or NaN.
std::string junit_seconds(double s);
// &, <, >, " and ' escaped for HTML/SVG text and attributes.
std::string html_escape(std::string_view s);
// argv joined for a human to copy into a shell: words with special characters in '...'.
std::string shell_join(const std::vector<std::string>& argv);
// A metric name made safe as a file name: [A-Za-z0-9._-] kept, anything else '_'.
std::string file_safe(std::string_view s);

}  // namespace lg
