// SPDX-License-Identifier: MIT
#include "harness/scenario/yaml_reader.h"

#include <cmath>
#include <csignal>
#include <cstring>
#include <unordered_map>

#include "harness/base/fs.h"
#include "harness/base/metrics.h"
#include "harness/base/signals.h"
#include "harness/base/strings.h"
#include "harness/base/units.h"
#include "harness/scenario/env_expand.h"

namespace lg {

namespace {

// Upper bounds that keep every later computation finite and meaningful.
constexpr double kMaxSeconds = 30 * 86400.0;  // durations: 30 days
constexpr double kMaxRate = 1e9;              // events per second

}  // namespace

std::string quoted(const std::string& s) {
  if (s.size() > 60) return "'" + s.substr(0, 57) + "...'";
  return "'" + s + "'";
}

std::string describe_node(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a map";
  return quoted(n.Scalar());
}

Location YamlReader::loc(const YAML::Node& n) const {
  Location l;
  if (!n.IsDefined()) return l;
  YAML::Mark m = n.Mark();
  if (m.is_null() || m.line < 0) return l;
  for (const auto& o : overrides)
    if (o.owns(n)) return l;
  l.line = m.line + 1;
  l.col = m.column + 1;
  return l;
}

void YamlReader::report(Diagnostic::Severity sev, const YAML::Node& n, const std::string& msg) {
  Diagnostic d;
  d.severity = sev;
  d.file = file_;
  d.message = msg;
  bool from_flag = false;
  if (n.IsDefined()) {
    for (const auto& o : overrides) {
      if (o.owns(n)) {
        d.message = o.flag + ": " + msg;  // not in the file: name the flag instead of a line
        from_flag = true;
        break;
      }
    }
  }
  if (!from_flag) {
    Location l = loc(n);
    d.line = l.line;
    d.col = l.col;
  }
  if (sev == Diagnostic::Error) errors_++;
  diags_.push_back(std::move(d));
}

void YamlReader::error_at(int line, int col, const std::string& msg) {
  Diagnostic d;
  d.file = file_;
  d.line = line;
  d.col = col;
  d.message = msg;
  errors_++;
  diags_.push_back(std::move(d));
}

bool YamlReader::need_map(const YAML::Node& n, const std::string& what) {
  if (n.IsMap()) return true;
  error(n, what + ": expected a map (key: value lines), got " + describe_node(n));
  return false;
}

void YamlReader::each_key(const YAML::Node& m, const std::string& where, const std::vector<std::string>& known,
                          const std::function<void(const std::string&, const YAML::Node&, const YAML::Node&)>& f) {
  // Linear in the number of keys: a hostile file may hold tens of thousands.
  std::unordered_map<std::string, YAML::Node> seen;
  for (auto it = m.begin(); it != m.end(); ++it) {
    YAML::Node k = it->first;  // a copy: `it->` yields a temporary proxy
    if (!k.IsScalar()) {
      error(k, "a key in " + where + " must be a word, got " + describe_node(k));
      continue;
    }
    const std::string& key = k.Scalar();
    auto [at, fresh] = seen.emplace(key, k);
    if (!fresh) {
      Location first = loc(at->second);
      error(k, "duplicate key '" + key + "' in " + where +
                   (first.line ? " (first at line " + std::to_string(first.line) + ")" : ""));
      continue;
    }
    bool ok = false;
    for (const auto& kn : known) ok |= kn == key;
    if (!ok) {
      std::string m2 = closest_match(key, known);
      error(k, "unknown key '" + key + "' in " + where + (m2.empty() ? "" : "; did you mean '" + m2 + "'?"));
      continue;
    }
    YAML::Node v = it->second;
    f(key, k, v);
  }
}

std::optional<std::string> YamlReader::text(const YAML::Node& n, const std::string& what, const char* expected) {
  if (!n.IsScalar()) {
    error(n, what + ": expected " + expected + ", got " + describe_node(n));
    return std::nullopt;
  }
  const std::string& raw = n.Scalar();
  if (raw.find("${") == std::string::npos) return raw;
  std::string out, err;
  if (!expand_env(raw, out, err)) {
    error(n, what + ": " + err);
    return std::nullopt;
  }
  return out;
}

std::optional<std::string> YamlReader::str(const YAML::Node& n, const std::string& what) {
  return text(n, what, "a string");
}

std::optional<int64_t> YamlReader::count(const YAML::Node& n, const std::string& what, int64_t min) {
  auto t = text(n, what, "an integer");
  if (!t) return std::nullopt;
  std::string s = trim(*t);
  auto v = parse_count(s);
  if (!v) {
    if (all_digits(s) || (s.size() > 1 && s[0] == '-' && all_digits(s.substr(1))))
      error(n, what + ": " + s + " is too large");
    else
      error(n, what + ": expected an integer, got " + quoted(*t));
    return std::nullopt;
  }
  if (*v < min) {
    error(n, what + " must be at least " + std::to_string(min) + ", got " + std::to_string(*v));
    return std::nullopt;
  }
  return v;
}

std::optional<double> YamlReader::in_range(const YAML::Node& n, const std::string& what, const std::string& t,
                                           std::optional<double> v, bool allow_zero, double max, const char* too_big) {
  if (!v) return std::nullopt;
  if (*v < 0 || (!allow_zero && *v == 0)) {
    error(n, what + " must be " + (allow_zero ? "zero or more" : "positive") + ", got " + quoted(t));
    return std::nullopt;
  }
  if (*v > max) {
    error(n, what + ": " + quoted(t) + " " + too_big);
    return std::nullopt;
  }
  return v;
}

std::optional<double> YamlReader::duration(const YAML::Node& n, const std::string& what, bool allow_zero) {
  std::string t;
  auto v = parsed(n, what, "duration", "write a number and a unit: 250ms, 2s, 1m, 1h", parse_duration, t);
  return in_range(n, what, t, v, allow_zero, kMaxSeconds, "is too long (at most 30 days)");
}

std::optional<double> YamlReader::rate(const YAML::Node& n, const std::string& what) {
  std::string t;
  auto v = parsed(n, what, "rate", "write events per time: 1000/s, 60/min", parse_rate, t);
  return in_range(n, what, t, v, false, kMaxRate, "is too high (at most 1000000000/s)");
}

std::optional<double> YamlReader::size(const YAML::Node& n, const std::string& what) {
  std::string t;
  auto v = parsed(n, what, "size", "write bytes or a unit: 4096, 4KiB, 1MiB, 1GiB", parse_size, t);
  if (!v) return std::nullopt;
  return (double)*v;
}

std::optional<bool> YamlReader::boolean(const YAML::Node& n, const std::string& what) {
  auto t = text(n, what, "true or false");
  if (!t) return std::nullopt;
  std::string s = *t;
  for (auto& c : s) c = (char)tolower((unsigned char)c);
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  error(n, what + ": expected true or false, got " + quoted(*t));
  return std::nullopt;
}

std::optional<double> YamlReader::number(const YAML::Node& n, const std::string& what) {
  auto t = text(n, what, "a number");
  if (!t) return std::nullopt;
  std::string s = trim(*t);
  char* end = nullptr;
  double v = strtod(s.c_str(), &end);
  bool plain = !s.empty() && end && *end == 0 && std::isfinite(v) &&
               s.find_first_of("xXnN") == std::string::npos;  // no hex, inf or nan
  if (!plain) {
    auto sz = parse_size(s);  // "1MiB" for byte metrics
    if (!sz) {
      error(n, what + ": expected a number, got " + quoted(*t));
      return std::nullopt;
    }
    v = (double)*sz;
  }
  if (v < 0) {
    error(n, what + " must be zero or more, got " + quoted(*t));
    return std::nullopt;
  }
  return v;
}

std::optional<std::string> YamlReader::choice(const YAML::Node& n, const std::string& what,
                                              const std::vector<std::string>& choices) {
  auto t = text(n, what, "a word");
  if (!t) return std::nullopt;
  for (const auto& c : choices)
    if (c == *t) return t;
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
  std::string m = closest_match(*t, choices);
  error(n, what + ": " + quoted(*t) + " is not one of " + list + (m.empty() ? "" : "; did you mean '" + m + "'?"));
  return std::nullopt;
}

std::optional<std::vector<std::string>> YamlReader::argv(const YAML::Node& n, const std::string& what) {
  std::vector<std::string> out;
  if (n.IsSequence()) {
    bool ok = true;
    for (const auto& e : n) {
      auto s = text(e, what + " element", "a string");
      if (!s)
        ok = false;
      else
        out.push_back(*s);
    }
    if (!ok) return std::nullopt;
  } else {
    auto s = text(n, what, "a list of words");
    if (!s) return std::nullopt;
    for (const auto& w : split(*s, ' '))
      if (!w.empty()) out.push_back(w);
  }
  if (out.empty() || out[0].empty()) {
    error(n, what + " is empty");
    return std::nullopt;
  }
  return out;
}

std::optional<int> YamlReader::signal(const YAML::Node& n, const std::string& what) {
  auto t = text(n, what, "a signal");
  if (!t) return std::nullopt;
  int sig = signal_number(trim(*t));
  if (!sig) {
    error(n, what + ": unknown signal " + quoted(*t) + "; write a name (HUP, TERM, USR1) or a number");
    return std::nullopt;
  }
  return sig;
}

std::optional<ParamValue> YamlReader::field(const FieldSpec& spec, const YAML::Node& n, const std::string& what) {
  switch (spec.type) {
    case FieldType::Count:
      if (auto v = count(n, what, spec.min)) return ParamValue(*v);
      break;
    case FieldType::Duration:
      if (auto v = duration(n, what, true)) return ParamValue(*v);
      break;
    case FieldType::Rate:
      if (auto v = rate(n, what)) return ParamValue(*v);
      break;
    case FieldType::Size:
      if (auto v = size(n, what)) return ParamValue(*v);
      break;
    case FieldType::Bool:
      if (auto v = boolean(n, what)) return ParamValue(*v);
      break;
    case FieldType::String:
      if (auto v = str(n, what)) return ParamValue(*v);
      break;
    case FieldType::Enum:
      if (auto v = choice(n, what, spec.choices)) return ParamValue(*v);
      break;
    case FieldType::Argv:
      if (auto v = argv(n, what)) return ParamValue(*v);
      break;
    case FieldType::Signal:
      if (auto v = signal(n, what)) return ParamValue((int64_t)*v);
      break;
  }
  return std::nullopt;
}

}  // namespace lg
