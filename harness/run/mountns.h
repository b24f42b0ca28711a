// SPDX-License-Identifier: MIT
#pragma once
// The run's private mount namespace. Made at the start of `run`, before any thread exists
// (unshare(CLONE_NEWNS) only moves the calling thread): every mount below is private to
// leakguard, its workloads and the target (which inherits the namespace), and the kernel
// drops them all when the last of those processes exits, even after a SIGKILL.
//   /run/netns                   tmpfs, for `ip netns`-style bind mounts of namespaces
//   /run/leakguard-<pid>         tmpfs, the run's scratch space
//   /sys/fs/bpf                  bpffs, fresh and private, for pins (the place real tools use;
//                                /run/leakguard-<pid>/bpf when the host has no /sys/fs/bpf)
#include <string>

namespace lg {

class Watchdog;

struct PrivateMounts {
  std::string netns_dir = "/run/netns";
  std::string private_dir;  // /run/leakguard-<pid>
  std::string bpffs_dir;    // "/sys/fs/bpf", or private_dir + "/bpf"
  bool active = false;
};

// Creates the namespace and the mounts. The directories it had to create on the host are
// registered with the watchdog (removed after leakguard exits).
bool enter_private_mounts(PrivateMounts& m, Watchdog& wd, std::string& err);
// Unmounts (lazily) and removes what enter_private_mounts made. Safe to call twice.
void leave_private_mounts(PrivateMounts& m);

}  // namespace lg
