// SPDX-License-Identifier: MIT
#pragma once
// ${VAR} and ${VAR:-default} in scenario strings, expanded from the environment.
// LEAKGUARD_CGROUP_PARENT, when the environment has none, is the directory `cgroup`
// workloads make their groups in (`leakguard` also exports it, so targets inherit it).
#include <string>

namespace lg {

// Expands every ${VAR} and ${VAR:-default} in `in` ("$${" is a literal "${"). Returns false
// and sets `err` on an unset variable without a default, a bad name or a missing '}'.
bool expand_env(const std::string& in, std::string& out, std::string& err);

}  // namespace lg
