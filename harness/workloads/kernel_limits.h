// SPDX-License-Identifier: MIT
#pragma once
// The kernel limits workload kinds check their fields against before anything runs, and the
// kernel needs that several kinds share.
#include <cstdint>
#include <optional>
#include <vector>

#include "harness/base/params.h"
#include "harness/workloads/workload.h"

namespace lg {

// The number in a /proc/sys file, or nullopt when it cannot be read.
std::optional<int64_t> kernel_limit(const char* path);

// Objects alive at once: min(count, concurrency), times `per_event` kernel objects each.
int64_t alive_at_once(const Params& p);

// Checks min(count, concurrency) x per_event objects alive at once against the limit in
// `path`: an error on the field that bounds them when above it; a warning when only `count` is
// above it (it runs, because concurrency bounds what is alive). `objects` names them:
// "network namespaces".
void check_alive_at_once(const Params& p, const char* path, int64_t per_event, const char* objects,
                         std::vector<FieldProblem>& out);

// The needs of a kind with an `in_netns` field (it runs inside the run's network namespace):
// network namespaces when the field is true.
std::vector<KernelNeed> needs_in_netns(const Params& p);

}  // namespace lg
