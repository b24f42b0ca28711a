// SPDX-License-Identifier: MIT
#pragma once
// Shared bookkeeping of a workload's outcome: the first error wins, rates and warnings are
// computed in one place so every kind reports them the same way.
#include <mutex>
#include <string>

#include "harness/workloads/workload.h"

namespace lg {

// "unshare(CLONE_NEWNET): No space left on device after 1,021 netns"
std::string error_after(const std::string& call, int err, uint64_t done, const char* noun);

// First error of any worker; later ones are dropped (they are usually the same cause).
class FirstError {
 public:
  // A complete one-line message.
  void set(int err, std::string msg) {
    std::lock_guard<std::mutex> l(mu_);
    if (msg_.empty()) errno_ = err, msg_ = std::move(msg);
  }
  // A failed call; "after N <noun>" is added by to(): N is how far all workers got in the end
  // (another worker may finish an event after this one failed).
  void failed(int err, const std::string& call) {
    std::lock_guard<std::mutex> l(mu_);
    if (msg_.empty()) errno_ = err, msg_ = call, after_ = true;
  }
  void to(WorkloadOutcome& o, uint64_t done, const char* noun) {
    std::lock_guard<std::mutex> l(mu_);
    o.error_errno = errno_;
    o.error = after_ ? error_after(msg_, errno_, done, noun) : msg_;
  }
  bool any() {
    std::lock_guard<std::mutex> l(mu_);
    return !msg_.empty();
  }
  void to(WorkloadOutcome& o) {
    std::lock_guard<std::mutex> l(mu_);
    o.error_errno = errno_;
    o.error = msg_;
  }

 private:
  std::mutex mu_;
  int errno_ = 0;
  std::string msg_;
  bool after_ = false;
};

// Fills requested/achieved counts and rates and adds the standard warnings: achieved rate
// below 90% of the requested one, or the count cut short by `stopped_by` (nullptr: it was not;
// "the phase end", "the interruption", ...: WorkloadContext::stopped_by()).
void finish_outcome(WorkloadOutcome& o, uint64_t requested, double requested_rate, uint64_t achieved, double seconds,
                    const char* stopped_by, const char* noun);

// Online CPUs, at least 1: the number of workers for CPU-bound kinds.
unsigned cpu_count();

}  // namespace lg
