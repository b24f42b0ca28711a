// SPDX-License-Identifier: MIT
#include "harness/workloads/cgroup_parent.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

#include "harness/base/cgroup.h"
#include "harness/base/fs.h"
#include "harness/base/strings.h"

namespace lg {

namespace {

// Users of each parent directory in this process, and what the first one created.
struct Entry {
  int users = 0;
  int fd = -1;
  std::vector<std::string> made;  // in creation order
};
std::mutex g_mu;
std::map<std::string, Entry> g_parents;

}  // namespace

std::string default_cgroup_parent() {
  std::string mount = cgroup2_mount();
  return mount.empty() ? "" : mount + "/leakguard-" + std::to_string(getpid()) + "/churn";
}

std::string cgroup_parent_problem(const std::string& rel) {
  if (rel.empty()) return "";
  if (rel[0] == '/') return "parent '" + rel + "' must be relative to the cgroup2 mount (no leading /)";
  for (const auto& part : split(rel, '/')) {
    if (part.empty() || part == "." || part == "..")
      return "parent '" + rel + "' must be a plain path below the cgroup2 mount (no empty, . or .. parts)";
    if (part.find_first_of("\n\t ") != std::string::npos)
      return "parent '" + rel + "' must not hold spaces, tabs or newlines";
  }
  return "";
}

CgroupParent::CgroupParent(std::string rel, std::function<void(const std::string&)> own)
    : rel_(std::move(rel)), own_(std::move(own)) {}

CgroupParent::~CgroupParent() {
  std::string e;
  release(e);
}

bool CgroupParent::acquire(std::string& err) {
  std::string mount = cgroup2_mount();
  if (mount.empty()) {
    errno = ENOENT;
    err = "cgroup workload: cgroup v2 is not mounted (no cgroup2 line in /proc/mounts)";
    return false;
  }
  std::string why = cgroup_parent_problem(rel_);
  if (!why.empty()) {
    errno = EINVAL;
    err = "cgroup workload: " + why;
    return false;
  }
  // The default: the run's group and `churn` in it (the run made the first, unless it runs
  // without a cgroup). A `parent`: only its last part is ours, and must not exist yet.
  std::vector<std::string> chain;
  if (rel_.empty()) {
    dir_ = default_cgroup_parent();
    chain = {dir_.substr(0, dir_.rfind('/')), dir_};
  } else {
    dir_ = mount + "/" + rel_;
    chain = {dir_};
  }
  std::lock_guard<std::mutex> l(g_mu);
  Entry& en = g_parents[dir_];
  if (en.users == 0) {
    for (size_t i = 0; i < chain.size(); i++) {
      const std::string& d = chain[i];
      if (own_) own_(d);  // the watchdog first: we may die right after mkdir
      if (mkdir(d.c_str(), 0755) == 0) {
        en.made.push_back(d);
        continue;
      }
      int e = errno;
      if (e == EEXIST && !(i + 1 == chain.size() && !rel_.empty())) continue;
      for (auto it = en.made.rbegin(); it != en.made.rend(); ++it) rmdir(it->c_str());
      g_parents.erase(dir_);
      errno = e;
      err = e == EEXIST ? "cgroup workload: parent " + d +
                              " exists already; the run must own it (another run using the same parent?)"
                        : "cgroup workload: cannot create " + d + ": " + strerror(e);
      return false;
    }
    en.fd = open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (en.fd < 0) {
      int e = errno;
      for (auto it = en.made.rbegin(); it != en.made.rend(); ++it) rmdir(it->c_str());
      g_parents.erase(dir_);
      errno = e;
      err = "cgroup workload: cannot open " + dir_ + ": " + strerror(e);
      return false;
    }
  }
  en.users++;
  fd_ = en.fd;
  held_ = true;
  return true;
}

bool CgroupParent::release(std::string& err) {
  if (!held_) return true;
  held_ = false;
  std::lock_guard<std::mutex> l(g_mu);
  Entry& en = g_parents[dir_];
  if (--en.users > 0) return true;
  close(en.fd);
  bool ok = true;
  for (auto it = en.made.rbegin(); it != en.made.rend(); ++it) {
    // rmdir of a group fails while it has children: ours are gone, something else's would
    // be reported rather than removed.
    if (rmdir(it->c_str()) != 0 && errno != ENOENT && ok) {
      ok = false;
      err = "cgroup workload: cannot remove " + *it + ": " + strerror(errno);
    }
  }
  g_parents.erase(dir_);
  return ok;
}

}  // namespace lg
