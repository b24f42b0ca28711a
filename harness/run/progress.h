// SPDX-License-Identifier: MIT
#pragma once
// Progress of a run on stderr: on a terminal one live status line redrawn in place; otherwise
// (CI logs) a plain line every few seconds. Silent with --quiet.
#include <cstdint>
#include <string>
#include <vector>

namespace lg {

// The events of one workload kind in the current phase (several workloads of a kind add up).
struct ProgressCount {
  std::string kind;
  uint64_t events = 0, total = 0;  // total 0: open-ended
  bool open_ended = false;
  double rate = 0;  // achieved events/s in this phase
};

struct ProgressState {
  std::string scenario, phase;
  std::vector<ProgressCount> counts;  // one per kind, never added together
  double fds = -1;                    // target fd.total now (<0: unknown or no target)
  double elapsed = 0;                 // seconds since launch
};

// "netns-churn | churn | netns 1,200/5,000 @ 240/s, procexit 310 @ 62/s | target fds 12 | 6.1s"
std::string progress_line(const ProgressState& s);

class Progress {
 public:
  Progress(bool quiet);
  // Called often; prints only when due.
  void update(const ProgressState& s);
  // Clears the live line before other output.
  void clear();

 private:
  bool quiet_, tty_;
  double last_ = -1;
  bool drawn_ = false;
};

}  // namespace lg
