// SPDX-License-Identifier: MIT
#pragma once
// Where the sampler puts its readings. Every sample goes to disk, one anonymous file per column
// in the run's output directory (O_TMPFILE: gone when closed, also after a SIGKILL), and a
// bounded copy stays in memory: the Series the run loop, the charts and the HTML report use.
// When the copy reaches `max_rows`, every other row is dropped and from then on one sample in
// two (four, ...) is kept, so memory stays bounded on a day-long run at any interval, while the
// verdicts and series.json read every sample back from disk (a ColumnSource).
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "harness/base/safe_file.h"
#include "harness/base/series.h"

namespace lg {

class SampleStore : public ColumnSource {
 public:
  static constexpr size_t kDefaultMaxRows = 16384;

  // `s` must have its metrics and event kinds set; rows are appended to it.
  SampleStore(Series& s, size_t max_rows = kDefaultMaxRows);
  ~SampleStore() override;
  SampleStore(const SampleStore&) = delete;
  SampleStore& operator=(const SampleStore&) = delete;

  // Makes the column files in `dir`. Without it (or when it fails) the store keeps every row in
  // memory, as before a long run was a concern.
  bool open(const Dir& dir, std::string& err);
  void append(double t, const std::vector<double>& values, const std::vector<double>& events);
  // Puts the latest sample into the in-memory copy if the reduction skipped it (the end of a
  // chart is the end of the run).
  void finish();

  size_t rows() const override;
  bool read(size_t col, size_t first, size_t n, double* out, std::string& err) const override;
  // The in-memory Series holds fewer rows than were sampled; verdicts must read them all.
  bool reduced() const;
  size_t stride() const;
  // Why the disk copy stopped being complete ("" while it is): then there is only memory.
  std::string disk_error() const;

  double latest(size_t metric) const;  // NaN before the first sample
  double latest_t() const;
  // Each of `cols` kept one value (or stayed unmeasured) for the last `window` seconds, in
  // samples taken after `since`.
  bool stable(const std::vector<int>& cols, double since, double window) const;

 private:
  struct Column {
    int fd = -1;
    std::vector<double> buf;  // not yet written
    size_t written = 0;       // rows on disk
  };
  bool flush(Column& c) const;
  Column* column(size_t col);
  const Column* column(size_t col) const;

  Series& s_;
  size_t max_rows_;
  mutable std::mutex mu_;
  mutable std::vector<Column> cols_;  // t, then metrics, then event kinds
  bool on_disk_ = false;
  mutable std::string disk_error_;
  size_t rows_ = 0;    // samples taken
  size_t stride_ = 1;  // keep one sample in `stride_` in memory
  std::vector<double> last_, last_events_;
  double last_t_ = -1;
  bool last_kept_ = true;
  std::vector<double> run_start_;  // per metric: when its current value began
};

}  // namespace lg
