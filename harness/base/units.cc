// SPDX-License-Identifier: MIT
#include "harness/base/units.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace lg {
namespace {

// Splits "12.5ms" into 12.5 and "ms". Fails on no number or trailing junk in the number.
bool split_number(std::string_view s, double& value, std::string_view& suffix) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  size_t i = 0;
  while (i < s.size() &&
         (isdigit((unsigned char)s[i]) || s[i] == '.' || s[i] == '_' || (i == 0 && (s[i] == '-' || s[i] == '+'))))
    i++;
  std::string num;
  for (char c : s.substr(0, i))
    if (c != '_') num += c;
  if (num.empty() || num == "-" || num == "+" || num == ".") return false;
  const char* b = num.data();
  if (*b == '+') b++;
  auto [p, ec] = std::from_chars(b, num.data() + num.size(), value);
  if (ec != std::errc() || p != num.data() + num.size() || !std::isfinite(value)) return false;
  suffix = s.substr(i);
  while (!suffix.empty() && suffix.front() == ' ') suffix.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<double> parse_duration(std::string_view s) {
  double v;
  std::string_view u;
  if (!split_number(s, v, u)) return std::nullopt;
  double mult;
  if (u == "ns")
    mult = 1e-9;
  else if (u == "us")
    mult = 1e-6;
  else if (u == "ms")
    mult = 1e-3;
  else if (u == "s")
    mult = 1;
  else if (u == "m" || u == "min")
    mult = 60;
  else if (u == "h")
    mult = 3600;
  else
    return std::nullopt;
  return v * mult;
}

std::optional<double> parse_rate(std::string_view s) {
  size_t slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  double v;
  std::string_view rest;
  if (!split_number(s.substr(0, slash), v, rest) || !rest.empty()) return std::nullopt;
  std::string_view per = s.substr(slash + 1);
  while (!per.empty() && per.front() == ' ') per.remove_prefix(1);
  while (!per.empty() && per.back() == ' ') per.remove_suffix(1);
  if (per == "s" || per == "sec") return v;
  if (per == "min" || per == "m") return v / 60;
  if (per == "h") return v / 3600;
  return std::nullopt;
}

std::optional<uint64_t> parse_size(std::string_view s) {
  double v;
  std::string_view u;
  if (!split_number(s, v, u) || v < 0) return std::nullopt;
  double mult;
  if (u.empty() || u == "B")
    mult = 1;
  else if (u == "KiB")
    mult = 1024.0;
  else if (u == "MiB")
    mult = 1024.0 * 1024;
  else if (u == "GiB")
    mult = 1024.0 * 1024 * 1024;
  else if (u == "TiB")
    mult = 1024.0 * 1024 * 1024 * 1024;
  else if (u == "KB" || u == "kB")
    mult = 1e3;
  else if (u == "MB")
    mult = 1e6;
  else if (u == "GB")
    mult = 1e9;
  else
    return std::nullopt;
  double bytes = v * mult;
  if (bytes > 1.8e19) return std::nullopt;
  return (uint64_t)std::llround(bytes);
}

std::optional<int64_t> parse_count(std::string_view s) {
  std::string digits;
  for (char c : s) {
    if (c == '_' || c == ',') continue;
    if (c == '-' && digits.empty()) {
      digits += c;
      continue;
    }
    if (!isdigit((unsigned char)c)) return std::nullopt;
    digits += c;
  }
  if (digits.empty() || digits == "-") return std::nullopt;
  int64_t v;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || p != digits.data() + digits.size()) return std::nullopt;
  return v;
}

std::string format_duration(double s) {
  char buf[64];
  if (s < 1e-3)
    snprintf(buf, sizeof buf, "%.0fus", s * 1e6);
  else if (s < 1)
    snprintf(buf, sizeof buf, "%.0fms", s * 1e3);
  else if (s < 60)
    snprintf(buf, sizeof buf, s == std::floor(s) ? "%.0fs" : "%.1fs", s);
  else if (s < 3600)
    snprintf(buf, sizeof buf, "%dm%02ds", (int)(s / 60), (int)std::fmod(s, 60));
  else
    snprintf(buf, sizeof buf, "%dh%02dm", (int)(s / 3600), (int)std::fmod(s / 60, 60));
  return buf;
}

std::string utc_timestamp() {
  time_t now = time(nullptr);
  tm t{};
  gmtime_r(&now, &t);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &t);
  return buf;
}

std::string format_fixed(double v, int decimals) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.*f", decimals, v);  // the harness never calls setlocale: C locale
  return buf;
}

std::string format_bytes(double v) {
  if (!std::isfinite(v)) return format_number(v);
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double a = std::fabs(v);
  int u = 0;
  while (a >= 1024 && u < 5) a /= 1024, u++;
  char buf[48];
  if (u == 0)
    snprintf(buf, sizeof buf, "%.0f B", std::round(a));
  else
    snprintf(buf, sizeof buf, a >= 100 ? "%.0f %s" : a >= 10 ? "%.1f %s" : "%.2f %s", a, kUnits[u]);
  return (v < 0 ? "-" : "") + std::string(buf);
}

std::string format_size(double v) {
  if (!std::isfinite(v) || v < 0 || v != std::floor(v)) return format_number(v);
  static const char* kUnits[] = {"", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (v >= 1024 && std::fmod(v, 1024) == 0 && u < 4) v /= 1024, u++;
  char buf[48];
  snprintf(buf, sizeof buf, "%.0f%s", v, kUnits[u]);
  return buf;
}

std::string format_in_unit(double v, const std::string& unit) {
  return unit == "bytes" ? format_bytes(v) : format_number(v);
}

std::string format_number(double v) {
  if (std::isnan(v)) return "n/a";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  double a = std::fabs(v);
  if (a != 0 && (a < 1e-3 || a >= 1e15)) {
    char buf[32];
    snprintf(buf, sizeof buf, "%.2g", v);
    return buf;
  }
  if (a >= 1000) v = std::round(v);  // large: the fraction is noise to a reader
  if (v == std::floor(v)) {          // integer: thousands separators
    long long n = (long long)std::fabs(v);
    std::string digits = std::to_string(n), out;
    for (size_t i = 0; i < digits.size(); i++) {
      if (i && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return (v < 0 ? "-" : "") + out;
  }
  char buf[32];
  snprintf(buf, sizeof buf, a >= 100 ? "%.1f" : (a >= 1 ? "%.2f" : "%.3g"), v);
  return buf;
}

}  // namespace lg
