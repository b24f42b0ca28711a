// SPDX-License-Identifier: GPL-2.0-only OR MIT
/* attrib.h: the records of the attribution tracker, shared by bpf/attrib.bpf.c (which writes
 * them) and harness/attrib/ (which loads the tracker, fills its unwind tables and reads them).
 * Plain C with __u32/__u64 so both sides see the same layout. */
#ifndef LEAKGUARD_BPF_ATTRIB_H
#define LEAKGUARD_BPF_ATTRIB_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define LGA_MAX_FRAMES 32
#define LGA_DETAIL_LEN 64
#define LGA_PIN_LEN 128
#define LGA_ROWS (1 << 20)      /* unwind rows, all modules together */
#define LGA_ROW_SEARCH_STEPS 21 /* log2(LGA_ROWS) + 1 */

/* A frame is (module id << 40) | file offset; module id 0: not file-backed, the value is
 * then the address itself (anonymous code: JIT, vdso). */
#define LGA_FRAME_OFF_BITS 40
#define LGA_FRAME_OFF_MASK ((1ULL << LGA_FRAME_OFF_BITS) - 1)

/* How the tracker decides which tasks are the target. */
enum lga_target_mode {
  LGA_TARGET_CGROUP = 1, /* the current task is in the cgroup v2 target_cgid or below */
  LGA_TARGET_TREE = 2,   /* the tgid is in lga_tracked (the root added by user space, children on fork) */
};

/* One unwind rule, valid from `off` (file offset in the module) to the next row.
 * CFA = reg + cfa_off; the return address is at CFA - 8 (x86-64); rbp was saved at
 * CFA + 8 * rbp_off8 when rbp_off8 != 0, else it is unchanged. */
enum lga_cfa_reg {
  LGA_CFA_NONE = 0, /* no rule here: fall back to frame pointers */
  LGA_CFA_SP = 1,
  LGA_CFA_BP = 2,
  LGA_CFA_PLT = 3, /* PLT stubs: CFA = sp + 8 + 8 * ((pc & 15) >= 11) */
  LGA_CFA_END = 4, /* outermost frame (return address undefined): stop */
};
struct lga_row {
  __u32 off;
  __s16 cfa_off;
  __u8 cfa_reg;
  __s8 rbp_off8;
};

/* Module state in lga_mods. */
enum lga_mod_state {
  LGA_MOD_PENDING = 0, /* asked user space for its rules; frame pointers meanwhile */
  LGA_MOD_READY = 1,   /* rows [first, first + count) of lga_rows */
  LGA_MOD_NONE = 2,    /* no rules (no .eh_frame, unreadable): frame pointers */
};
struct lga_mod_key {
  __u64 dev; /* kernel dev_t of the file's superblock */
  __u64 ino;
};
struct lga_mod {
  __u32 id;
  __u32 state;
  __u32 first;
  __u32 count;
};

/* Ring buffer: a module seen for the first time. User space opens
 * /proc/<pid>/map_files/<start>-<end>, builds its rows and sets the state. */
struct lga_mod_request {
  __u32 id;
  __s32 pid;
  __u64 dev, ino;
  __u64 start, end, pgoff;
};

/* What created an object: the syscall number and a few arguments, for the site's example. */
struct lga_origin {
  __u32 nr;                    /* syscall number (x86-64); LGA_NR_FORK for sched_process_fork */
  __u32 kind;                  /* enum census_fd_kind of the fd, or LGA_OBJ_* */
  __u64 arg0;                  /* socket: family; bpf: command; unshare/clone: flags */
  __u64 arg1;                  /* socket: type; bpf map: type */
  __u64 arg2;                  /* bpf map: max_entries */
  char detail[LGA_DETAIL_LEN]; /* path of open*, name of a BPF object, comm of a child */
};
#define LGA_NR_FORK 100000

/* A stack, stored once under a 64-bit hash of its frames (lga_stacks); the origin is the
 * first object created there (one example per stack). */
struct lga_stack {
  __u32 n;
  __u32 pad;
  struct lga_origin origin;
  __u64 frames[LGA_MAX_FRAMES];
};

/* lga_fds: (tgid, fd) -> the file created there. Deleted on close(); stale ones (exec,
 * exit, close_range) are purged by user space after a join. */
struct lga_fd_key {
  __u32 tgid;
  __s32 fd;
};
struct lga_fd {
  __u64 file; /* struct file *: joins with the task_file iterator */
  __u64 stack;
  __u64 ts; /* bpf_ktime_get_ns() */
};

/* lga_objs: (kind, id) -> BPF object created by the target. kind is CENSUS_FD_BPF_MAP,
 * _PROG or _LINK. */
struct lga_obj_key {
  __u32 kind;
  __u32 id;
};
struct lga_obj {
  __u64 stack;
  __u64 ts;
  __u32 tgid;
  __u32 type;
  __u32 max_entries;
  __u32 seen; /* generation of the last iterator read that saw it alive */
  char name[16];
};

/* lga_pins: sequence number -> BPF_OBJ_PIN by the target. */
struct lga_pin {
  __u64 stack;
  __u64 ts;
  __u32 tgid;
  __u32 kind; /* CENSUS_FD_BPF_* of the pinned fd */
  __u32 id;
  __u32 pad;
  char path[LGA_PIN_LEN];
};

/* lga_netns: net_cookie -> network namespace created by the target (unshare, clone). */
struct lga_netns {
  __u64 stack;
  __u64 ts;
  __u32 tgid;
  __u32 inum;
  __u32 seen; /* generation of the last walk of the net list that found it */
  __u32 pad;
};

/* lga_kids: pid -> a child process the target forked. */
struct lga_kid {
  __u64 stack;
  __u64 ts;
  __u64 start_time; /* task->start_time: tells a reused pid apart */
  __u32 ppid;
  __u32 pad;
};

/* iter/task_file: one per fd of the target. */
struct lga_file_rec {
  __u32 tgid;
  __s32 fd;
  __u64 file;
  __u32 kind;
  __u32 id;     /* BPF object id for map/prog/link fds */
  __u64 cookie; /* net_cookie for netns fds */
};

/* iter/task: one per zombie child of the target, then one lga_task_end. */
struct lga_zombie_rec {
  __u32 pid;
  __u32 ppid;
  __u64 start_time;
  char comm[16];
  char parent_comm[16];
};
#define LGA_TASK_END_MAGIC 0x6c67617au /* "lgaz" */
struct lga_task_end {
  __u32 magic;
  __u32 netns_ok; /* the walk of the net list came back to its start */
};

/* iter/bpf_map, bpf_prog, bpf_link: one per object alive. */
struct lga_live_obj {
  __u32 kind;
  __u32 id;
  __u32 type;
  __u32 max_entries;
  __u64 entries; /* maps: elements (hash kinds), n_entries (LPM), max_entries (arrays) */
  char name[16];
};

/* Counters, in .bss. */
struct lga_counters {
  __u64 events;      /* objects recorded */
  __u64 lost_fds;    /* lga_fds full */
  __u64 lost_stacks; /* lga_stacks full */
  __u64 lost_objs;   /* lga_objs, lga_pins, lga_netns, lga_kids full */
  __u64 lost_mods;   /* ring buffer full: a module was not asked for */
  __u64 vma_misses;  /* bpf_find_vma found nothing or failed */
  __u64 truncated;   /* stacks cut at LGA_MAX_FRAMES */
};

#endif
