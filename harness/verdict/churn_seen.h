// SPDX-License-Identifier: MIT
#pragma once
// Did the target see the churn? A scenario whose target never noticed its workloads passes
// every check and proves nothing (a tuner watching /run/netns sees no namespace that is not
// bind-mounted there). proc.cpu_seconds tells: a target that reacts to churn uses CPU for it.
#include <string>
#include <vector>

#include "harness/base/series.h"

namespace lg {

// One warning per phase that runs workloads (0.5 s or longer) during which the target used no
// CPU (less than 1 ms): "the target used no CPU during phase 'churn' (10.2s, 5,000 netns): did
// it see the churn? ...". Nothing when proc.cpu_seconds was not measured. A target that polls
// uses CPU at rest and during churn alike, seen or not: this cannot tell, and says nothing.
std::vector<std::string> churn_warnings(const Series& s);

}  // namespace lg
