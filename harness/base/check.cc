// SPDX-License-Identifier: MIT
#include "harness/base/check.h"

#include <cmath>
#include <cstdio>

namespace lg {

namespace {
// Shortest plain text for a limit: "1", "0.5", "0.001", "1e-06".
std::string plain(double v) {
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    snprintf(buf, sizeof buf, "%.6g", v);
  }
  return buf;
}
}  // namespace

std::string describe_check(const Check& c) {
  switch (c.type) {
    case CheckType::MaxSlope:
      if (!c.per_event.empty())
        return c.metric + " max_slope <= " + plain(c.limit * c.per_event_scale) + " per " + plain(c.per_event_scale) +
               " " + c.per_event;
      if (c.per_time_unit == "min") return c.metric + " max_slope <= " + plain(c.limit * 60) + "/min";
      return c.metric + " max_slope <= " + plain(c.limit) + "/s";
    case CheckType::MaxGrowth: return c.metric + " max_growth <= " + plain(c.limit);
    case CheckType::Max: return c.metric + " max <= " + plain(c.limit);
    case CheckType::MaxResidue: return c.metric + " max_residue <= " + plain(c.limit);
  }
  return c.metric;
}

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::Pass: return "PASS";
    case Outcome::Fail: return "FAIL";
    case Outcome::Error: return "ERROR";
    case Outcome::Skipped: return "SKIP";
  }
  return "?";
}

}  // namespace lg
