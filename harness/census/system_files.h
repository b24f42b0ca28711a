// SPDX-License-Identifier: MIT
#pragma once
// The system metrics both census backends read from files rather than count.
#include <functional>
#include <string>

#include "harness/base/metrics.h"

namespace lg {

// sys.file_handles (/proc/sys/fs/file-nr), sys.unreclaimable_bytes (SUnreclaim of
// /proc/meminfo), and sys.dying_cgroups from the cgroup.stat of `cgroup_root` when it is not
// "". set(id, value) for what could be read.
void system_files(const std::string& cgroup_root, const std::function<void(MetricId, double)>& set);

}  // namespace lg
