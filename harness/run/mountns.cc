// SPDX-License-Identifier: MIT
#include "harness/run/mountns.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/run/watchdog.h"

namespace lg {

namespace {

// mkdir that tells the watchdog when the directory is new, so nothing outlives the run.
bool make_dir(const std::string& d, Watchdog& wd, std::string& err) {
  if (mkdir(d.c_str(), 0755) == 0) {
    wd.add_dir(d);
    return true;
  }
  if (errno == EEXIST) return true;
  err = "cannot create " + d + ": " + strerror(errno);
  return false;
}

bool do_mount(const char* src, const std::string& dst, const char* type, const char* opts, std::string& err) {
  if (mount(src, dst.c_str(), type, MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) == 0) return true;
  err = std::string("cannot mount ") + type + " on " + dst + ": " + strerror(errno);
  return false;
}

}  // namespace

bool enter_private_mounts(PrivateMounts& m, Watchdog& wd, std::string& err) {
  m.private_dir = "/run/leakguard-" + std::to_string(getpid());
  // Pins go where real tools put them: a fresh bpffs on /sys/fs/bpf, private to the run, so a
  // target that pins (or forgets its pins) does it in the run's bpffs and nowhere else.
  struct stat st;
  bool sys_bpf = stat("/sys/fs/bpf", &st) == 0 && S_ISDIR(st.st_mode);
  m.bpffs_dir = sys_bpf ? "/sys/fs/bpf" : m.private_dir + "/bpf";
  // Host-side directories first (the watchdog lives in the host namespace and removes them).
  // /run/netns is `ip netns`'s own directory and may be a mount point of a concurrent run's
  // namespace: it is created when missing but never removed.
  if (mkdir(m.netns_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    err = "cannot create " + m.netns_dir + ": " + strerror(errno);
    return false;
  }
  if (!make_dir(m.private_dir, wd, err)) return false;
  if (unshare(CLONE_NEWNS) != 0) {
    err = std::string("cannot create a private mount namespace (unshare CLONE_NEWNS): ") + strerror(errno);
    return false;
  }
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    err = std::string("cannot make / private in the run's mount namespace: ") + strerror(errno);
    return false;
  }
  if (!do_mount("leakguard-netns", m.netns_dir, "tmpfs", "mode=0755,size=1m", err)) return false;
  if (!do_mount("leakguard-run", m.private_dir, "tmpfs", "mode=0700,size=1m", err)) return false;
  if (!sys_bpf && mkdir(m.bpffs_dir.c_str(), 0700) != 0) {
    err = "cannot create " + m.bpffs_dir + ": " + strerror(errno);
    return false;
  }
  if (!do_mount("leakguard-bpf", m.bpffs_dir, "bpf", "mode=0700", err)) return false;
  m.active = true;
  return true;
}

void leave_private_mounts(PrivateMounts& m) {
  if (!m.active) return;
  umount2(m.bpffs_dir.c_str(), MNT_DETACH);
  umount2(m.private_dir.c_str(), MNT_DETACH);
  umount2(m.netns_dir.c_str(), MNT_DETACH);
  m.active = false;
}

}  // namespace lg
