// SPDX-License-Identifier: MIT
#pragma once
// Progress of a run on stderr: on a terminal one live status line redrawn in place; otherwise
// (CI logs) a plain line every few seconds. Silent with --quiet.
#include <cstdint>
#include <string>

namespace lg {

struct ProgressState {
  std::string scenario, phase;
  uint64_t events = 0, total = 0;  // total 0: open-ended
  double rate = 0;                 // achieved events/s in this phase
  double fds = -1;                 // target fd.total now (<0: unknown or no target)
  double elapsed = 0;              // seconds since launch
};

class Progress {
 public:
  Progress(bool quiet);
  // Called often; prints only when due.
  void update(const ProgressState& s);
  // Clears the live line before other output.
  void clear();

 private:
  std::string line(const ProgressState& s) const;
  bool quiet_, tty_;
  double last_ = -1;
  bool drawn_ = false;
};

}  // namespace lg
