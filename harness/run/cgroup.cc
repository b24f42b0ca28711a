// SPDX-License-Identifier: MIT
#include "harness/run/cgroup.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "harness/base/clock.h"
#include "harness/base/fs.h"
#include "harness/base/strings.h"

namespace lg {

namespace {

bool write_str(const std::string& path, const std::string& v, std::string& err) {
  // Not lg::write_file: cgroup files must be written in place, not renamed over.
  FILE* f = fopen(path.c_str(), "we");
  if (!f) {
    err = "cannot open " + path + ": " + strerror(errno);
    return false;
  }
  bool ok = fwrite(v.data(), 1, v.size(), f) == v.size();
  ok = (fflush(f) == 0) && ok;
  int e = errno;
  fclose(f);
  if (!ok) err = "cannot write '" + v + "' to " + path + ": " + strerror(e);
  return ok;
}

std::vector<std::string> subdirs(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
    out.push_back(dir + "/" + e->d_name);
  }
  closedir(d);
  return out;
}

}  // namespace

bool cgroup_create(const std::string& dir, std::string& err) {
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    err = "cannot create cgroup " + dir + ": " + strerror(errno);
    return false;
  }
  return true;
}

bool cgroup_add(const std::string& dir, pid_t pid, std::string& err) {
  return write_str(dir + "/cgroup.procs", std::to_string(pid), err);
}

bool cgroup_populated(const std::string& dir) {
  std::string ev = read_file(dir + "/cgroup.events");
  if (ev.empty()) return !cgroup_pids(dir, true).empty();  // gone or unreadable
  return ev.find("populated 1") != std::string::npos;
}

void cgroup_kill(const std::string& dir) {
  std::string err;
  if (access((dir + "/cgroup.kill").c_str(), F_OK) == 0 && write_str(dir + "/cgroup.kill", "1", err)) return;
  // No cgroup.kill: a forking tree can race one-by-one kills, so callers loop with
  // cgroup_wait_empty.
  for (pid_t p : cgroup_pids(dir, true))
    if (p > 0 && p != getpid()) kill(p, SIGKILL);
}

bool cgroup_wait_empty(const std::string& dir, double timeout_s) {
  double end = monotonic_seconds() + timeout_s;
  while (true) {
    if (access(dir.c_str(), F_OK) != 0 || !cgroup_populated(dir)) return true;
    if (monotonic_seconds() >= end) return false;
    usleep(5000);
  }
}

bool cgroup_remove(const std::string& dir, std::string& err) {
  for (const auto& s : subdirs(dir))
    if (!cgroup_remove(s, err)) return false;
  // A just-killed group may still report busy for a moment while its tasks exit.
  for (int i = 0; i < 200; i++) {
    if (rmdir(dir.c_str()) == 0 || errno == ENOENT) return true;
    if (errno != EBUSY) break;
    usleep(10000);
  }
  err = "cannot remove cgroup " + dir + ": " + strerror(errno);
  return false;
}

bool cgroup_has_controller(const std::string& dir, const std::string& controller) {
  for (const auto& c : split(trim(read_file(dir + "/cgroup.controllers")), ' '))
    if (c == controller) return true;
  return false;
}

bool RunCgroup::create(const std::string& mount, std::string& err) {
  original = cgroup_of(getpid(), mount);
  top = mount + "/leakguard-" + std::to_string(getpid());
  harness = top + "/harness";
  return cgroup_create(top, err) && cgroup_create(harness, err);
}

std::string RunCgroup::add_target(const std::string& name, uint64_t pids_max, bool& limited, std::string& err) {
  limited = false;
  std::string dir = top + "/" + name;
  if (pids_max > 0 && cgroup_has_controller(top, "pids")) {
    // TOP holds no process itself, so it may hand the controller to its children.
    std::string e;
    limited = write_str(top + "/cgroup.subtree_control", "+pids", e);
  }
  if (!cgroup_create(dir, err)) return "";
  if (limited) {
    std::string e;
    limited = write_str(dir + "/pids.max", std::to_string(pids_max), e);
  }
  return dir;
}

bool RunCgroup::enter(std::string& err) { return cgroup_add(harness, getpid(), err); }

bool RunCgroup::destroy(std::string& err) {
  if (top.empty()) return true;
  std::string e;
  if (!original.empty()) cgroup_add(original, getpid(), e);
  // Our own workload children may still be alive in harness/ (they should not be); so may
  // the target's leftovers. Kill whatever is not us.
  for (pid_t p : cgroup_pids(top, true))
    if (p == getpid()) {
      err = "cannot leave cgroup " + harness + ": " + e;
      return false;
    }
  cgroup_kill(top);
  cgroup_wait_empty(top, 5);
  bool ok = cgroup_remove(top, err);
  if (ok) top.clear();
  return ok;
}

}  // namespace lg
