// SPDX-License-Identifier: MIT
#pragma once
// Preflight: can this machine run this scenario? Checked against `leakguard probe`'s findings
// before anything starts, so a missing feature is one clear refusal (exit 3), not a
// half-run with confusing errors.
#include <string>

#include "harness/probe/probe.h"
#include "harness/scenario/scenario.h"

namespace lg {

// "" when the scenario can run; else the reason, naming the feature and what needs it.
std::string preflight(const Scenario& s, const ProbeReport& p, Backend backend);

}  // namespace lg
