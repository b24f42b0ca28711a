// SPDX-License-Identifier: MIT
#pragma once
// Order statistics shared by the verdicts and the charts.
#include <cstddef>
#include <vector>

namespace lg {

// Median of v[lo, hi) (the mean of the two middle values for an even count); reorders that
// range. NaN when it is empty.
double median_in_place(std::vector<double>& v, size_t lo, size_t hi);
// Median of all of v (a copy is reordered); NaN when empty.
double median(std::vector<double> v);

}  // namespace lg
