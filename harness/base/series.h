// SPDX-License-Identifier: MIT
#pragma once
// A recorded run: every sample of every metric, the cumulative event counts of every
// workload kind, phase boundaries, and the system census before launch and after settle.
// This is what the verdicts judge, what series.json stores and what `leakguard judge` reads.
#include <cmath>
#include <cstdint>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

namespace lg {

constexpr double kUnavailable = std::numeric_limits<double>::quiet_NaN();
inline bool available(double v) { return !std::isnan(v); }

struct PhaseSpan {
  std::string name;
  double start = 0;  // seconds since launch (CLOCK_MONOTONIC based)
  double end = 0;
  bool has_workloads = false;
};

// A BPF map the target held during the run (BPF census only), so verdicts and reports can say
// which map filled up: "map pid_events full at 4,096 of 4,096".
struct MapRecord {
  uint32_t id = 0;
  std::string name;
  std::string type;  // "hash", "lpm_trie", ...
  double max_entries = 0;
  double peak_entries = 0, peak_t = 0;  // the highest element count seen, and when
  double full_at = -1;                  // when it was first seen full (-1: never)
  bool can_fill = false;                // refuses new keys when full (bpf.map_fill counts it)
};

struct Series {
  std::vector<std::string> metrics;      // metric names, in column order
  std::vector<std::string> units;        // same order
  std::vector<std::string> unavailable;  // same order: "" when measured, else the reason
  std::vector<std::string> event_kinds;  // workload kinds with event counters ("netns", ...)

  std::vector<double> t;                    // sample times, seconds since launch
  std::vector<std::vector<double>> values;  // values[metric][sample]; NaN when not measured
  std::vector<std::vector<double>> events;  // events[kind][sample]: cumulative count

  std::vector<PhaseSpan> phases;  // in run order
  double launch = 0;              // 0 by definition; the time axis origin
  double stop = -1;               // when the target was asked to stop (-1: no target / never)
  double settle_end = -1;         // when the residue census was taken
  // Why the run did not settle ("interrupted before settle"): residue is then not judged.
  std::string unsettled;

  // System census before launch and after the target stopped and the system settled.
  // Same column order as `metrics`; NaN for metrics not measured.
  std::vector<double> pre_launch;
  std::vector<double> post_settle;

  std::vector<MapRecord> maps;  // the target's BPF maps, in the order first seen

  // The map that came closest to full among those that can fill (or nullptr).
  const MapRecord* fullest_map() const {
    const MapRecord* best = nullptr;
    for (const auto& m : maps)
      if (m.can_fill && m.max_entries > 0 &&
          (!best || m.peak_entries / m.max_entries > best->peak_entries / best->max_entries))
        best = &m;
    return best;
  }

  int metric_index(const std::string& name) const {
    for (size_t i = 0; i < metrics.size(); i++)
      if (metrics[i] == name) return (int)i;
    return -1;
  }
  int event_index(const std::string& kind) const {
    for (size_t i = 0; i < event_kinds.size(); i++)
      if (event_kinds[i] == kind) return (int)i;
    return -1;
  }
  const PhaseSpan* phase(const std::string& name) const {
    for (const auto& p : phases)
      if (p.name == name) return &p;
    return nullptr;
  }
};

// Every sample of a recorded run, read back column by column: a long run keeps its full
// record on disk while memory holds a reduced Series (harness/run/sample_store.h).
class ColumnSource {
 public:
  static constexpr size_t kTime = static_cast<size_t>(-1);
  virtual ~ColumnSource() = default;
  virtual size_t rows() const = 0;
  // Column `col` (kTime, a metric index, or metrics + event kind index), rows
  // [first, first + n) into out. False with err on a read error.
  virtual bool read(size_t col, size_t first, size_t n, double* out, std::string& err) const = 0;
};

}  // namespace lg
