// SPDX-License-Identifier: MIT
#pragma once
// Typed fields of a scenario block whose keys are declared by a table (workload kinds).
// The scenario loader checks values against a FieldSpec list; code reads them back typed.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace lg {

enum class FieldType {
  Count,     // integer >= 1 (or >= 0 when min is 0)
  Duration,  // "50ms" -> seconds
  Rate,      // "1000/s" -> per second
  Size,      // "4KiB" -> bytes
  Bool,
  String,
  Enum,    // one of `choices`
  Argv,    // list of strings (or one string, split on spaces)
  Signal,  // "HUP", "SIGHUP", 1
};

struct FieldSpec {
  const char* name;
  FieldType type;
  const char*
      def;  // default as it would be written in YAML (the only place it is written); nullptr: required; "": absent
  std::string doc;                        // one line for docs/workloads.md and `leakguard list workloads`
  std::vector<std::string> choices = {};  // Enum
  int64_t min = 1;                        // Count: smallest allowed
};

using ParamValue = std::variant<int64_t, double, bool, std::string, std::vector<std::string>>;

struct Params {
  std::map<std::string, ParamValue> values;  // every declared field with a value or default

  bool has(const std::string& k) const { return values.count(k) != 0; }
  int64_t count(const std::string& k, int64_t def = 0) const;
  double number(const std::string& k, double def = 0) const;  // Duration, Rate, Size, Count
  bool flag(const std::string& k, bool def = false) const;
  std::string str(const std::string& k, const std::string& def = "") const;  // String, Enum
  std::vector<std::string> list(const std::string& k) const;                 // Argv

 private:
  template <class T>
  const T* get(const std::string& k) const {
    auto it = values.find(k);
    return it == values.end() ? nullptr : std::get_if<T>(&it->second);
  }
};

// The value of a field written as `text`, as a default is written in a FieldSpec; nullopt when
// it does not parse. (Scenario values go through the loader, which says what is wrong.)
std::optional<ParamValue> parse_param(const FieldSpec& f, std::string_view text);
// Gives every field of `fields` that has a default and is neither in p nor in `skip` its
// default value.
void fill_defaults(const std::vector<FieldSpec>& fields, Params& p, const std::set<std::string>& skip = {});

}  // namespace lg
