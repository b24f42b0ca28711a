// SPDX-License-Identifier: GPL-2.0-only
// census.bpf.c: the BPF census. Six iterators, read by harness/census/census_bpf.cc once per
// sample; they write the compact records of census.h with bpf_seq_write. Counters are
// accumulated in .bss during one read and written once at the end of the stream (the
// iterator calls each program a last time with a NULL object).
// The target's fds are counted by iter/task walking each target process's fd table with
// bpf_loop (no per-fd iterator step, file reference or program call: ~4x cheaper than
// iter/task_file on a 10,000-fd target). iter/task_file, restricted to the pid, is read only
// when that walk saw BPF fds, for the ids of the objects behind them.
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "census.h"
#include "lg_common.bpf.h"
#include "proctrack.h"

char LICENSE[] SEC("license") = "GPL";

// bpftool 7.1's vmlinux.h has no kfunc prototypes.

#define EXIT_ZOMBIE 0x20
#define RLIMIT_NOFILE 7
// Task states (include/linux/sched.h), for the state letter ps shows.
#define TASK_UNINTERRUPTIBLE 0x2
#define TASK_REPORT 0x7f  // running .. parked: the bits fs/proc reports
#define TASK_NOLOAD 0x400
#define TASK_IDLE (TASK_UNINTERRUPTIBLE | TASK_NOLOAD)
#define TASK_RTLOCK_WAIT 0x1000
#define TASK_FROZEN 0x8000

// Set by user space before load.
const volatile __u32 target_mode = CENSUS_TARGET_NONE;
const volatile __s32 target_pid = 0;
const volatile __u64 target_cgid = 0;
const volatile __u32 target_level = 0;  // depth of the target cgroup below the root
const volatile __u32 nr_nodes = 1;      // NUMA node ids, for the slab walk
const volatile __u32 want_netns = 1;
const volatile __u32 use_tracked = 0;  // lgc_tracked holds processes of the target too

// Accumulators of the read in progress (reset when seq_num is 0).
struct census_fd_sum fd_acc = {};
struct census_task_sum task_acc = {};
__u64 cached_task = 0;
__u32 cached_in = 0;

// lgc_ghost: set by user space before each read (1: D-state tasks outside the target too).
__u32 ghost_system = 0;
struct census_ghost ghost_rec = {};

// Slab caches to report: name -> index in the user's list.
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __type(key, char[CENSUS_SLAB_NAME_LEN]);
  __type(value, __u32);
} lgc_slab_names SEC(".maps");

// The target's processes followed by fork (bpf/proctrack.bpf.c shares its map with us; without a
// tracker user space fills it, or it stays empty).
struct proctrack_tracked_map lgc_tracked SEC(".maps");

static __always_inline bool cgroup_in_target(struct cgroup *cg) { return cgroup_under(cg, target_level, target_cgid); }

// Kernels before 5.14 call the state field `state`.
struct task_struct___old {
  long state;
};

static __always_inline __u32 task_state(struct task_struct *t) {
  if (bpf_core_field_exists(t->__state)) return BPF_CORE_READ(t, __state);
  return (__u32)BPF_CORE_READ((struct task_struct___old *)t, state);
}

// What ps shows as D (__task_state_index of the kernel): RT-lock waits and frozen tasks;
// otherwise uninterruptible sleep, but not TASK_IDLE (idle kernel threads, shown as I) and
// not stopped, traced or parked (the highest report bit wins). Live tasks only.
static __always_inline bool in_dstate(__u32 st) {
  if (st & (TASK_RTLOCK_WAIT | TASK_FROZEN)) return true;
  if ((st & TASK_IDLE) == TASK_IDLE) return false;
  st &= TASK_REPORT;
  return (st & TASK_UNINTERRUPTIBLE) && !(st & ~(__u32)(TASK_UNINTERRUPTIBLE | 1));
}

static __always_inline bool in_target(struct task_struct *t) {
  if (!t) return false;
  if (target_mode == CENSUS_TARGET_PID) return BPF_CORE_READ(t, tgid) == target_pid;
  if (use_tracked) {
    __u32 tgid = BPF_CORE_READ(t, tgid);
    if (bpf_map_lookup_elem(&lgc_tracked, &tgid)) return true;
  }
  if (target_mode == CENSUS_TARGET_CGROUP) return cgroup_in_target(BPF_CORE_READ(t, cgroups, dfl_cgrp));
  if (target_mode == CENSUS_TARGET_TREE) {
    struct task_struct *p = t;
    for (int i = 0; i < 64 && p; i++) {
      int tgid = BPF_CORE_READ(p, tgid);
      if (tgid == target_pid) return true;
      if (tgid <= 1) return false;
      p = BPF_CORE_READ(p, real_parent);
    }
  }
  return false;
}

