// SPDX-License-Identifier: MIT
#include "harness/run/leftovers.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "harness/base/fs.h"
#include "harness/base/strings.h"
#include "harness/census/proctrack.h"
#include "harness/run/cgroup.h"

namespace lg {

namespace {

// Boot time (seconds since the epoch), from the btime line of /proc/stat.
double boot_time() {
  for (const auto& l : split(read_file("/proc/stat"), '\n'))
    if (starts_with(l, "btime ")) return atof(l.c_str() + 6);
  return 0;
}

// "leakguard-4711" -> 4711; 0 for any other name.
pid_t leftover_pid(const char* name) {
  const char* p = name + strlen("leakguard-");
  if (strncmp(name, "leakguard-", strlen("leakguard-")) != 0 || !*p) return 0;
  for (const char* c = p; *c; c++)
    if (!isdigit((unsigned char)*c)) return 0;
  long v = strtol(p, nullptr, 10);
  return v > 1 && v < (1L << 22) ? (pid_t)v : 0;
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d))
    if (leftover_pid(e->d_name) && (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN)) out.push_back(e->d_name);
  closedir(d);
  return out;
}

}  // namespace

bool leftover_owner_alive(const std::string& path, pid_t pid) {
  if (pid == getpid()) return true;
  uint64_t ticks = proc_start_time(pid);
  if (!ticks) return false;  // gone (or a zombie: a dead run either way)
  struct stat st;
  if (lstat(path.c_str(), &st) != 0) return true;  // cannot tell: keep it
  double started = boot_time() + (double)ticks / (double)sysconf(_SC_CLK_TCK);
  double changed = st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
  // One second of slack for the clock-tick granularity: when in doubt, it is a live run's.
  return started <= changed + 1;
}

std::vector<std::string> remove_dead_leftovers(const std::string& cgroup_mount, const std::string& run_dir) {
  std::vector<std::string> notes;
  if (!cgroup_mount.empty()) {
    for (const auto& name : entries(cgroup_mount)) {
      std::string dir = cgroup_mount + "/" + name;
      if (leftover_owner_alive(dir, leftover_pid(name.c_str()))) continue;
      size_t procs = cgroup_pids(dir, true).size();
      cgroup_kill(dir);
      for (int i = 0; i < 10 && !cgroup_wait_empty(dir, 0.3); i++) cgroup_kill(dir);
      std::string err;
      std::string what = procs ? " (" + std::to_string(procs) + " processes killed)" : "";
      if (cgroup_remove(dir, err))
        notes.push_back("removed cgroup " + dir + " of a dead leakguard run" + what);
      else
        notes.push_back("could not remove cgroup " + dir + " of a dead leakguard run: " + err);
    }
  }
  for (const auto& name : entries(run_dir)) {
    std::string dir = run_dir + "/" + name;
    if (leftover_owner_alive(dir, leftover_pid(name.c_str()))) continue;
    // Only empty directories: on the host the run's tmpfs was never there (it was mounted in the
    // run's private mount namespace), so anything inside is not ours to delete.
    if (rmdir(dir.c_str()) == 0)
      notes.push_back("removed " + dir + " of a dead leakguard run");
    else if (errno != ENOENT)
      notes.push_back("left " + dir + " of a dead leakguard run: " + strerror(errno));
  }
  return notes;
}

}  // namespace lg
