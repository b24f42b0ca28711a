// SPDX-License-Identifier: MIT
#pragma once
// String helpers used across the harness: trimming, splitting, joining, and the "did you mean"
// of every message that names a choice.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lg {

std::string trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
bool starts_with(std::string_view s, std::string_view prefix);
// The line of `text` that starts at `pos` (without its '\n'), moving `pos` past it; false when
// `pos` is at the end: for (size_t pos = 0; next_line(text, pos, line);) ...
bool next_line(std::string_view text, size_t& pos, std::string_view& line);
// Digits with optional '_' or ',' separators ("10_000"); false for "".
bool all_digits(std::string_view s);
// "a, b, c" ("" for none).
std::string join_words(const std::vector<std::string>& v, const std::string& sep = ", ");

// Levenshtein distance.
size_t edit_distance(std::string_view a, std::string_view b);
// Closest of `choices` to `word` within a distance that makes sense for its length, or "".
std::string closest_match(std::string_view word, const std::vector<std::string>& choices);

}  // namespace lg
