// SPDX-License-Identifier: MIT
#pragma once
// What census.cc needs from the two backends (census_bpf.cc, census_procfs.cc).
#include <memory>
#include <string>

#include "bpf/census.h"
#include "harness/census/census.h"

namespace lg {

// Which tasks are the target: System -> none; Cgroup with a path -> that cgroup and below;
// a tree_root -> that process and its descendants; Pid -> that process.
census_target_mode target_mode(const CensusScope& scope);

// The two backends; nullptr and err when they cannot run.
std::unique_ptr<Census> make_bpf_census(const CensusScope& scope, const CensusOptions& opts, std::string& err);
std::unique_ptr<Census> make_procfs_census(const CensusScope& scope, const CensusOptions& opts, std::string& err);

}  // namespace lg
