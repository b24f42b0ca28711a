// SPDX-License-Identifier: MIT
#pragma once
// Typed reading of YAML nodes with diagnostics: every problem is reported with the location of
// the node it is about (or the `--set` flag that put it there), and reading goes on.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "harness/base/params.h"
#include "harness/scenario/overrides.h"
#include "harness/scenario/scenario.h"

namespace lg {

// 'text', shortened to 60 characters, for messages.
std::string quoted(const std::string& s);

class YamlReader {
 public:
  YamlReader(std::string file, std::vector<Diagnostic>& diags) : file_(std::move(file)), diags_(diags) {}

  std::vector<OverrideSource> overrides;  // nodes put into the tree by --set / --target
  bool failed() const { return errors_ > 0; }
  int errors() const { return errors_; }
  const std::string& file() const { return file_; }

  void error(const YAML::Node& n, const std::string& msg) { report(Diagnostic::Error, n, msg); }
  void warn(const YAML::Node& n, const std::string& msg) { report(Diagnostic::Warning, n, msg); }
  void error_at(int line, int col, const std::string& msg);  // 1-based; 0: no location
  Location loc(const YAML::Node& n) const;

  // Calls f(key, key_node, value) for every entry of map `m`. Reports non-text keys,
  // duplicate keys and keys not in `known` (with a suggestion). `where` names the block
  // in messages: "unknown key 'x' in <where>".
  void each_key(const YAML::Node& m, const std::string& where, const std::vector<std::string>& known,
                const std::function<void(const std::string&, const YAML::Node&, const YAML::Node&)>& f);
  // Reports and returns false unless `n` is a map (`what` names it).
  bool need_map(const YAML::Node& n, const std::string& what);

  // Scalars, env-expanded. Each reports a problem about `what` and returns nullopt.
  std::optional<std::string> str(const YAML::Node& n, const std::string& what);
  std::optional<int64_t> count(const YAML::Node& n, const std::string& what, int64_t min = 1);
  std::optional<double> duration(const YAML::Node& n, const std::string& what, bool allow_zero);
  std::optional<double> rate(const YAML::Node& n, const std::string& what);
  std::optional<double> size(const YAML::Node& n, const std::string& what);
  std::optional<bool> boolean(const YAML::Node& n, const std::string& what);
  std::optional<double> number(const YAML::Node& n, const std::string& what);  // >= 0, plain or size
  std::optional<std::string> choice(const YAML::Node& n, const std::string& what,
                                    const std::vector<std::string>& choices);
  std::optional<std::vector<std::string>> argv(const YAML::Node& n, const std::string& what);
  std::optional<int> signal(const YAML::Node& n, const std::string& what);
  // One declared field of a table-driven block (workload kinds).
  std::optional<ParamValue> field(const FieldSpec& spec, const YAML::Node& n, const std::string& what);

 private:
  void report(Diagnostic::Severity sev, const YAML::Node& n, const std::string& msg);
  // The scalar text of `n` after ${VAR} expansion, or nullopt (reported) for a non-scalar.
  std::optional<std::string> text(const YAML::Node& n, const std::string& what, const char* expected);
  // `v` (read from the text `t`) when it is above 0, or 0 with `allow_zero`, and at most `max`;
  // else nullopt, reported: "<what> must be positive, got '<t>'", "<what>: '<t>' <too_big>".
  std::optional<double> in_range(const YAML::Node& n, const std::string& what, const std::string& t,
                                 std::optional<double> v, bool allow_zero, double max, const char* too_big);
  // The text of `n` (into `t`) read by `parse`: "<what>: bad <noun> '<t>'; <hint>" is reported
  // when it does not read.
  template <class Parse>
  auto parsed(const YAML::Node& n, const std::string& what, const char* noun, const char* hint, Parse parse,
              std::string& t) -> decltype(parse(t)) {
    auto s = text(n, what, (std::string("a ") + noun).c_str());
    if (!s) return std::nullopt;
    t = *s;
    auto v = parse(t);
    if (!v) error(n, what + ": bad " + noun + " " + quoted(t) + "; " + hint);
    return v;
  }

  std::string file_;
  std::vector<Diagnostic>& diags_;
  int errors_ = 0;
};

// A node handle that IsDefined() says is absent, for "was this key given" slots that are
// filled with reset(). (A default-constructed Node counts as a defined null.)
inline YAML::Node absent() { return YAML::Node(YAML::NodeType::Undefined); }

// "a list", "a map", "nothing" or "'text'": what a value is, for messages.
std::string describe_node(const YAML::Node& n);

}  // namespace lg
