// SPDX-License-Identifier: MIT
#include "harness/census/system_files.h"

#include <cctype>

#include "harness/base/fs.h"
#include "harness/base/procfs.h"

namespace lg {

void system_files(const std::string& cgroup_root, const std::function<void(MetricId, double)>& set) {
  std::string nr = read_file("/proc/sys/fs/file-nr");
  if (!nr.empty() && isdigit((unsigned char)nr[0])) set(MetricId::sys_file_handles, (double)proc_field(nr, ""));
  int64_t kib = proc_field(read_file("/proc/meminfo"), "SUnreclaim:");
  if (kib >= 0) set(MetricId::sys_unreclaimable_bytes, kib * 1024.0);
  if (!cgroup_root.empty()) {
    int64_t dying = proc_field(read_file(cgroup_root + "/cgroup.stat"), "nr_dying_descendants");
    if (dying >= 0) set(MetricId::sys_dying_cgroups, (double)dying);
  }
}

}  // namespace lg
