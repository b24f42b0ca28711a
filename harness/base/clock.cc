// SPDX-License-Identifier: MIT
#include "harness/base/clock.h"

#include <ctime>

namespace lg {

double monotonic_seconds() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

}  // namespace lg
