// SPDX-License-Identifier: MIT
#include "harness/base/params.h"

#include "harness/base/fs.h"
#include "harness/base/signals.h"
#include "harness/base/strings.h"
#include "harness/base/units.h"

namespace lg {

int64_t Params::count(const std::string& k, int64_t def) const {
  if (auto* i = get<int64_t>(k)) return *i;
  if (auto* d = get<double>(k)) return (int64_t)*d;
  return def;
}

double Params::number(const std::string& k, double def) const {
  if (auto* d = get<double>(k)) return *d;
  if (auto* i = get<int64_t>(k)) return (double)*i;
  return def;
}

bool Params::flag(const std::string& k, bool def) const {
  auto* b = get<bool>(k);
  return b ? *b : def;
}

std::string Params::str(const std::string& k, const std::string& def) const {
  auto* s = get<std::string>(k);
  return s ? *s : def;
}

std::vector<std::string> Params::list(const std::string& k) const {
  if (auto* v = get<std::vector<std::string>>(k)) return *v;
  if (auto* s = get<std::string>(k)) return {*s};
  return {};
}

std::optional<ParamValue> parse_param(const FieldSpec& f, std::string_view text) {
  switch (f.type) {
    case FieldType::Count:
      if (auto v = parse_count(text); v && *v >= f.min) return ParamValue(*v);
      break;
    case FieldType::Duration:
      if (auto v = parse_duration(text)) return ParamValue(*v);
      break;
    case FieldType::Rate:
      if (auto v = parse_rate(text)) return ParamValue(*v);
      break;
    case FieldType::Size:
      if (auto v = parse_size(text)) return ParamValue((double)*v);
      break;
    case FieldType::Bool:
      if (text == "true" || text == "false") return ParamValue(text == "true");
      break;
    case FieldType::String: return ParamValue(std::string(text));
    case FieldType::Enum:
      for (const auto& c : f.choices)
        if (c == text) return ParamValue(c);
      break;
    case FieldType::Argv: {
      std::vector<std::string> words;
      for (const auto& w : split(text, ' '))
        if (!w.empty()) words.push_back(w);
      if (!words.empty()) return ParamValue(words);
      break;
    }
    case FieldType::Signal:
      if (int sig = signal_number(std::string(text))) return ParamValue((int64_t)sig);
      break;
  }
  return std::nullopt;
}

void fill_defaults(const std::vector<FieldSpec>& fields, Params& p, const std::set<std::string>& skip) {
  for (const auto& f : fields) {
    if (!f.def || !*f.def || p.has(f.name) || skip.count(f.name)) continue;
    if (auto v = parse_param(f, f.def)) p.values[f.name] = *v;
  }
}

}  // namespace lg
