// SPDX-License-Identifier: GPL-2.0-only OR MIT
/* census.h: the binary records bpf/census.bpf.c writes with bpf_seq_write and
 * harness/census/census_bpf.cc reads. Shared by both sides, so plain C with __u32/__u64. */
#ifndef LEAKGUARD_BPF_CENSUS_H
#define LEAKGUARD_BPF_CENSUS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#include "fd_kinds.h"

/* fd kinds, in the order of the fd.* metrics of the catalogue after fd.total (fd_kinds.h). */
#define CENSUS_FD_KIND_ENUM(X, ID, name, anon, doc) CENSUS_FD_##ID,
enum census_fd_kind {
  LG_FD_KINDS(CENSUS_FD_KIND_ENUM, _) CENSUS_FD_KINDS,
};

/* The kind of an fd by the file type of its inode (i_mode & S_IFMT): fds that are neither
 * anonymous inodes, nsfs nor pidfs. Both census.bpf.c and the procfs census use it. */
static inline __attribute__((always_inline)) __u32 census_fd_kind_of_mode(__u32 mode) {
  switch (mode & 0170000) {
    case 0100000: return CENSUS_FD_FILE;   /* S_IFREG */
    case 0040000: return CENSUS_FD_DIR;    /* S_IFDIR */
    case 0140000: return CENSUS_FD_SOCKET; /* S_IFSOCK */
    case 0010000: return CENSUS_FD_PIPE;   /* S_IFIFO */
    case 0020000: return CENSUS_FD_CHR;    /* S_IFCHR */
  }
  return CENSUS_FD_OTHER;
}

/* How the BPF side decides which tasks are the target (census_bpf.cc sets it before load). */
enum census_target_mode {
  CENSUS_TARGET_NONE,   /* system scope: no target */
  CENSUS_TARGET_PID,    /* tgid == target_pid (task_file is also restricted by link_info) */
  CENSUS_TARGET_CGROUP, /* in the cgroup v2 target_cgid or below it */
  CENSUS_TARGET_TREE,   /* target_pid or one of its descendants */
};

/* iter/task_file: one census_obj per BPF map/prog/link fd of the target (ids are deduplicated
 * in user space), then one census_fd_sum at the end of the stream. */
struct census_obj {
  __u32 kind; /* CENSUS_FD_BPF_MAP, _PROG or _LINK */
  __u32 id;
  __s32 tgid;
  __s32 fd;
};

#define CENSUS_FD_SUM_MAGIC 0x6c676664u /* "lgfd" */
struct census_fd_sum {
  __u32 magic;
  __u32 pad;
  __u64 kinds[CENSUS_FD_KINDS];
};

/* iter/task: one census_task_sum at the end of the stream. The fd kinds come from walking
 * each target process's fd table (open_fds bitmap) with bpf_loop: about 4x cheaper per fd than
 * iter/task_file, which is read only when the walk found BPF fds (for their ids). */
#define CENSUS_TASK_SUM_MAGIC 0x6c677473u /* "lgts" */
struct census_task_sum {
  __u32 magic;
  __u32 netns_ok; /* 1 when the net list walk came back to its start */
  __u64 tasks;    /* every task visited */
  __u64 zombies;  /* zombie thread-group leaders */
  __u64 t_processes, t_threads, t_zombies;
  __u64 t_rss_pages;
  __u64 t_cpu_ns;               /* CPU time of the target's processes: live threads and the exited ones */
  __u64 netns;                  /* live network namespaces (net list length) */
  __u64 kinds[CENSUS_FD_KINDS]; /* fds of the target by kind */
  __u64 dstate, t_dstate;       /* tasks in D state (as ps shows them), all and the target's */
  /* The target's fd table fullest against its soft RLIMIT_NOFILE: its fds and that limit. */
  __u64 t_limit_fds, t_limit_nofile;
  __u64 t_limit_ppb;   /* their ratio in parts per billion, to compare tables */
  __s64 dying_cgroups; /* nr_dying_descendants of the cgroup v2 root; -1 unreadable */
};

/* iter/bpf_map: one per map. entries_kind says how entries was obtained. */
enum census_entries_kind {
  CENSUS_ENTRIES_NONE,  /* no element counter for this map type: entries is 0 */
  CENSUS_ENTRIES_KFUNC, /* bpf_map_sum_elem_count */
  CENSUS_ENTRIES_LPM,   /* lpm_trie n_entries */
  CENSUS_ENTRIES_MAX,   /* array kinds: max_entries */
};
struct census_map {
  __u32 id;
  __u32 type;
  __u32 max_entries;
  __u32 entries_kind;
  __u64 entries;
  char name[16];
};

/* iter/bpf_prog: one per program. */
struct census_prog {
  __u32 id;
  __u32 pad;
  char name[16];
};

/* iter/bpf_link: one per link, with the name of its program (to recognise leakguard's own). */
struct census_link {
  __u32 id;
  __u32 prog_id;
  char prog_name[16];
};

/* iter/task, program lgc_ghost (read on demand, not per sample): one census_ghost per task
 * behind proc.dstate, sys.dstate and proc.zombies, with a kernel stack from bpf_get_task_stack:
 * a task in D state (its own stack), a zombie child of the target (its parent's stack: where
 * the parent is instead of reaping), or the vfork child a D-state task waits for (its own
 * stack: why it has not exec'd). Which ones is ghost_system in .bss, set before a read. */
#define CENSUS_GHOST_DEPTH 32
enum census_ghost_kind {
  CENSUS_GHOST_DSTATE,
  CENSUS_GHOST_ZOMBIE,
  CENSUS_GHOST_VFORK_CHILD,
};
#define CENSUS_GHOST_TARGET 1u /* the task is the target's (a zombie: its parent is) */
struct census_ghost {
  __u32 kind;  /* enum census_ghost_kind */
  __u32 flags; /* CENSUS_GHOST_* */
  __s32 tid, tgid;
  __s32 ppid;       /* tgid of the real parent */
  __s32 exit_code;  /* zombies: the status the parent would get from wait */
  __s32 nframes;    /* frames in stack; negative: bpf_get_task_stack's error */
  __s32 parent_tid; /* the real parent thread (a vfork child's waits for it) */
  char comm[16];    /* the task's */
  char pcomm[16];   /* its process's (thread-group leader's) */
  char parent_comm[16];
  __u64 stack[CENSUS_GHOST_DEPTH]; /* kernel return addresses, innermost first */
};

/* iter/kmem_cache: one per cache named in the slab_names map. */
#define CENSUS_SLAB_NAME_LEN 32
struct census_slab {
  __u32 index; /* value of slab_names[name] */
  __u32 pad;
  __u64 active; /* total objects minus free slots of partial slabs, as /proc/slabinfo */
  __u64 total;
};

#endif
