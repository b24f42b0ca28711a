// SPDX-License-Identifier: MIT
#include "harness/census/slabs.h"

#include <sys/stat.h>
#include <unistd.h>

#include "bpf/census.h"
#include "harness/base/fs.h"
#include "harness/base/strings.h"

namespace lg {

std::string slab_cache_gap(const std::string& cache) {
  if (cache.empty() || cache.size() >= CENSUS_SLAB_NAME_LEN || cache.find('/') != std::string::npos ||
      cache.find(' ') != std::string::npos)
    return "'" + cache + "' is not a slab cache name";
  // /proc/slabinfo (and iter/kmem_cache) list real caches only: a cache merged into another
  // (slab merging) survives as a /sys/kernel/slab symlink and is counted under the other's name.
  std::string text = read_file("/proc/slabinfo");
  struct stat st;
  bool in_sysfs = lstat(("/sys/kernel/slab/" + cache).c_str(), &st) == 0;
  if (!text.empty()) {
    if (slabinfo_active(text, cache) >= 0) return "";
    if (in_sysfs)
      return "slab cache " + cache +
             " is merged into another cache on this kernel (slab merging), "
             "so its objects cannot be counted apart (boot with slab_nomerge to count it)";
    return "no slab cache named " + cache + " on this kernel";
  }
  if (in_sysfs || access("/sys/kernel/slab", F_OK) != 0) return "";  // decided by the backend
  return "no slab cache named " + cache + " on this kernel";
}

int64_t slabinfo_active(std::string_view text, std::string_view cache) {
  std::string_view line;
  for (size_t pos = 0; next_line(text, pos, line);) {
    if (line.size() > cache.size() && line.substr(0, cache.size()) == cache && line[cache.size()] == ' ') {
      std::string_view rest = line.substr(cache.size());
      size_t b = rest.find_first_not_of(' ');
      if (b == std::string_view::npos) return -1;
      return atoll(std::string(rest.substr(b, rest.find(' ', b) - b)).c_str());
    }
  }
  return -1;
}

void slabs_from_procfs(const std::vector<std::string>& caches, const std::function<void(size_t, double)>& set) {
  std::string text = read_file("/proc/slabinfo");
  for (size_t i = 0; i < caches.size(); i++) {
    int64_t a = slabinfo_active(text, caches[i]);
    if (a >= 0) set(i, (double)a);
  }
}

}  // namespace lg
