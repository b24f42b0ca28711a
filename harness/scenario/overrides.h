// SPDX-License-Identifier: MIT
#pragma once
// `--set PATH=VALUE` and `--target -- ARGV...`: edits of the YAML tree before validation.
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace lg {

// What one override put into the tree, so a problem found later in those nodes is reported
// against the flag instead of a line of the file.
struct OverrideSource {
  std::string flag;               // "--set sampling.interval=50ms"
  std::vector<YAML::Node> nodes;  // every node it created: the value (and its children), the key
  bool owns(const YAML::Node& n) const;
};

// Applies "PATH=VALUE" (VALUE parsed as YAML). PATH is dot-separated; a list element is
// addressed by index or by the `name` (or `kind`) of the map it holds. Missing map keys are
// created. Returns "" or one error line naming the flag.
std::string apply_override(YAML::Node& root, const std::string& text, OverrideSource& src);

// Sets target.command to `argv` (creating `target` when absent). Returns "" or an error.
std::string apply_target_argv(YAML::Node& root, const std::vector<std::string>& argv, OverrideSource& src);

}  // namespace lg
