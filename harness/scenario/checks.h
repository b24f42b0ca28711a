// SPDX-License-Identifier: MIT
#pragma once
// The `checks:` block of a scenario (see docs/scenarios.md, "checks").
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "harness/scenario/scenario.h"
#include "harness/scenario/yaml_reader.h"

namespace lg {

// Reads `checks:` into sc.checks. sc.phases must be loaded: checks name them and their
// workload kinds.
void load_checks(YamlReader& r, const YAML::Node& n, Scenario& sc);

// Names of the workload kinds, in table order ("netns", "procexit", ...).
std::vector<std::string> workload_kind_names();

}  // namespace lg
