// SPDX-License-Identifier: MIT
#include "harness/census/fd_links.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>

#include "bpf/census.h"
#include "harness/base/strings.h"

namespace lg {

int fd_kind_from_link(std::string_view l) {
  if (!l.empty() && l[0] == '/') return -1;
  if (starts_with(l, "socket:")) return CENSUS_FD_SOCKET;
  if (starts_with(l, "pipe:")) return CENSUS_FD_PIPE;
  if (starts_with(l, "anon_inode:")) {
    std::string_view n = l.substr(11);
#define LG_ANON_KIND(X, ID, name, anon, doc) \
  if (sizeof(anon) > 1 && n == anon) return CENSUS_FD_##ID;
    LG_FD_KINDS(LG_ANON_KIND, _)
#undef LG_ANON_KIND
    return CENSUS_FD_ANON_OTHER;
  }
  if (starts_with(l, "net:[")) return CENSUS_FD_NETNS;
  // nsfs: "mnt:[4026531841]", "pid_for_children:[...]", ...
  size_t colon = l.find(":[");
  if (colon != std::string_view::npos && colon > 0 && l.back() == ']') {
    bool word = true;
    for (size_t i = 0; i < colon; i++) word &= (islower((unsigned char)l[i]) || l[i] == '_');
    if (word) return CENSUS_FD_NSFS_OTHER;
  }
  return CENSUS_FD_OTHER;
}

int fd_kind_from_magic(unsigned long magic) {
  switch (magic) {
    case SOCKFS_MAGIC: return CENSUS_FD_SOCKET;
    case PIPEFS_MAGIC: return CENSUS_FD_PIPE;
    case 0x50494446 /* PIDFS_MAGIC, 6.9+ */: return CENSUS_FD_PIDFD;
    case ANON_INODE_FS_MAGIC: return kCensusFdAnon;
    case NSFS_MAGIC: return kCensusFdNsfs;
  }
  return -1;
}

int classify_proc_fd(pid_t pid, const char* fd, std::string_view link) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/fd/%s", pid, fd);
  struct statfs sf;
  if (statfs(path, &sf) != 0) {
    if (errno == ENOENT) return -1;
    int k = fd_kind_from_link(link);  // not allowed to follow it: the text is all we have
    return k >= 0 ? k : CENSUS_FD_OTHER;
  }
  int kind = fd_kind_from_magic((unsigned long)sf.f_type);
  if (kind == kCensusFdAnon) {
    kind = fd_kind_from_link(link);
    return kind >= 0 && kind != CENSUS_FD_OTHER ? kind : CENSUS_FD_ANON_OTHER;
  }
  if (kind == kCensusFdNsfs) {
    if (starts_with(link, "net:[")) return CENSUS_FD_NETNS;
    if (!link.empty() && link[0] != '/') return CENSUS_FD_NSFS_OTHER;
    // A path: an nsfs file bind-mounted somewhere (ip netns add). Ask the namespace its type.
    int nfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nfd < 0) return errno == ENOENT ? -1 : CENSUS_FD_NSFS_OTHER;
    int type = ioctl(nfd, NS_GET_NSTYPE);
    close(nfd);
    return type == CLONE_NEWNET ? CENSUS_FD_NETNS : CENSUS_FD_NSFS_OTHER;
  }
  if (kind >= 0) return kind;
  struct stat st;
  if (stat(path, &st) != 0) return errno == ENOENT ? -1 : CENSUS_FD_OTHER;
  return census_fd_kind_of_mode(st.st_mode);
}

}  // namespace lg
