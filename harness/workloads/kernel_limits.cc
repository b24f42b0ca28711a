// SPDX-License-Identifier: MIT
#include "harness/workloads/kernel_limits.h"

#include <algorithm>
#include <cstdint>

#include "harness/base/fs.h"
#include "harness/base/strings.h"
#include "harness/base/units.h"

namespace lg {

std::optional<int64_t> kernel_limit(const char* path) { return parse_count(trim(read_file(path))); }

// count 0 runs until the phase ends: no bound but concurrency's.
int64_t count_bound(const Params& p) { return p.count("count") > 0 ? p.count("count") : INT64_MAX; }

int64_t alive_at_once(const Params& p) {
  int64_t count = count_bound(p);
  return std::min(count, p.has("concurrency") ? p.count("concurrency") : count);
}

void check_alive_at_once(const Params& p, const char* path, int64_t per_event, const char* objects,
                         std::vector<FieldProblem>& out) {
  auto limit = kernel_limit(path);
  if (!limit || !p.has("count")) return;
  int64_t count = count_bound(p);
  int64_t alive = alive_at_once(p);
  std::string lim = std::string(path) + " (" + std::to_string(*limit) + ")";
  if (alive > *limit / per_event) {
    const char* f = alive < count ? "concurrency" : "count";
    out.push_back({f, std::string(f) + " " + std::to_string(alive) +
                          (per_event > 1 ? " (x" + std::to_string(per_event) + " with threads)" : "") + " is above " +
                          lim + ": the kernel refuses more " + objects + " alive at once"});
  } else if (count > *limit && count != INT64_MAX) {
    out.push_back({"count",
                   "count " + std::to_string(count) + " is above " + lim + "; it can run only because at most " +
                       std::to_string(alive) + " " + objects + " are alive at once (concurrency)",
                   true});
  }
}

std::vector<KernelNeed> needs_in_netns(const Params& p) {
  if (p.flag("in_netns")) return {{"netns.create", " (in_netns) needs network namespaces"}};
  return {};
}

}  // namespace lg
