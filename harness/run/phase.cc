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
  std::atomic<const char*> why{"the phase end"};
  WorkloadContext ctx = base;
  ctx.stop = &stop;
  ctx.stop_reason = &why;
  std::vector<std::unique_ptr<Running>> runs;
  for (const auto& spec : ph.workloads) {
    const WorkloadKind* k = find_workload_kind(spec.kind);
    std::unique_ptr<Workload> w = k ? make_workload(*k, spec.params) : nullptr;
    if (!w) {
      WorkloadReport r;
      r.phase = ph.name;
      r.kind = spec.kind;
      r.name = spec.name.empty() ? spec.kind : spec.name;
      r.error = "workload kind " + spec.kind + " not implemented";
      out.push_back(r);
      continue;
    }
    auto r = std::make_unique<Running>();
    r->spec = &spec;
    for (size_t i = 0; i < kinds.size(); i++)
      if (kinds[i] == spec.kind) r->kind = i;
    r->w = std::move(w);
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
    if (const char* cause = hooks.must_stop ? hooks.must_stop() : nullptr) {
      why = cause;
      break;
    }
    if (hooks.progress) {
      // One count per kind: events of different kinds are different things.
      ProgressState st;
      st.phase = ph.name;
      for (auto& r : runs) {
        const std::string& kind = r->spec->kind;
        ProgressCount* c = nullptr;
        for (auto& k : st.counts)
          if (k.kind == kind) c = &k;
        if (!c) {
          st.counts.push_back({kind, 0, 0, false, 0});
          c = &st.counts.back();
        }
        c->events += r->w->events();
        int64_t want = r->spec->params.has("count") ? r->spec->params.count("count") : 0;
        if (want > 0)
          c->total += (uint64_t)want;
        else
          c->open_ended = true;
      }
      for (auto& c : st.counts) {
        if (c.open_ended) c.total = 0;
        c.rate = now > start ? c.events / (now - start) : 0;
      }
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
    rep.name = r->spec->name.empty() ? r->spec->kind : r->spec->name;
    out.push_back(rep);
  }
}

}  // namespace lg
