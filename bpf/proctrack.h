// SPDX-License-Identifier: GPL-2.0-only OR MIT
/* proctrack.h: the maps bpf/proctrack.bpf.c keeps and harness/census/proctrack.cc reads, shared
 * with bpf/census.bpf.c, which counts every tracked process as the target's too. Plain C with
 * __u32/__u64. */
#ifndef LEAKGUARD_BPF_PROCTRACK_H
#define LEAKGUARD_BPF_PROCTRACK_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define PROCTRACK_MAX_PROCS 32768 /* processes of one target alive at once */
#define PROCTRACK_MAX_ESCAPES 64  /* escapes recorded (the first ones) */
#define PROCTRACK_PATH_LEN 128

/* lgc_tracked: tgid -> this, from the fork that made the process (or the seed) to its exit. */
struct proctrack_proc {
  __u32 parent; /* tgid of the process that forked it (0: seeded) */
  __u32 pad;
  __u64 start_ns; /* task start_time (CLOCK_MONOTONIC ns), against pid reuse */
};

/* lgc_escapes: tgid -> the first time that process was seen outside the target's cgroup. */
struct proctrack_escape {
  __u64 time_ns; /* bpf_ktime_get_ns() */
  __u32 tgid;
  __u32 born_outside; /* 1: forked straight into another cgroup (clone3 CLONE_INTO_CGROUP) */
  char comm[16];
  char cgroup[PROCTRACK_PATH_LEN]; /* where it went, relative to the cgroup v2 root */
};

/* lgc_trk_cfg[0]: set by user space before the programs are attached. */
struct proctrack_cfg {
  __u64 target_cgid;  /* the target's cgroup v2 id (0: no cgroup, fork tracking only) */
  __u32 target_level; /* its depth below the root */
  __u32 pad;
  __u64 lost; /* forks not tracked because lgc_tracked was full */
};

#ifdef __VMLINUX_H__
/* lgc_tracked, declared alike by proctrack.bpf.c and census.bpf.c: the census takes the tracker's
 * map over (bpf_map__reuse_fd), so both must agree on it. */
struct proctrack_tracked_map {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, PROCTRACK_MAX_PROCS);
  __type(key, __u32);
  __type(value, struct proctrack_proc);
};
#endif

#endif