SEC("iter/task_file")
int lgc_file(struct bpf_iter__task_file *ctx) {
  struct seq_file *seq = ctx->meta->seq;
  struct task_struct *task = ctx->task;
  struct file *file = ctx->file;
  if (ctx->meta->seq_num == 0) {
    __builtin_memset(&fd_acc, 0, sizeof fd_acc);
    cached_task = 0;
  }
  if (!task) {  // end of the stream
    fd_acc.magic = CENSUS_FD_SUM_MAGIC;
    bpf_seq_write(seq, &fd_acc, sizeof fd_acc);
    return 0;
  }
  if (!file) return 0;
  if (cached_task != (__u64)task) {
    cached_task = (__u64)task;
    cached_in = in_target(task);
  }
  if (!cached_in) return 0;
  __u32 id = 0;
  __u32 kind = classify(file, &id);
  if (kind == CENSUS_FD_BPF_MAP || kind == CENSUS_FD_BPF_PROG || kind == CENSUS_FD_BPF_LINK) {
    struct census_obj o = {.kind = kind, .id = id, .tgid = task->tgid, .fd = ctx->fd};
    // Count only once the record is out: an overflowing element is shown again next read.
    if (bpf_seq_write(seq, &o, sizeof o)) return 0;
  }
  if (kind < CENSUS_FD_KINDS) fd_acc.kinds[kind]++;
  return 0;
}

// The central count of an RSS percpu_counter. Exact sums need each CPU's delta, which needs
// __per_cpu_offset or a per-CPU ksym; neither resolves on these kernels (KALLSYMS_ALL off), so
// the value may lag VmRSS by up to the counter batch (32 pages) per CPU and counter.
static __always_inline __s64 pcpu_sum(struct percpu_counter *fbc) {
  __s64 v = BPF_CORE_READ(fbc, count);
  return v > 0 ? v : 0;
}

static __always_inline __u64 rss_pages(struct task_struct *t) {
  struct mm_struct *mm = BPF_CORE_READ(t, mm);
  if (!mm) return 0;
  // MM_FILEPAGES, MM_ANONPAGES, MM_SHMEMPAGES (not MM_SWAPENTS)
  return pcpu_sum(&mm->rss_stat[0]) + pcpu_sum(&mm->rss_stat[1]) + pcpu_sum(&mm->rss_stat[3]);
}

struct fd_walk {
  __u64 fd;    // struct file ** of the fd table
  __u64 open;  // its open_fds bitmap
  __u64 word;  // the bitmap word of the current 64 slots
  __u64 n;     // fds counted in this table
};

static long fd_step(__u32 i, void *data) {
  struct fd_walk *w = data;
  if ((i & 63) == 0) {
    w->word = 0;
    bpf_probe_read_kernel(&w->word, sizeof w->word, (void *)(w->open + (i >> 6) * 8));
  }
  if (!(w->word & (1ULL << (i & 63)))) return 0;
  struct file *fp = NULL;
  bpf_probe_read_kernel(&fp, sizeof fp, (void *)(w->fd + (__u64)i * 8));
  if (!fp) return 0;  // reserved slot, not installed yet
  // A BTF-typed (untrusted) view of the file: plain, fault-safe loads from here on.
  struct file *file = bpf_rdonly_cast(fp, bpf_core_type_id_kernel(struct file));
  __u32 id = 0;
  __u32 kind = classify(file, &id);
  if (kind < CENSUS_FD_KINDS) task_acc.kinds[kind]++;
  w->n++;
  return 0;
}

// Counts the fds of one fd table. Runs under the iterator's RCU read lock, like the kernel's
// own lockless fd lookups; an fd opened or closed meanwhile is counted or not.
static __always_inline void walk_fds(struct task_struct *t) {
  struct files_struct *files = t->files;
  if (!files) return;
  struct fdtable *fdt = files->fdt;
  struct fd_walk w = {};
  w.fd = (__u64)fdt->fd;
  w.open = (__u64)fdt->open_fds;
  __u32 max = fdt->max_fds;
  bpf_loop(max < (1 << 23) ? max : (1 << 23), fd_step, &w, 0);
  // How full the table is against the soft limit the kernel checks in alloc_fd (the fd
  // numbers must stay below it, so it is full when every number below it is taken).
  __u64 nofile = BPF_CORE_READ(t, signal, rlim[RLIMIT_NOFILE].rlim_cur);
  __u64 ppb = w.n * 1000000000ULL / (nofile ? nofile : 1);
  if (ppb > task_acc.t_limit_ppb || !task_acc.t_limit_nofile) {
    task_acc.t_limit_ppb = ppb;
    task_acc.t_limit_fds = w.n;
    task_acc.t_limit_nofile = nofile;
  }
}

