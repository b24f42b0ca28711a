// SPDX-License-Identifier: MIT
#pragma once
// The kind of an fd from its /proc/PID/fd link text, as the procfs census classifies it (the
// BPF census does the same in census.bpf.c from the file itself; both take their names from
// bpf/fd_kinds.h).
#include <sys/types.h>

#include <string_view>

namespace lg {

// "socket:[123]" -> CENSUS_FD_SOCKET, "anon_inode:bpf-map" -> CENSUS_FD_BPF_MAP, ... Returns -1
// for a path ("/..."), whose kind needs stat() (census_fd_kind_of_mode of bpf/census.h).
int fd_kind_from_link(std::string_view link);

// The kind a filesystem magic (statfs f_type) decides on its own: sockfs, pipefs, pidfs;
// kCensusFdAnon for anonymous inodes (the link names the kind), kCensusFdNsfs for nsfs (the
// namespace type decides), -1 for the rest (the inode mode decides).
constexpr int kCensusFdAnon = -2, kCensusFdNsfs = -3;
int fd_kind_from_magic(unsigned long magic);
// Classifies the fd `fd` of process `pid` by what it is, as the BPF census does: its
// filesystem (statfs follows the /proc magic link to the file itself), then the anonymous
// inode's name, the namespace type (from the link "net:[...]", or NS_GET_NSTYPE on an nsfs
// file reached through a bind mount such as /run/netns/x, whose link is a path), or the
// inode mode. `link` is the readlink text. -1 when the fd closed meanwhile.
int classify_proc_fd(pid_t pid, const char* fd, std::string_view link);

}  // namespace lg
