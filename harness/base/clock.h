// SPDX-License-Identifier: MIT
#pragma once
// The one clock of the harness: CLOCK_MONOTONIC in seconds. Sample times, phase spans, pacing,
// grace periods and timeouts are all read from it.

namespace lg {

double monotonic_seconds();

}  // namespace lg