static long net_step(__u32 i, void *data) { return net_walk_step(data); }

SEC("iter/task")
int lgc_task(struct bpf_iter__task *ctx) {
  struct seq_file *seq = ctx->meta->seq;
  struct task_struct *task = ctx->task;
  if (ctx->meta->seq_num == 0) __builtin_memset(&task_acc, 0, sizeof task_acc);
  if (!task) {
    if (want_netns) {
      // Every live netns: the nodes of the list but its global head.
      struct net_walk w = {};
      if (net_walk_start(&w)) {
        bpf_loop(1 << 20, net_step, &w, 0);
        task_acc.netns_ok = w.done;
        task_acc.netns = w.done ? w.steps - 1 : 0;
      }
      // Removed cgroups not yet freed, as the root's cgroup.stat shows them; read from the
      // default hierarchy's root, so it needs no cgroup2 mount.
      struct task_struct *me = bpf_get_current_task_btf();
      struct cgroup *root = BPF_CORE_READ(me, cgroups, dfl_cgrp);
      task_acc.dying_cgroups = -1;
      if (root) task_acc.dying_cgroups = BPF_CORE_READ(root, root, cgrp.nr_dying_descendants);
    }
    task_acc.magic = CENSUS_TASK_SUM_MAGIC;
    bpf_seq_write(seq, &task_acc, sizeof task_acc);
    return 0;
  }
  task_acc.tasks++;
  int exit_state = task->exit_state;
  bool leader = task->group_leader == task;
  // A leader whose other threads still run is not a zombie yet (signal->live > 0).
  bool zombie = leader && (exit_state & EXIT_ZOMBIE) && BPF_CORE_READ(task, signal, live.counter) == 0;
  if (zombie) task_acc.zombies++;
  bool dstate = !exit_state && in_dstate(task_state(task));
  if (dstate) task_acc.dstate++;
  if (target_mode == CENSUS_TARGET_NONE) return 0;
  if (zombie) {
    if (in_target(task->real_parent)) task_acc.t_zombies++;
  } else if (!exit_state && in_target(task)) {
    task_acc.t_threads++;
    // CPU: each live thread's own runtime, and per process what its exited threads used.
    task_acc.t_cpu_ns += BPF_CORE_READ(task, se.sum_exec_runtime);
    if (dstate) task_acc.t_dstate++;
    if (leader) {
      task_acc.t_processes++;
      task_acc.t_rss_pages += rss_pages(task);
      task_acc.t_cpu_ns += BPF_CORE_READ(task, signal, sum_sched_runtime);
    }
    // Each fd table once: the leader's, and a thread's own only if it unshared it.
    if (leader || task->files != task->group_leader->files) walk_fds(task);
  }
  return 0;
}

// The tasks behind proc.dstate, sys.dstate and proc.zombies (and the vfork children stuck
// tasks wait for), one census_ghost each with a kernel stack. Read only when a diagnosis needs
// them, never per sample.
SEC("iter/task")
int lgc_ghost(struct bpf_iter__task *ctx) {
  struct task_struct *task = ctx->task;
  if (!task) return 0;
  struct census_ghost *r = &ghost_rec;
  int exit_state = task->exit_state;
  struct task_struct *parent = task->real_parent;
  struct task_struct *whose = task;  // the task whose stack is taken
  __u32 flags = 0;
  __u32 kind;
  if (exit_state) {
    bool zombie =
        task->group_leader == task && (exit_state & EXIT_ZOMBIE) && BPF_CORE_READ(task, signal, live.counter) == 0;
    if (!zombie || target_mode == CENSUS_TARGET_NONE || !in_target(parent)) return 0;
    kind = CENSUS_GHOST_ZOMBIE;
    flags = CENSUS_GHOST_TARGET;
    // Where the parent is instead of reaping: its main thread.
    if (!parent) return 0;
    whose = parent->group_leader;
    if (!whose) return 0;
  } else if (in_dstate(task_state(task))) {
    kind = CENSUS_GHOST_DSTATE;
    if (target_mode != CENSUS_TARGET_NONE && in_target(task)) flags = CENSUS_GHOST_TARGET;
    if (!flags && !ghost_system) return 0;
  } else {
    // A vfork-style child (CLONE_VFORK) that has not exec'd or exited, whose parent waits for
    // it in D state: where the child is says why the parent cannot go on.
    if (!task->vfork_done || !parent || !in_dstate(task_state(parent))) return 0;
    kind = CENSUS_GHOST_VFORK_CHILD;
    if (target_mode != CENSUS_TARGET_NONE && in_target(parent)) flags = CENSUS_GHOST_TARGET;
    if (!flags && !ghost_system) return 0;
  }
  r->kind = kind;
  r->flags = flags;
  r->tid = task->pid;
  r->tgid = task->tgid;
  r->ppid = parent ? BPF_CORE_READ(parent, tgid) : 0;
  r->parent_tid = parent ? BPF_CORE_READ(parent, pid) : 0;
  r->exit_code = task->exit_code;
  bpf_probe_read_kernel_str(r->comm, sizeof r->comm, task->comm);
  bpf_probe_read_kernel_str(r->pcomm, sizeof r->pcomm, BPF_CORE_READ(task, group_leader, comm));
  __builtin_memset(r->parent_comm, 0, sizeof r->parent_comm);
  if (parent)
    bpf_probe_read_kernel_str(r->parent_comm, sizeof r->parent_comm, BPF_CORE_READ(parent, group_leader, comm));
  long n = bpf_get_task_stack(whose, r->stack, sizeof r->stack, 0);
  r->nframes = n < 0 ? (__s32)n : (__s32)(n / sizeof(__u64));
  bpf_seq_write(ctx->meta->seq, r, sizeof *r);
  return 0;
}

