// SPDX-License-Identifier: MIT
#include "harness/base/cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "harness/base/fs.h"
#include "harness/base/strings.h"

namespace lg {

namespace {

bool pids_below(const std::string& path, bool recursive, std::vector<pid_t>& pids, std::string& err, int depth) {
  std::string procs = path + "/cgroup.procs";
  int fd = open(procs.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = "cannot read " + procs + ": " + strerror(errno);
    return false;
  }
  close(fd);
  for (const auto& l : split(read_file(procs), '\n'))
    if (!l.empty()) pids.push_back((pid_t)atoi(l.c_str()));
  if (!recursive || depth > 64) return true;
  DIR* d = opendir(path.c_str());
  if (!d) return true;
  while (dirent* e = readdir(d)) {
    if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
    if (!pids_below(path + "/" + e->d_name, true, pids, err, depth + 1)) {
      if (errno == ENOENT) continue;  // removed while we walked
      closedir(d);
      return false;
    }
  }
  closedir(d);
  return true;
}

}  // namespace

std::string cgroup2_mount() { return find_mount(read_file("/proc/mounts"), "cgroup2"); }

std::string cgroup_of(pid_t pid, const std::string& mount) {
  for (const auto& line : split(read_file("/proc/" + std::to_string(pid) + "/cgroup"), '\n'))
    if (starts_with(line, "0::")) {
      std::string rel = line.substr(3);
      return rel == "/" ? mount : mount + rel;
    }
  return "";
}

bool cgroup_pids(const std::string& dir, bool recursive, std::vector<pid_t>& pids, std::string& err) {
  pids.clear();
  return pids_below(dir, recursive, pids, err, 0);
}

std::vector<pid_t> cgroup_pids(const std::string& dir, bool recursive) {
  std::vector<pid_t> pids;
  std::string err;
  cgroup_pids(dir, recursive, pids, err);
  return pids;
}

bool cgroup_info(const std::string& path, uint64_t& id, uint32_t& level, std::string& err) {
  struct statfs sf;
  struct stat st;
  if (statfs(path.c_str(), &sf) != 0 || stat(path.c_str(), &st) != 0) {
    err = "cgroup " + path + ": " + strerror(errno);
    return false;
  }
  if (sf.f_type != 0x63677270 /* CGROUP2_SUPER_MAGIC */ || !S_ISDIR(st.st_mode)) {
    err = "cgroup " + path + ": not a cgroup v2 directory";
    return false;
  }
  id = st.st_ino;  // kernfs node id on 64-bit kernels
  // Level: directories between the mount root and path.
  char real[PATH_MAX];
  if (!realpath(path.c_str(), real)) {
    err = "cgroup " + path + ": " + strerror(errno);
    return false;
  }
  std::string root = cgroup2_mount();
  std::string p = real;
  if (root.empty() || !starts_with(p, root)) {
    err = "cgroup " + path + ": not below the cgroup v2 mount" + (root.empty() ? "" : " " + root);
    return false;
  }
  level = 0;
  for (char c : p.substr(root.size())) level += c == '/';
  return true;
}

}  // namespace lg
