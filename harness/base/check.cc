// SPDX-License-Identifier: MIT
#include "harness/base/check.h"

#include <cmath>
#include <cstdio>

#include "harness/base/metrics.h"
#include "harness/base/units.h"

namespace lg {

namespace {
// Shortest plain text for a limit: "1", "0.5", "0.001", "1e-06".
std::string plain_number(double v) {
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
  // Byte metrics read best in the sizes a scenario writes: "1MiB per 10000 procexit".
  const MetricInfo* m = find_metric(c.metric);
  bool bytes = m && std::string(m->unit) == "bytes";
  auto plain = [&](double v) { return bytes ? format_size(std::round(v * 1e6) / 1e6) : plain_number(v); };
  switch (c.type) {
    case CheckType::MaxSlope:
      if (!c.per_event.empty())
        return c.metric + " max_slope <= " + plain(c.limit * c.per_event_scale) + " per " +
               plain_number(c.per_event_scale) + " " + c.per_event;
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
