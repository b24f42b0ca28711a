// SPDX-License-Identifier: MIT
#include "harness/run/sample_store.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace lg {

namespace {

constexpr size_t kBufferRows = 4096;

// pread or pwrite of all `n` bytes at `at`, retried on short transfers; the errno of a failure.
template <typename Op, typename Ptr>
int transfer_all(Op op, int fd, Ptr p, size_t n, off_t at) {
  while (n > 0) {
    ssize_t k = op(fd, p, n, at);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return k < 0 ? errno : EIO;
    p += k;
    n -= k;
    at += k;
  }
  return 0;
}

// Keeps the rows at even positions.
void halve(std::vector<double>& v) {
  size_t k = 0;
  for (size_t i = 0; i < v.size(); i += 2) v[k++] = v[i];
  v.resize(k);
}

}  // namespace

SampleStore::SampleStore(Series& s, size_t max_rows) : s_(s), max_rows_(std::max<size_t>(max_rows, 16)) {
  s_.values.resize(s_.metrics.size());
  s_.events.resize(s_.event_kinds.size());
  last_.assign(s_.metrics.size(), kUnavailable);
  run_start_.assign(s_.metrics.size(), 0);
}

SampleStore::~SampleStore() {
  for (auto& c : cols_)
    if (c.fd >= 0) close(c.fd);
}

bool SampleStore::open(const Dir& dir, std::string& err) {
  std::lock_guard<std::mutex> l(mu_);
  size_t n = 1 + s_.metrics.size() + s_.event_kinds.size();
  std::vector<Column> cols(n);
  for (auto& c : cols) {
    c.fd = dir.create_anonymous(err);
    if (c.fd < 0) {
      for (auto& d : cols)
        if (d.fd >= 0) close(d.fd);
      return false;
    }
  }
  cols_ = std::move(cols);
  on_disk_ = true;
  return true;
}

SampleStore::Column* SampleStore::column(size_t col) {
  size_t i = col == kTime ? 0 : col + 1;
  return i < cols_.size() ? &cols_[i] : nullptr;
}

const SampleStore::Column* SampleStore::column(size_t col) const {
  size_t i = col == kTime ? 0 : col + 1;
  return i < cols_.size() ? &cols_[i] : nullptr;
}

bool SampleStore::flush(Column& c) const {
  if (c.buf.empty() || !disk_error_.empty()) return disk_error_.empty();
  if (int e = transfer_all(pwrite, c.fd, reinterpret_cast<const char*>(c.buf.data()), c.buf.size() * sizeof(double),
                           (off_t)(c.written * sizeof(double)))) {
    disk_error_ = std::string("cannot keep every sample on disk: ") + strerror(e);
    return false;
  }
  c.written += c.buf.size();
  c.buf.clear();
  return true;
}

void SampleStore::append(double t, const std::vector<double>& values, const std::vector<double>& events) {
  std::lock_guard<std::mutex> l(mu_);
  if (on_disk_ && disk_error_.empty()) {
    auto put = [&](size_t col, double v) {
      Column& c = *column(col);
      c.buf.push_back(v);
      if (c.buf.size() >= kBufferRows) flush(c);
    };
    put(kTime, t);
    for (size_t i = 0; i < s_.metrics.size(); i++) put(i, i < values.size() ? values[i] : kUnavailable);
    for (size_t k = 0; k < s_.event_kinds.size(); k++)
      put(s_.metrics.size() + k, k < events.size() ? events[k] : kUnavailable);
  }
  for (size_t i = 0; i < last_.size(); i++) {
    double v = i < values.size() ? values[i] : kUnavailable;
    bool same = rows_ > 0 && (available(v) ? v == last_[i] : !available(last_[i]));
    if (!same) run_start_[i] = t;
    last_[i] = v;
  }
  last_events_ = events;
  last_t_ = t;
  last_kept_ = rows_ % stride_ == 0;
  if (last_kept_) {
    s_.t.push_back(t);
    for (size_t i = 0; i < s_.metrics.size(); i++) s_.values[i].push_back(i < values.size() ? values[i] : kUnavailable);
    for (size_t k = 0; k < s_.event_kinds.size(); k++)
      s_.events[k].push_back(k < events.size() ? events[k] : kUnavailable);
  }
  rows_++;
  // Only with every sample on disk may memory keep fewer.
  if (on_disk_ && s_.t.size() >= max_rows_) {
    halve(s_.t);
    for (auto& v : s_.values) halve(v);
    for (auto& e : s_.events) halve(e);
    stride_ *= 2;
  }
}

void SampleStore::finish() {
  std::lock_guard<std::mutex> l(mu_);
  if (rows_ == 0 || last_kept_) return;
  s_.t.push_back(last_t_);
  for (size_t i = 0; i < s_.metrics.size(); i++) s_.values[i].push_back(last_[i]);
  for (size_t k = 0; k < s_.event_kinds.size(); k++)
    s_.events[k].push_back(k < last_events_.size() ? last_events_[k] : kUnavailable);
  last_kept_ = true;
}

size_t SampleStore::rows() const {
  std::lock_guard<std::mutex> l(mu_);
  return rows_;
}

bool SampleStore::read(size_t col, size_t first, size_t n, double* out, std::string& err) const {
  std::lock_guard<std::mutex> l(mu_);
  const Column* cp = column(col);
  if (!on_disk_ || !cp) {
    err = "no such column on disk";
    return false;
  }
  Column& c = const_cast<Column&>(*cp);
  if (!flush(c) || first + n > c.written) {
    err = disk_error_.empty() ? "read past the samples on disk" : disk_error_;
    return false;
  }
  if (int e = transfer_all(pread, c.fd, reinterpret_cast<char*>(out), n * sizeof(double),
                           (off_t)(first * sizeof(double)))) {
    err = std::string("cannot read the samples back: ") + strerror(e);
    return false;
  }
  return true;
}

bool SampleStore::reduced() const {
  std::lock_guard<std::mutex> l(mu_);
  return stride_ > 1;
}

size_t SampleStore::stride() const {
  std::lock_guard<std::mutex> l(mu_);
  return stride_;
}

std::string SampleStore::disk_error() const {
  std::lock_guard<std::mutex> l(mu_);
  return disk_error_;
}

double SampleStore::latest(size_t metric) const {
  std::lock_guard<std::mutex> l(mu_);
  return rows_ && metric < last_.size() ? last_[metric] : kUnavailable;
}

double SampleStore::latest_t() const {
  std::lock_guard<std::mutex> l(mu_);
  return last_t_;
}

bool SampleStore::stable(const std::vector<int>& cols, double since, double window) const {
  std::lock_guard<std::mutex> l(mu_);
  if (rows_ == 0 || last_t_ - since < window) return false;
  double from = last_t_ - window;
  for (int c : cols) {
    if (c < 0 || (size_t)c >= run_start_.size()) return false;
    // The current value must have held since before the window, in samples after `since`.
    if (std::max(since, run_start_[c]) >= from) return false;
  }
  return true;
}

}  // namespace lg
