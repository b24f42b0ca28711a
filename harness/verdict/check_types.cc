// SPDX-License-Identifier: MIT
// The one table of check types. Add a type: write harness/verdict/<key>.cc defining
// `const CheckTypeInfo <key>_check`, declare it here and list it in check_types() in the
// order of enum CheckType.
#include "harness/verdict/check_type.h"

namespace lg {

extern const CheckTypeInfo max_slope_check;
extern const CheckTypeInfo max_growth_check;
extern const CheckTypeInfo max_check;
extern const CheckTypeInfo max_residue_check;

const std::vector<const CheckTypeInfo*>& check_types() {
  static const std::vector<const CheckTypeInfo*> types = {&max_slope_check, &max_growth_check, &max_check,
                                                          &max_residue_check};
  return types;
}

const CheckTypeInfo& check_type(CheckType t) { return *check_types()[static_cast<size_t>(t)]; }

const CheckTypeInfo* find_check_type(std::string_view key) {
  for (const auto* t : check_types())
    if (key == t->key) return t;
  return nullptr;
}

std::vector<std::string> check_type_keys() {
  std::vector<std::string> keys;
  for (const auto* t : check_types()) keys.push_back(t->key);
  return keys;
}

std::string describe_check(const Check& c) {
  const CheckTypeInfo& t = check_type(c.type);
  return c.metric + " " + t.key + " <= " + t.limit_words(c);
}

std::string check_words(const Check& c) { return c.text.empty() ? describe_check(c) : c.text; }

}  // namespace lg
