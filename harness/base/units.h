// SPDX-License-Identifier: MIT
#pragma once
// Parsing and printing of the units scenarios use: durations, rates, sizes, counts.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lg {

// "250ms", "2s", "1m", "1h", "1.5s", "500us" -> seconds. Bare numbers are rejected.
std::optional<double> parse_duration(std::string_view s);
// "1000/s", "60/min", "2/h" -> events per second.
std::optional<double> parse_rate(std::string_view s);
// "4KiB", "1MiB", "1GiB", "512B", "4096" -> bytes (also KB/MB/GB as powers of 1000).
std::optional<uint64_t> parse_size(std::string_view s);
// A plain non-negative integer with optional '_' or ',' separators: "10000", "10_000".
std::optional<int64_t> parse_count(std::string_view s);

std::string format_duration(double seconds);       // "250ms", "2s", "1m30s"
std::string format_number(double v);               // "4,893", "0.98", "1.2e-05"
std::string format_fixed(double v, int decimals);  // C locale, '.' separator
// A byte count for a reader: "512 B", "11.0 KiB", "64.3 MiB", "2.00 GiB" (three significant digits).
std::string format_bytes(double v);
// A byte count as a scenario writes it, exactly: "1MiB", "64KiB", "1536" (parse_size reads it back).
std::string format_size(double v);
// A value in a metric's unit: format_bytes for "bytes", format_number otherwise.
std::string format_in_unit(double v, const std::string& unit);
std::string utc_timestamp();  // now, ISO 8601 UTC without zone suffix: "2026-11-22T03:15:55"

}  // namespace lg
