// SPDX-License-Identifier: MIT
#include "harness/run/phase.h"

#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>

#include "harness/base/clock.h"

namespace lg {

namespace {
struct Running {
  const WorkloadSpec* spec;
  size_t kind = 0;
  std::unique_ptr<Workload> w;
  std::thread th;
  std::atomic<bool> done{false};
};
}  // namespace

void run_phase(const PhaseSpec& ph, const std::vector<std::string>& kinds, EventBoard& board,
               const WorkloadContext& base, const PhaseHooks& hooks, std::vector<WorkloadReport>& out) {
  std::atomic<bool> stop{false};
  WorkloadContext ctx = base;
  ctx.stop = &stop;
  std::vector<std::unique_ptr<Running>> runs;
  uint64_t total = 0;
  bool open_ended = false;
  for (const auto& spec : ph.workloads) {
    const WorkloadKind* k = find_workload_kind(spec.kind);
    std::unique_ptr<Workload> w = k ? make_workload(*k, spec.params) : nullptr;
    if (!w) {
      WorkloadReport r;
      r.phase = ph.name;
      r.kind = spec.kind;
      r.error = "workload kind " + spec.kind + " not implemented";
      out.push_back(r);
      continue;
    }
    auto r = std::make_unique<Running>();
    r->spec = &spec;
    for (size_t i = 0; i < kinds.size(); i++)
      if (kinds[i] == spec.kind) r->kind = i;
    r->w = std::move(w);
    if (spec.params.has("count"))
      total += (uint64_t)spec.params.count("count");
    else
      open_ended = true;
    runs.push_back(std::move(r));
  }
  for (auto& r : runs) board.add(r->kind, r->w.get());
  double start = monotonic_seconds();
  for (auto& r : runs) {
    Running* p = r.get();
    p->th = std::thread([p, &ctx] {
      p->w->run(ctx);
      p->done = true;
    });
  }
  double end = ph.duration > 0 ? start + ph.duration : 0;
  while (true) {
    bool all_done = true;
    for (auto& r : runs) all_done &= r->done.load();
    // A phase of workloads ends with them; a phase with only a duration lasts that long.
    if (!runs.empty() && all_done) break;
    if (runs.empty() && end == 0) break;
    double now = monotonic_seconds();
    if (end > 0 && now >= end) break;
    if (hooks.must_stop && hooks.must_stop()) break;
    if (hooks.progress) {
      ProgressState st;
      st.phase = ph.name;
      for (auto& r : runs) st.events += r->w->events();
      st.total = open_ended ? 0 : total;
      st.rate = now > start ? st.events / (now - start) : 0;
      hooks.progress(st);
    }
    usleep(10000);
  }
  stop = true;
  for (auto& r : runs) r->th.join();
  for (auto& r : runs) {
    board.finish(r->kind, r->w.get());
    WorkloadReport rep;
    static_cast<WorkloadOutcome&>(rep) = r->w->outcome();
    rep.phase = ph.name;
    rep.kind = r->spec->kind;
    out.push_back(rep);
  }
}

}  // namespace lg
