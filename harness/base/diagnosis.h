// SPDX-License-Identifier: MIT
#pragma once
// Where the objects behind a metric come from: what a failing check says after its verdict.
// Leak attribution (the code that created the fds and BPF objects still alive at the end)
// and the ghost diagnosis (where stuck tasks wait in the kernel, which parent does not reap
// its zombies) both fill one Diagnosis per metric; every report renders it the same way,
// under each failing check on that metric (reports/diagnosis.cc).
#include <cstdint>
#include <string>
#include <vector>

namespace lg {

// One frame of a stack: user code (module + file offset, symbolised when debug info allows)
// or kernel code (module "[kernel]").
struct Frame {
  std::string function;      // "visit_netns"; "" when unknown
  std::string file;          // "nstuner.cc" (as the debug info names it); "" when unknown
  int line = 0;              // 0 when unknown
  std::string module;        // "/usr/bin/nstuner", "[kernel]"
  std::string build_id;      // hex; "" when unknown
  uint64_t offset = 0;       // file offset in module (user) or address (kernel)
  bool target_code = false;  // the target's own code (not libc, libstdc++, the Go runtime...)
};

// "visit_netns (nstuner.cc:145)", "visit_netns", "nstuner+0x1a2b" (no symbol).
std::string frame_text(const Frame& f);

// A group of objects with one origin.
struct Site {
  uint64_t count = 0;                // objects of the metric from here (alive at the end, stuck, ...)
  std::string headline;              // "created at visit_netns (nstuner.cc:145)"
  std::string example;               // the syscall and one object: openat "/proc/4711/ns/net"
  std::vector<Frame> frames;         // innermost first; the headline frame among them
  std::vector<std::string> details;  // further lines: "pid 4711 (dstuck), parent 4700 (dstuck)"
  // The site's count over the run (seconds since launch), for the chart; may be empty.
  std::vector<double> t, counts;
};

struct Diagnosis {
  std::string metric;       // "fd.netns", "bpf.maps", "proc.dstate"
  std::string title;        // "Where they come from", "Where they wait"
  std::string noun;         // what is counted: "fds", "maps", "tasks"
  std::string scope;        // "alive at the end", "in D state at the end"
  uint64_t total = 0;       // objects considered (the N of "1,953 of N fds ...")
  std::vector<Site> sites;  // largest count first
  // Objects no site explains, by reason: {"existed before tracking began", 12}.
  std::vector<std::pair<std::string, uint64_t>> unexplained;
  // Plain words about the quality of the answer: "no debug info for /usr/bin/x (build-id
  // 1a2b...): install its -dbgsym package or build with -g".
  std::vector<std::string> notes;
};

}  // namespace lg
