// SPDX-License-Identifier: GPL-2.0-only OR MIT
/* fd_kinds.h: the kinds of file descriptor the census tells apart, declared once for the BPF
 * programs (enum census_fd_kind in census.h, the anonymous-inode names in census.bpf.c) and
 * user space (the fd.<name> metrics of harness/base/metrics.h, the procfs classification).
 *
 * LG_FD_KINDS(F, X) calls F(X, ID, name, anon, description) for each kind, in metric order:
 *   ID           CENSUS_FD_<ID> in BPF and C
 *   name         the metric is fd.<name>
 *   anon         the anonymous-inode name (dentry name, "anon_inode:<anon>" in /proc/PID/fd)
 *                of kinds that are anonymous inodes, "" for the others
 *   description  one line for docs/metrics.md and `leakguard list metrics`
 * X is passed through untouched, so a list of metrics can nest this list (see metrics.h).
 * Add a kind: one line here (before ANON_OTHER and OTHER, which catch the rest), its row in
 * docs/metrics.md, and, when it is not an anonymous inode, its test in classify() of
 * census.bpf.c and in fd_kind_from_link()/fd_kind_from_mode() of harness/census. */
#ifndef LEAKGUARD_BPF_FD_KINDS_H
#define LEAKGUARD_BPF_FD_KINDS_H

/* clang-format off */
#define LG_FD_KINDS(F, X)                                                                       \
  F(X, FILE, file, "", "regular files")                                                         \
  F(X, DIR, dir, "", "directories")                                                             \
  F(X, SOCKET, socket, "", "sockets of any family")                                             \
  F(X, PIPE, pipe, "", "pipes and FIFOs")                                                       \
  F(X, CHR, chr, "", "character devices")                                                       \
  F(X, NETNS, netns, "", "network namespace fds (nsfs, CLONE_NEWNET)")                          \
  F(X, NSFS_OTHER, nsfs_other, "", "namespace fds of other kinds (mnt, pid, uts, ...)")         \
  F(X, BPF_MAP, bpf_map, "bpf-map", "BPF map fds")                                              \
  F(X, BPF_PROG, bpf_prog, "bpf-prog", "BPF program fds")                                       \
  F(X, BPF_LINK, bpf_link, "bpf_link", "BPF link fds")                                          \
  F(X, PERF_EVENT, perf_event, "[perf_event]", "perf_event fds")                                \
  F(X, EVENTFD, eventfd, "[eventfd]", "eventfds")                                               \
  F(X, EPOLL, epoll, "[eventpoll]", "epoll instances")                                          \
  F(X, TIMERFD, timerfd, "[timerfd]", "timerfds")                                               \
  F(X, SIGNALFD, signalfd, "[signalfd]", "signalfds")                                           \
  F(X, PIDFD, pidfd, "[pidfd]", "pidfds")                                                       \
  F(X, ANON_OTHER, anon_other, "", "other anonymous-inode fds (io_uring, userfaultfd, ...)")    \
  F(X, OTHER, other, "", "fds of any other kind (block devices, sockets of odd fs, ...)")
/* clang-format on */

#endif
