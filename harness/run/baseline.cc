// SPDX-License-Identifier: MIT
#include "harness/run/baseline.h"

#include <cmath>

#include "harness/base/series.h"
#include "harness/base/units.h"

namespace lg {

Baseline take_baseline(const std::function<bool(std::vector<double>&, std::string&)>& sample,
                       const std::vector<int>& watch, const std::vector<std::string>& names, double window,
                       double timeout, double interval, const std::function<double()>& now,
                       const std::function<void(double)>& sleep, const std::function<bool()>& cancelled) {
  Baseline b;
  double start = now();
  std::vector<double> times;
  std::vector<std::vector<double>> rows;
  while (true) {
    std::vector<double> v;
    std::string err;
    if (!sample(v, err)) v.clear();
    times.push_back(now());
    rows.push_back(v);
    b.values = v;
    if (watch.empty()) break;
    // Still for `window`: every reading since (last time - window) equals the last one, and
    // the readings reach back that far.
    double t = times.back();
    bool still = t - times.front() >= window;
    for (size_t i = rows.size(); still && i-- > 0 && times[i] >= t - window;) {
      for (int c : watch) {
        bool have = (size_t)c < rows[i].size() && (size_t)c < v.size();
        double a = have ? rows[i][c] : kUnavailable, z = have ? v[c] : kUnavailable;
        if (available(a) != available(z) || (available(a) && a != z)) still = false;
      }
    }
    if (still) break;
    if (t - start >= timeout || (cancelled && cancelled())) {
      b.quiet = false;
      // Which metrics moved during the last window, and from what to what.
      std::string moved;
      for (int c : watch) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < rows.size(); i++)
          if (times[i] >= t - window && (size_t)c < rows[i].size() && available(rows[i][c]))
            lo = std::fmin(lo, rows[i][c]), hi = std::fmax(hi, rows[i][c]);
        if (hi > lo)
          moved += (moved.empty() ? "" : ", ") + ((size_t)c < names.size() ? names[c] : "?") + " between " +
                   format_number(lo) + " and " + format_number(hi);
      }
      b.note = "the baseline before launch never held still within " + format_duration(timeout) + " (" +
               (moved.empty() ? "readings failed" : moved) + " in the last " + format_duration(window) +
               "): residue checks compare against a moving baseline; another process may be creating or freeing "
               "objects, or the previous scenario's are still being torn down";
      break;
    }
    sleep(interval);
  }
  b.waited = now() - start;
  return b;
}

}  // namespace lg
