// SPDX-License-Identifier: MIT
#include "harness/workloads/outcome.h"

#include <unistd.h>

#include <cmath>
#include <cstring>

#include "harness/base/clock.h"
#include "harness/base/units.h"
#include "harness/workloads/pace.h"

namespace lg {

std::string error_after(const std::string& call, int err, uint64_t done, const char* noun) {
  return call + ": " + strerror(err) + " after " + format_number((double)done) + " " + noun;
}

void finish_outcome(WorkloadOutcome& o, uint64_t requested, double requested_rate, uint64_t achieved, double seconds,
                    const char* stopped_by, const char* noun) {
  o.requested = requested;
  o.achieved = achieved;
  o.requested_rate = requested_rate > 0 ? requested_rate : 0;
  o.seconds = seconds;
  o.achieved_rate = seconds > 0 ? (double)achieved / seconds : 0;
  if (o.error.empty() && stopped_by && requested && achieved < requested)
    o.warnings.push_back(std::string("stopped by ") + stopped_by + " after " + format_number((double)achieved) +
                         " of " + format_number((double)requested) + " " + noun);
  // A run too short to judge its rate (fewer than 10 events) gets no rate warning.
  if (o.error.empty() && requested_rate > 0 && achieved >= 10 && o.achieved_rate < 0.9 * requested_rate) {
    o.warnings.push_back("achieved " + format_number(std::round(o.achieved_rate)) + "/s of " +
                         format_number(requested_rate) + "/s asked (" +
                         format_fixed(100 * o.achieved_rate / requested_rate, 0) + "%)");
  }
}

void Workload::count_event() {
  events_.fetch_add(1, std::memory_order_relaxed);
  double now = monotonic_seconds(), seen = last_event_.load(std::memory_order_relaxed);
  while (seen < now && !last_event_.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
  }
}

void Workload::finish_run(FirstError& err, uint64_t done, const Pacer& pacer, double last, const WorkloadContext& ctx,
                          const char* noun) {
  err.to(outcome_, done, noun);
  double active = (last > 0 ? last : monotonic_seconds()) - pacer.start();
  finish_outcome(outcome_, pacer.count(), pacer.rate(), events(), active, ctx.stopped_by(), noun);
}

unsigned cpu_count() {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (unsigned)n : 1;
}

}  // namespace lg
