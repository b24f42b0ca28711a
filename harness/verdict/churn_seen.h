// SPDX-License-Identifier: MIT
#pragma once
// Did the target see the churn? A scenario whose target never noticed its workloads passes
// every check and proves nothing (a tuner watching /run/netns sees no namespace that is not
// bind-mounted there). proc.cpu_seconds tells: a target that reacts to churn uses CPU for it.
#include <string>
#include <vector>

#include "harness/base/series.h"

namespace lg {

// One warning per phase that runs workloads during which the target used no CPU (less than
// 1 ms), or no more CPU per second than in the phases without workloads: "the target used no
// CPU during phase 'churn' (10.2s, 5,000 netns): did it see the churn?". Nothing when
// proc.cpu_seconds was not measured.
std::vector<std::string> churn_warnings(const Series& s);

}  // namespace lg
