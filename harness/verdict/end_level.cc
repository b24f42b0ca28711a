// SPDX-License-Identifier: MIT
// The end level of a window, for max_growth and max_residue (docs/verdicts.md, "The end
// level"). A bounded sawtooth (a garbage collector reclaiming maps by finalizers, a cache
// trimmed now and then) must get the same verdict wherever it stands when the window ends: a
// Go agent idle after the churn runs no collection, so its series freezes at whatever height
// the last cycle had reached. What it really keeps is the level it falls back to.
#include <algorithm>
#include <cmath>

#include "harness/verdict/judge.h"

namespace lg {

namespace {

double median_of(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) m = (m + *std::max_element(v.begin(), v.begin() + mid)) / 2;
  return m;
}

}  // namespace

size_t end_tail_count(size_t n) { return std::min(n, std::clamp<size_t>(n / 20, 5, 100)); }

EndLevel robust_end_level(const std::vector<double>& y, double drop) {
  EndLevel e;
  size_t n = y.size();
  if (n == 0) return e;
  size_t k = end_tail_count(n);
  e.tail = median_of(std::vector<double>(y.end() - k, y.end()));
  e.level = e.tail;
  // A rolling median of 3 samples: a one-sample spike is no fall-back, nor a peak; a cycle of
  // three samples or more still shows.
  std::vector<double> s(n);
  for (size_t i = 0; i < n; i++) {
    size_t a = i >= 1 ? i - 1 : 0, b = std::min(n, i + 2);
    s[i] = median_of(std::vector<double>(y.begin() + a, y.begin() + b));
  }
  // Fall-backs: the smoothed series drops by more than `drop` below its highest point since
  // the previous fall-back. The last one starts the final cycle; its lowest point is the level
  // the series last returned to.
  double peak = s[0];
  size_t last = n;
  for (size_t i = 1; i < n; i++) {
    if (s[i] > peak) peak = s[i];
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
  if (trough < e.tail) {
    e.level = trough;
    e.fell_back = true;
  }
  return e;
}

}  // namespace lg
