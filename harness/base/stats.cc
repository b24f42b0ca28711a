// SPDX-License-Identifier: MIT
#include "harness/base/stats.h"

#include <algorithm>
#include <cmath>

namespace lg {

double median_in_place(std::vector<double>& v, size_t lo, size_t hi) {
  if (hi <= lo) return NAN;
  size_t n = hi - lo, mid = lo + n / 2;
  std::nth_element(v.begin() + lo, v.begin() + mid, v.begin() + hi);
  double m = v[mid];
  if (n % 2 == 0) m = (m + *std::max_element(v.begin() + lo, v.begin() + mid)) / 2;
  return m;
}

double median(std::vector<double> v) { return median_in_place(v, 0, v.size()); }

}  // namespace lg