SEC("iter/bpf_map")
int lgc_map(struct bpf_iter__bpf_map *ctx) {
  struct bpf_map *map = ctx->map;
  if (!map) return 0;
  struct census_map r = {};
  r.id = map->id;
  r.type = map->map_type;
  r.max_entries = map->max_entries;
  r.entries = map_entries(map, &r.entries_kind);
  bpf_probe_read_kernel(r.name, sizeof r.name, map->name);
  bpf_seq_write(ctx->meta->seq, &r, sizeof r);
  return 0;
}

SEC("iter/bpf_prog")
int lgc_prog(struct bpf_iter__bpf_prog *ctx) {
  struct bpf_prog *prog = ctx->prog;
  if (!prog) return 0;
  struct census_prog r = {};
  r.id = prog_id_name(prog, r.name);
  bpf_seq_write(ctx->meta->seq, &r, sizeof r);
  return 0;
}

SEC("iter/bpf_link")
int lgc_link(struct bpf_iter__bpf_link *ctx) {
  struct bpf_link *link = ctx->link;
  if (!link) return 0;
  struct census_link r = {};
  r.id = BPF_CORE_READ(link, id);
  struct bpf_prog *prog = BPF_CORE_READ(link, prog);
  if (prog) r.prog_id = prog_id_name(prog, r.prog_name);
  bpf_seq_write(ctx->meta->seq, &r, sizeof r);
  return 0;
}

struct partial_walk {
  __u64 head;
  __u64 cur;
  __u64 free;
};

static long partial_step(__u32 i, void *data) {
  struct partial_walk *w = data;
  if (!w->cur || w->cur == w->head) return 1;
  struct slab *s = (struct slab *)(w->cur - bpf_core_field_offset(struct slab, slab_list));
  __u64 objects = BPF_CORE_READ_BITFIELD_PROBED(s, objects);
  __u64 inuse = BPF_CORE_READ_BITFIELD_PROBED(s, inuse);
  if (objects > inuse) w->free += objects - inuse;
  struct list_head *p = (struct list_head *)w->cur;
  w->cur = (__u64)BPF_CORE_READ(p, next);
  return 0;
}

SEC("iter/kmem_cache")
int lgc_slab(struct bpf_iter__kmem_cache *ctx) {
  struct kmem_cache *s = ctx->s;
  if (!s) return 0;
  char key[CENSUS_SLAB_NAME_LEN] = {};
  bpf_probe_read_kernel_str(key, sizeof key, BPF_CORE_READ(s, name));
  __u32 *idx = bpf_map_lookup_elem(&lgc_slab_names, key);
  if (!idx) return 0;
  struct census_slab r = {.index = *idx};
  __u64 free = 0;
  for (__u32 n = 0; n < 64 && n < nr_nodes; n++) {
    struct kmem_cache_node *node = NULL;
    void *slot = (void *)s + bpf_core_field_offset(struct kmem_cache, node) + n * sizeof(void *);
    bpf_probe_read_kernel(&node, sizeof node, slot);
    if (!node) continue;
    r.total += BPF_CORE_READ(node, total_objects.counter);
    struct partial_walk w = {};
    w.head = (__u64)node + bpf_core_field_offset(struct kmem_cache_node, partial);
    struct list_head *h = (struct list_head *)w.head;
    w.cur = (__u64)BPF_CORE_READ(h, next);
    // Bounded: nr_partial plus slack, in case the list moves under us.
    __u64 steps = BPF_CORE_READ(node, nr_partial) + 16;
    bpf_loop(steps < (1 << 20) ? steps : (1 << 20), partial_step, &w, 0);
    free += w.free;
  }
  r.active = r.total > free ? r.total - free : 0;
  bpf_seq_write(ctx->meta->seq, &r, sizeof r);
  return 0;
}
