// SPDX-License-Identifier: MIT
#include "harness/base/params.h"

namespace lg {

int64_t Params::count(const std::string& k, int64_t def) const {
  auto it = values.find(k);
  if (it == values.end()) return def;
  if (auto* i = std::get_if<int64_t>(&it->second)) return *i;
  if (auto* d = std::get_if<double>(&it->second)) return (int64_t)*d;
  return def;
}

double Params::number(const std::string& k, double def) const {
  auto it = values.find(k);
  if (it == values.end()) return def;
  if (auto* d = std::get_if<double>(&it->second)) return *d;
  if (auto* i = std::get_if<int64_t>(&it->second)) return (double)*i;
  return def;
}

bool Params::flag(const std::string& k, bool def) const {
  auto it = values.find(k);
  if (it == values.end()) return def;
  if (auto* b = std::get_if<bool>(&it->second)) return *b;
  return def;
}

std::string Params::str(const std::string& k, const std::string& def) const {
  auto it = values.find(k);
  if (it == values.end()) return def;
  if (auto* s = std::get_if<std::string>(&it->second)) return *s;
  return def;
}

std::vector<std::string> Params::list(const std::string& k) const {
  auto it = values.find(k);
  if (it == values.end()) return {};
  if (auto* v = std::get_if<std::vector<std::string>>(&it->second)) return *v;
  if (auto* s = std::get_if<std::string>(&it->second)) return {*s};
  return {};
}

}  // namespace lg
