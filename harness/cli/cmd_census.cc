// SPDX-License-Identifier: MIT
// leakguard census: one reading (or one every INTERVAL) of a pid, a cgroup or the system.
#include <signal.h>
#include <time.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>

#include "harness/base/exit_codes.h"
#include "harness/base/fs.h"
#include "harness/base/metrics.h"
#include "harness/base/series.h"
#include "harness/base/strings.h"
#include "harness/base/units.h"
#include "harness/census/census.h"
#include "harness/cli/command.h"

namespace lg {
namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct CensusArgs {
  int pid = 0;
  std::string cgroup;
  bool system = false;
  std::string backend = "auto";
  bool json = false;
  std::string watch;
  std::string slab;
};

// The kernel limit a metric is read against, shown next to it: name and value (NaN: none).
struct Ceiling {
  const char* name = nullptr;
  double value = kUnavailable;
};
Ceiling ceiling(const std::string& metric) {
  if (metric != metric_name(MetricId::sys_file_handles)) return {};
  std::string t = trim(read_file("/proc/sys/fs/file-max"));
  char* end = nullptr;
  double v = strtod(t.c_str(), &end);
  return {"fs.file-max", !t.empty() && end && !*end ? v : kUnavailable};
}

std::string table(const Census& c, const std::vector<double>& v, const std::string& what, const std::string& note) {
  const auto& names = c.metrics();
  size_t w = 6, vw = 5;
  std::vector<std::string> cells(names.size());
  for (size_t i = 0; i < names.size(); i++) {
    w = std::max(w, names[i].size());
    cells[i] =
        c.unavailable()[i].empty() ? (available(v[i]) ? format_number(v[i]) : "n/a (not measured this time)") : "";
    vw = std::max(vw, cells[i].size());
  }
  std::string out = "census of " + what + " at " + utc_timestamp() + " (backend " + c.backend() + ")\n";
  if (!note.empty()) out += "note: " + note + "\n";
  auto pad = [](std::string s, size_t n) { return s + std::string(n > s.size() ? n - s.size() : 0, ' '); };
  out += pad("metric", w + 2) + pad("value", vw + 2) + "unit\n";
  for (size_t i = 0; i < names.size(); i++) {
    const MetricInfo* m = find_metric(names[i]);
    const char* unit = m ? m->unit : "";
    if (!c.unavailable()[i].empty())
      out += pad(names[i], w + 2) + "n/a (" + c.unavailable()[i] + ")";
    else
      out += pad(names[i], w + 2) + pad(cells[i], vw + 2) + unit;
    if (Ceiling lim = ceiling(names[i]); lim.name && available(lim.value) && c.unavailable()[i].empty())
      out += " (" + std::string(lim.name) + " " + format_number(lim.value) + ")";
    out += "\n";
  }
  return out;
}

std::string json(const Census& c, const std::vector<double>& v, const std::string& what, const std::string& note,
                 bool pretty) {
  nlohmann::ordered_json j;
  j["target"] = what;
  j["time"] = utc_timestamp();
  j["backend"] = c.backend();
  if (!note.empty()) j["note"] = note;
  nlohmann::ordered_json ms = nlohmann::ordered_json::array();
  for (size_t i = 0; i < c.metrics().size(); i++) {
    const MetricInfo* m = find_metric(c.metrics()[i]);
    nlohmann::ordered_json e;
    e["name"] = c.metrics()[i];
    if (available(v[i]))
      e["value"] = v[i];
    else
      e["value"] = nullptr;
    e["unit"] = m ? m->unit : "";
    if (!c.unavailable()[i].empty()) e["unavailable"] = c.unavailable()[i];
    if (Ceiling lim = ceiling(c.metrics()[i]); lim.name && available(lim.value)) {
      e["limit"] = lim.value;
      e["limit_name"] = lim.name;
    }
    ms.push_back(e);
  }
  j["metrics"] = ms;
  return j.dump(pretty ? 2 : -1) + "\n";
}

int run_census(const CensusArgs& a) {
  CensusScope scope;
  std::string what;
  int chosen = (a.pid != 0) + !a.cgroup.empty() + a.system;
  if (chosen != 1) {
    fprintf(stderr, "leakguard: error: census needs exactly one of --pid, --cgroup, --system\n");
    return kExitUsage;
  }
  if (a.pid) {
    if (a.pid < 0) {
      fprintf(stderr, "leakguard: error: --pid %d: not a process id\n", a.pid);
      return kExitUsage;
    }
    scope.kind = CensusScope::Pid;
    scope.pid = a.pid;
    what = "pid " + std::to_string(a.pid);
  } else if (!a.cgroup.empty()) {
    scope.kind = CensusScope::Cgroup;
    scope.cgroup = a.cgroup;
    what = "cgroup " + a.cgroup;
  } else {
    scope.kind = CensusScope::System;
    what = "the system";
  }
  Backend b = parse_backend(a.backend).value_or(Backend::Auto);
  double interval = 0;
  if (!a.watch.empty()) {
    auto d = parse_duration(a.watch);
    if (!d || *d <= 0) {
      fprintf(stderr, "leakguard: error: --watch %s: not a duration (like 1s or 500ms)\n", a.watch.c_str());
      return kExitUsage;
    }
    interval = *d;
  }
  CensusOptions opts;
  if (!a.slab.empty())
    for (const auto& s : split(a.slab, ','))
      if (!trim(s).empty()) {
        std::string bad = slab_cache_problem(trim(s));
        if (!bad.empty()) {
          fprintf(stderr, "leakguard: error: --slab: %s\n", bad.c_str());
          return kExitUsage;
        }
        opts.slab_caches.push_back(trim(s));
      }

  std::string err, note;
  // A scope naming nothing is the user's mistake (2); a backend that cannot run is the machine's (3).
  if (!check_census_scope(scope, err)) {
    fprintf(stderr, "leakguard: error: %s\n", err.c_str());
    return kExitUsage;
  }
  auto census = make_census(b, scope, opts, err, note);
  if (!census) {
    fprintf(stderr, "leakguard: error: %s census unavailable: %s\n", b == Backend::Procfs ? "procfs" : "BPF",
            err.c_str());
    return kExitEnvironment;
  }
  if (interval > 0) {
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
  }
  std::vector<double> v;
  bool first = true;
  do {
    if (!census->sample(v, err)) {
      fprintf(stderr, "leakguard: error: census of %s: %s\n", what.c_str(), err.c_str());
      return first ? kExitUsage : kExitCheckFailed;
    }
    std::string out = a.json ? json(*census, v, what, note, interval == 0) : table(*census, v, what, note);
    if (!first && !a.json) out = "\n" + out;
    fputs(out.c_str(), stdout);
    fflush(stdout);
    first = false;
    if (interval > 0) {
      timespec ts{(time_t)interval, (long)((interval - (time_t)interval) * 1e9)};
      while (!g_stop && nanosleep(&ts, &ts) != 0) {
      }
    }
  } while (interval > 0 && !g_stop);
  return kExitOk;
}

}  // namespace

void add_census_command(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("census", "Count a process's, a cgroup's or the system's fds and kernel objects");
  auto a = std::make_shared<CensusArgs>();
  auto* pid = sub->add_option("--pid", a->pid, "census of this process (its threads and zombie children)");
  auto* cg = sub->add_option("--cgroup", a->cgroup, "census of every process in this cgroup v2 directory and below");
  auto* sys = sub->add_flag("--system", a->system, "system metrics only");
  pid->excludes(cg)->excludes(sys);
  cg->excludes(sys);
  sub->add_option("--backend", a->backend, "bpf, procfs or auto (default: auto, BPF when it works)")
      ->check(one_of(backend_names()));
  sub->add_flag("--json", a->json, "print JSON (one object per line with --watch)");
  sub->add_option("--watch", a->watch, "repeat every INTERVAL (like 1s) until Ctrl-C");
  sub->add_option("--slab", a->slab,
                  "slab caches to count, comma separated (default: "
                  "net_namespace,filp,task_struct,sock_inode_cache)");
  sub->footer("Exit 0: printed. 2: bad pid or cgroup. 3: the backend asked for cannot run here.");
  sub->callback([&action, a] { action = [a] { return run_census(*a); }; });
}

}  // namespace lg
