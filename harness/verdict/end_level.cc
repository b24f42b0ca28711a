// SPDX-License-Identifier: MIT
// The end level of a window, for max_growth and max_residue (docs/verdicts.md, "The end
// level"). A bounded sawtooth (a garbage collector reclaiming maps by finalizers, a cache
// trimmed now and then) must get the same verdict wherever it stands when the window ends: a
// Go agent idle after the churn runs no collection, so its series freezes at whatever height
// the last cycle had reached. What it really keeps is the level it falls back to.
#include <algorithm>
#include <cmath>

#include "harness/base/stats.h"
#include "harness/verdict/judge.h"
#include "harness/verdict/window.h"

namespace lg {

EndLevel robust_end_level(const std::vector<double>& y, double drop) {
  EndLevel e;
  size_t n = y.size();
  if (n == 0) return e;
  size_t k = tail_count(n);
  e.tail = median(std::vector<double>(y.end() - k, y.end()));
  e.level = e.tail;
  // A rolling median of 3 samples: a one-sample spike is no fall-back, nor a peak; a cycle of
  // three samples or more still shows.
  std::vector<double> s(n);
  for (size_t i = 0; i < n; i++) {
    size_t a = i >= 1 ? i - 1 : 0, b = std::min(n, i + 2);
    s[i] = median(std::vector<double>(y.begin() + a, y.begin() + b));
  }
  // Fall-backs: the smoothed series drops by more than `drop` below its highest point since
  // the previous fall-back. The last one starts the final cycle; its lowest point is the level
  // the series last returned to.
  double peak = s[0], top = y[0], amplitude = 0;
  size_t last = n;
  for (size_t i = 1; i < n; i++) {
    if (s[i] > peak) peak = s[i];
    // The largest fall of the raw samples: the sawtooth's height (smoothing would shave the
    // peak of a cycle only a few samples long).
    top = std::max(top, y[i]);
    amplitude = std::max(amplitude, top - y[i]);
    if (peak - s[i] > drop) {
      last = i;
      peak = s[i];
    }
  }
  if (last == n) return e;
  // The level it fell back to: the lowest sample of the final cycle, raw (smoothing would lift
  // the trough of a steep ramp by a step; counts of held objects have spikes up, not down). The
  // smoothed drop is seen up to a sample late, so the cycle starts a sample earlier.
  double trough = *std::min_element(y.begin() + (last >= 1 ? last - 1 : 0), y.end());
  // A cycle rises at most by the height the series falls by. Rising more since the last fall is
  // growth, not a cycle (a leak that fell back once, early, by a little): judge the tail.
  if (trough < e.tail && e.tail - trough <= 1.25 * amplitude) {
    e.level = trough;
    e.fell_back = true;
  }
  return e;
}

}  // namespace lg
