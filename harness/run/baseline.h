// SPDX-License-Identifier: MIT
#pragma once
// The census "before launch": taken once the machine-wide metrics the checks judge have held
// still, as the settle step waits after the stop. A second scenario of one run must not count
// the first one's namespaces that the kernel is still tearing down as its own baseline.
#include <functional>
#include <string>
#include <vector>

namespace lg {

struct Baseline {
  std::vector<double> values;  // the reading used: the last one taken
  bool quiet = true;           // every watched column held still for `window`
  double waited = 0;           // seconds spent
  std::string note;            // when not quiet: which metric moved, for the report
};

// Takes readings every `interval` seconds with `sample` until each column of `watch` held the
// same value for `window` seconds, or `timeout` passed. `names` names the columns for the
// note. With nothing to watch, one reading. `sleep` is usleep-like (tests pass a fake clock).
Baseline take_baseline(const std::function<bool(std::vector<double>&, std::string&)>& sample,
                       const std::vector<int>& watch, const std::vector<std::string>& names, double window,
                       double timeout, double interval, const std::function<double()>& now,
                       const std::function<void(double)>& sleep, const std::function<bool()>& cancelled = nullptr);

}  // namespace lg
