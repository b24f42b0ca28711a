// SPDX-License-Identifier: MIT
#include "harness/run/progress.h"

#include <unistd.h>

#include <cstdio>

#include "harness/base/clock.h"
#include "harness/base/units.h"
#include "harness/run/sampler.h"

namespace lg {

Progress::Progress(bool quiet) : quiet_(quiet), tty_(isatty(2)) {}

std::string progress_line(const ProgressState& s) {
  std::string l = s.scenario;
  l += " | ";
  l += s.phase.empty() ? "-" : s.phase;
  // "netns 1,200/5,000 @ 240/s, procexit 310 @ 62/s": idle phases and settle have none.
  bool first = true;
  for (const auto& c : s.counts) {
    if (!c.events && !c.total) continue;
    l += first ? " | " : ", ";
    first = false;
    l += c.kind;
    l += ' ';
    l += format_number((double)c.events);
    if (c.total) {
      l += '/';
      l += format_number((double)c.total);
    }
    if (c.rate > 0) {
      l += " @ ";
      l += format_number(c.rate);
      l += "/s";
    }
  }
  if (s.fds >= 0) {
    l += " | target fds ";
    l += format_number(s.fds);
  }
  l += " | ";
  l += format_fixed(s.elapsed, 1);
  l += 's';
  return l;
}

void Progress::update(const ProgressState& s) {
  if (quiet_) return;
  double now = monotonic_seconds();
  double every = tty_ ? 0.2 : 5.0;
  if (last_ >= 0 && now - last_ < every) return;
  if (last_ < 0 && !tty_) {  // first call: start the 5 s clock, print nothing yet
    last_ = now;
    return;
  }
  last_ = now;
  if (tty_) {
    fprintf(stderr, "\r\033[K%s", progress_line(s).c_str());
    drawn_ = true;
  } else {
    fprintf(stderr, "leakguard: %s\n", progress_line(s).c_str());
  }
  fflush(stderr);
}

void Progress::clear() {
  if (drawn_) fprintf(stderr, "\r\033[K");
  drawn_ = false;
  last_ = -1;
}

}  // namespace lg
