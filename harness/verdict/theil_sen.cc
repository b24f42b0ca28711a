// SPDX-License-Identifier: MIT
// Theil-Sen slope with Sen's confidence interval.
//
// The slope is the median of the slopes of all pairs of points; the interval takes the
// pair slopes at the ranks given by the variance of Kendall's S, with the tie correction
// for equal y values (integer counters are mostly ties). Equal x values (samples between
// two events) are first collapsed to the median y, so no pair has dx = 0. Long series are
// reduced to kMaxPoints equal-count bins (median x, median y) before pairing: the pair
// count is quadratic, and bin medians keep the estimator robust while the interval stays
// honest (it is computed for the points actually paired).
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "harness/base/stats.h"
#include "harness/verdict/judge.h"

namespace lg {

namespace {

constexpr size_t kMaxPoints = kMaxSlopePoints;
constexpr size_t kMinBandPoints = 20;

// Two-sided normal quantile: z with P(|Z| <= z) = confidence (bisection on erfc).
double normal_quantile(double confidence) {
  double alpha = 1 - confidence, lo = 0, hi = 10;
  for (int i = 0; i < 100; i++) {
    double mid = (lo + hi) / 2;
    if (std::erfc(mid / std::sqrt(2.0)) > alpha)
      lo = mid;
    else
      hi = mid;
  }
  return (lo + hi) / 2;
}

}  // namespace

void reduce_points(std::vector<double>& x, std::vector<double>& y, size_t max_points) {
  size_t n = std::min(x.size(), y.size());
  x.resize(n);
  y.resize(n);

  // Sorted by x (recorded series already are; sort only when needed).
  bool sorted = true;
  for (size_t i = 1; i < n && sorted; i++) sorted = x[i - 1] <= x[i];
  if (!sorted) {
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
    std::vector<double> sx(n), sy(n);
    for (size_t i = 0; i < n; i++) sx[i] = x[order[i]], sy[i] = y[order[i]];
    x.swap(sx);
    y.swap(sy);
  }

  // Collapse equal x to the median y, in place.
  size_t out = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && x[j] == x[i]) j++;
    double yi = j - i == 1 ? y[i] : median_in_place(y, i, j);
    x[out] = x[i];
    y[out] = yi;
    out++;
    i = j;
  }
  x.resize(out);
  y.resize(out);

  // Equal-count bins when there are too many points to pair.
  if (out > max_points && max_points > 0) {
    for (size_t b = 0; b < max_points; b++) {
      size_t lo = b * out / max_points, hi = (b + 1) * out / max_points;
      double bx = median_in_place(x, lo, hi), by = median_in_place(y, lo, hi);
      x[b] = bx;  // b <= lo: the bins already read are the only ones overwritten
      y[b] = by;
    }
    x.resize(max_points);
    y.resize(max_points);
  }
}

SlopeEstimate theil_sen(const std::vector<double>& x_in, const std::vector<double>& y_in, double confidence) {
  SlopeEstimate r;
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> xs = x_in, ys = y_in;
  reduce_points(xs, ys, kMaxPoints);

  size_t m = xs.size();
  r.n = m;
  if (m < 2) {
    r.slope = std::numeric_limits<double>::quiet_NaN();
    r.low = -inf;
    r.high = inf;
    return r;
  }

  std::vector<double> slopes;
  slopes.reserve(m * (m - 1) / 2);
  for (size_t i = 0; i < m; i++)
    for (size_t j = i + 1; j < m; j++) slopes.push_back((ys[j] - ys[i]) / (xs[j] - xs[i]));
  size_t N = slopes.size();

  // Variance of Kendall's S with the correction for tied y values.
  std::vector<double> sy = ys;
  std::sort(sy.begin(), sy.end());
  double md = (double)m;
  double var = md * (md - 1) * (2 * md + 5);
  for (size_t i = 0; i < m;) {
    size_t j = i;
    while (j < m && sy[j] == sy[i]) j++;
    double t = (double)(j - i);
    var -= t * (t - 1) * (2 * t + 5);
    i = j;
  }
  var /= 18;

  // Median first, then the bounds inside the halves it partitioned.
  size_t mid = N / 2;
  std::nth_element(slopes.begin(), slopes.begin() + mid, slopes.end());
  double med = slopes[mid];
  if (N % 2 == 0) med = (med + *std::max_element(slopes.begin(), slopes.begin() + mid)) / 2;
  r.slope = med;

  // Kendall's variance assumes independent noise. Real counters wander (objects in flight,
  // deferred frees): neighbouring residuals are correlated and the plain interval is far too
  // narrow. Inflate the variance by the AR(1) factor (1+rho)/(1-rho) of the detrended
  // residuals (Yue & Wang's correction); never deflate it.
  double mean = 0;
  std::vector<double> res(m);
  for (size_t i = 0; i < m; i++) mean += (res[i] = ys[i] - med * xs[i]);
  mean /= md;
  double num = 0, den = 0;
  for (size_t i = 0; i < m; i++) {
    den += (res[i] - mean) * (res[i] - mean);
    if (i + 1 < m) num += (res[i] - mean) * (res[i + 1] - mean);
  }
  double rho = den > 0 ? std::clamp(num / den, 0.0, 0.98) : 0;
  var *= (1 + rho) / (1 - rho);
  double C = normal_quantile(confidence) * std::sqrt(std::max(var, 0.0));

  // Sen: lower bound is the M1-th smallest slope, upper the (M2+1)-th, 1-based.
  double M1 = std::round(((double)N - C) / 2), M2 = std::round(((double)N + C) / 2);
  if (M1 < 1) {
    r.low = -inf;  // too few points for this confidence: the interval is unbounded
  } else {
    size_t k = (size_t)M1 - 1;
    if (k < mid) {
      std::nth_element(slopes.begin(), slopes.begin() + k, slopes.begin() + mid);
      r.low = slopes[k];
    } else {
      r.low = slopes[mid];
    }
  }
  if (M2 + 1 > (double)N) {
    r.high = inf;
  } else {
    size_t k = (size_t)M2;
    if (k > mid) {
      std::nth_element(slopes.begin() + mid + 1, slopes.begin() + k, slopes.end());
      r.high = slopes[k];
    } else {
      r.high = slopes[mid];
    }
  }

  // The correction above cannot tell a random wander from the deterministic quantisation of
  // an exact counter (a staircase: residuals bounded by one step, yet fully correlated). A
  // wander, however correlated, can fake no more rise than the band its residuals fill, so
  // the slope is known to within (5-95% residual range) / (x span) whatever the correlation.
  // Only with enough points for the band to mean something.
  if (m >= kMinBandPoints) {
    std::vector<double> sorted_res = res;
    size_t lo = (m - 1) * 5 / 100, hi = (m - 1) * 95 / 100;
    std::nth_element(sorted_res.begin(), sorted_res.begin() + lo, sorted_res.end());
    double q5 = sorted_res[lo];
    std::nth_element(sorted_res.begin(), sorted_res.begin() + hi, sorted_res.end());
    double band = (sorted_res[hi] - q5) / (xs.back() - xs.front());
    r.low = std::max(r.low, med - band);
    r.high = std::min(r.high, med + band);
  }
  return r;
}

}  // namespace lg
