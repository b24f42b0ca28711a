// SPDX-License-Identifier: MIT
// Memory of a day-long soak, shortened: the samples of 24 hours at 100 ms (864,000 readings of
// a census as wide as the real one) go through the run's own Sampler and SampleStore as fast as
// they can, then the run is judged and its series.json written, as `leakguard run` does. Prints
// the peak RSS (VmHWM) after each step. With --all-in-memory the store keeps every row in
// memory (no column files): what a run did before the series was bounded.
//   build/bin/soak_memory [--samples N] [--all-in-memory]
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "harness/base/clock.h"
#include "harness/base/fs.h"
#include "harness/base/metrics.h"
#include "harness/base/out_dir.h"
#include "harness/census/census.h"
#include "harness/run/sample_store.h"
#include "harness/run/sampler.h"
#include "harness/verdict/judge.h"
#include "reports/report.h"

namespace {

// As wide as the real census: the catalogue and four slab caches; values that wander.
class FakeCensus : public lg::Census {
 public:
  FakeCensus() {
    for (const auto& m : lg::metric_catalogue()) names_.push_back(m.name);
    for (const auto& c : lg::default_slab_caches()) names_.push_back(lg::slab_metric_name(c));
    unavailable_.assign(names_.size(), "");
  }
  lg::Backend kind() const override { return lg::Backend::Procfs; }
  bool ghosts(bool, std::vector<lg::GhostTask>& out, std::string&) override {
    out.clear();
    return true;
  }
  bool sample(std::vector<double>& v, std::string&) override {
    n_++;
    v.resize(names_.size());
    for (size_t i = 0; i < v.size(); i++) v[i] = 100 + (double)((n_ * 7 + i * 13) % 17) + (double)(n_ / 100000);
    return true;
  }

 private:
  uint64_t n_ = 0;
};

double hwm_mib() {
  std::string s = lg::read_file("/proc/self/status");
  size_t p = s.find("VmHWM:");
  return p == std::string::npos ? -1 : atof(s.c_str() + p + 6) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  size_t samples = 864000;
  bool in_memory = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--samples") && i + 1 < argc) samples = strtoul(argv[++i], nullptr, 10);
    if (!strcmp(argv[i], "--all-in-memory")) in_memory = true;
  }
  char tmpl[] = "/tmp/lg-soak-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  lg::Dir root;
  lg::OutputDir out;
  std::string err;
  pid_t holder;
  if (!lg::Dir::open(dir, false, root, err) || !out.open(root, "soak", true, err, holder)) {
    fprintf(stderr, "soak_memory: %s\n", err.c_str());
    return 1;
  }
  printf("start: VmHWM %.1f MiB\n", hwm_mib());

  FakeCensus census;
  lg::RunResult r;
  r.scenario = "soak";
  r.out_dir = out.path();
  lg::Series& s = r.series;
  s.metrics = census.metrics();
  s.units.assign(s.metrics.size(), "objects");
  s.unavailable.assign(s.metrics.size(), "");
  s.event_kinds = {"netns", "procexit"};
  s.pre_launch.assign(s.metrics.size(), 100);
  s.post_settle.assign(s.metrics.size(), 100);
  lg::SampleStore store(s, in_memory ? (size_t)-1 : lg::SampleStore::kDefaultMaxRows);
  if (!in_memory && !store.open(out.dir(), err)) {
    fprintf(stderr, "soak_memory: %s\n", err.c_str());
    return 1;
  }
  lg::EventBoard board(2);
  lg::Sampler sampler(census, store, board, lg::monotonic_seconds(), 0.1);
  auto t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < samples; i++) sampler.sample_now();
  store.finish();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  s.phases = {{"soak", 0, s.t.back(), true}};
  printf("sampled %zu readings of %zu metrics in %.1f s: %zu rows in memory, VmHWM %.1f MiB\n", store.rows(),
         s.metrics.size(), secs, s.t.size(), hwm_mib());

  std::vector<lg::Check> checks = lg::default_checks({}, true);
  const lg::ColumnSource* full = store.reduced() ? &store : nullptr;
  if (full) {
    if (!lg::judge_checks_full(checks, s, store, r.verdicts, err)) {
      fprintf(stderr, "soak_memory: %s\n", err.c_str());
      return 1;
    }
  } else {
    r.verdicts = lg::judge_checks(checks, s);
  }
  printf("judged %zu checks on every sample: VmHWM %.1f MiB\n", r.verdicts.size(), hwm_mib());
  std::vector<std::string> written;
  if (!lg::write_reports(r, out, written, err, full)) {
    fprintf(stderr, "soak_memory: %s\n", err.c_str());
    return 1;
  }
  struct stat st {};
  stat(out.file("series.json").c_str(), &st);
  long long size = st.st_size;
  printf("wrote series.json (%.1f MiB) and the reports: VmHWM %.1f MiB\n", size / 1048576.0, hwm_mib());
  (void)!system(("rm -rf '" + dir + "'").c_str());
  return 0;
}
