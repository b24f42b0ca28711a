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

char LICENSE[] SEC("license") = "GPL";

// bpftool 7.1's vmlinux.h has no kfunc prototypes.
extern s64 bpf_map_sum_elem_count(const struct bpf_map *map) __ksym;
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

#define ANON_INODE_FS_MAGIC 0x09041934
#define NSFS_MAGIC 0x6e736673
#define PIDFS_MAGIC 0x50494446
#define CLONE_NEWNET 0x40000000
#define EXIT_ZOMBIE 0x20

// Set by user space before load.
const volatile __u32 target_mode = CENSUS_TARGET_NONE;
const volatile __s32 target_pid = 0;
const volatile __u64 target_cgid = 0;
const volatile __u32 target_level = 0;  // depth of the target cgroup below the root
const volatile __u32 nr_nodes = 1;      // NUMA node ids, for the slab walk
const volatile __u32 want_netns = 1;

// Accumulators of the read in progress (reset when seq_num is 0).
struct census_fd_sum fd_acc = {};
struct census_task_sum task_acc = {};
__u64 cached_task = 0;
__u32 cached_in = 0;

// Slab caches to report: name -> index in the user's list.
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 64);
  __type(key, char[CENSUS_SLAB_NAME_LEN]);
  __type(value, __u32);
} lgc_slab_names SEC(".maps");

// Old kernels: the namespace type lives in ns->ops->type.
struct proc_ns_operations___old {
  int type;
};
struct ns_common___old {
  const struct proc_ns_operations___old *ops;
};

// 8 bytes of a string literal as a little-endian integer (folded at compile time).
#define C8(s, i) ((__u64)(unsigned char)(sizeof(s) > (i) ? (s)[i] : 0) << (8 * ((i) % 8)))
#define W0(s) (C8(s, 0) | C8(s, 1) | C8(s, 2) | C8(s, 3) | C8(s, 4) | C8(s, 5) | C8(s, 6) | C8(s, 7))
#define W1(s) (C8(s, 8) | C8(s, 9) | C8(s, 10) | C8(s, 11) | C8(s, 12) | C8(s, 13) | C8(s, 14) | C8(s, 15))
#define NAME_IS(w, s) ((w)[0] == W0(s) && (w)[1] == W1(s))

static __always_inline bool cgroup_in_target(struct cgroup *cg) {
  if (!cg) return false;
  int level = BPF_CORE_READ(cg, level);
  if (level < (int)target_level) return false;
  struct cgroup *anc = NULL;
  void *slot = (void *)cg + bpf_core_field_offset(struct cgroup, ancestors) + (__u64)target_level * sizeof(void *);
  bpf_probe_read_kernel(&anc, sizeof anc, slot);
  return anc && BPF_CORE_READ(anc, kn, id) == target_cgid;
}

static __always_inline bool in_target(struct task_struct *t) {
  if (!t) return false;
  if (target_mode == CENSUS_TARGET_PID) return BPF_CORE_READ(t, tgid) == target_pid;
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

// An anonymous-inode fd of a known kind; the ids of BPF objects for the records of task_file.
static __always_inline __u32 anon_kind(struct file *file, __u32 kind, __u32 *id) {
  void *priv = file->private_data;
  if (kind == CENSUS_FD_BPF_MAP) *id = BPF_CORE_READ((struct bpf_map *)priv, id);
  if (kind == CENSUS_FD_BPF_PROG) *id = BPF_CORE_READ((struct bpf_prog *)priv, aux, id);
  if (kind == CENSUS_FD_BPF_LINK) *id = BPF_CORE_READ((struct bpf_link *)priv, id);
  return kind;
}

// Hot path: plain loads through the BTF-typed file pointer (the verifier turns them into
// fault-safe loads, far cheaper than bpf_probe_read_kernel calls); helpers only for the rare
// anonymous-inode and nsfs fds whose data sits behind void pointers.
static __always_inline __u32 classify(struct file *file, __u32 *id) {
  struct inode *inode = file->f_inode;
  unsigned long magic = inode->i_sb->s_magic;
  if (magic == ANON_INODE_FS_MAGIC) {
    __u64 w[2] = {};
    bpf_probe_read_kernel_str(w, sizeof w, file->f_path.dentry->d_name.name);
    // The anonymous-inode names of fd_kinds.h, compared as two constant words each.
#define ANON_KIND(X, ID, name, anon, doc) \
  if (sizeof(anon) > 1 && NAME_IS(w, anon)) return anon_kind(file, CENSUS_FD_##ID, id);
    LG_FD_KINDS(ANON_KIND, _)
#undef ANON_KIND
    return CENSUS_FD_ANON_OTHER;
  }
  if (magic == PIDFS_MAGIC) return CENSUS_FD_PIDFD;
  if (magic == NSFS_MAGIC) {
    void *ns = inode->i_private;
    __u32 type = 0;
    if (bpf_core_field_exists(struct ns_common, ns_type))
      type = BPF_CORE_READ((struct ns_common *)ns, ns_type);
    else
      type = BPF_CORE_READ((struct ns_common___old *)ns, ops, type);
    return type == CLONE_NEWNET ? CENSUS_FD_NETNS : CENSUS_FD_NSFS_OTHER;
  }
  return census_fd_kind_of_mode(inode->i_mode);
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
}

struct list_walk {
  __u64 start;
  __u64 cur;
  __u64 steps;
  __u32 done;
};

static long list_step(__u32 i, void *data) {
  struct list_walk *w = data;
  struct list_head *p = (struct list_head *)w->cur;
  struct list_head *next = BPF_CORE_READ(p, next);
  if (!next) return 1;
  w->cur = (__u64)next;
  w->steps++;
  if (w->cur == w->start) {
    w->done = 1;
    return 1;
  }
  return 0;
}

SEC("iter/task")
int lgc_task(struct bpf_iter__task *ctx) {
  struct seq_file *seq = ctx->meta->seq;
  struct task_struct *task = ctx->task;
  if (ctx->meta->seq_num == 0) __builtin_memset(&task_acc, 0, sizeof task_acc);
  if (!task) {
    if (want_netns) {
      // The circular `net` list holds every live netns plus the global list head.
      struct task_struct *me = bpf_get_current_task_btf();
      struct net *net = BPF_CORE_READ(me, nsproxy, net_ns);
      if (net) {
        struct list_walk w = {};
        w.start = (__u64)net + bpf_core_field_offset(struct net, list);
        w.cur = w.start;
        bpf_loop(1 << 20, list_step, &w, 0);
        task_acc.netns_ok = w.done;
        task_acc.netns = w.done ? w.steps - 1 : 0;
      }
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
  if (target_mode == CENSUS_TARGET_NONE) return 0;
  if (zombie) {
    if (in_target(task->real_parent)) task_acc.t_zombies++;
  } else if (!exit_state && in_target(task)) {
    task_acc.t_threads++;
    if (leader) {
      task_acc.t_processes++;
      task_acc.t_rss_pages += rss_pages(task);
    }
    // Each fd table once: the leader's, and a thread's own only if it unshared it.
    if (leader || task->files != task->group_leader->files) walk_fds(task);
  }
  return 0;
}

static __always_inline bool counts_by_kfunc(__u32 t) {
  return t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_HASH ||
         t == BPF_MAP_TYPE_LRU_PERCPU_HASH || t == BPF_MAP_TYPE_HASH_OF_MAPS;
}

static __always_inline bool counts_as_array(__u32 t) {
  return t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PROG_ARRAY ||
         t == BPF_MAP_TYPE_PERF_EVENT_ARRAY || t == BPF_MAP_TYPE_CGROUP_ARRAY || t == BPF_MAP_TYPE_ARRAY_OF_MAPS;
}

SEC("iter/bpf_map")
int lgc_map(struct bpf_iter__bpf_map *ctx) {
  struct bpf_map *map = ctx->map;
  if (!map) return 0;
  struct census_map r = {};
  r.id = map->id;
  r.type = map->map_type;
  r.max_entries = map->max_entries;
  if (counts_by_kfunc(r.type)) {
    s64 n = bpf_map_sum_elem_count(map);
    r.entries = n > 0 ? n : 0;
    r.entries_kind = CENSUS_ENTRIES_KFUNC;
  } else if (r.type == BPF_MAP_TYPE_LPM_TRIE) {
    struct lpm_trie *t = bpf_rdonly_cast(map, bpf_core_type_id_kernel(struct lpm_trie));
    r.entries = t->n_entries;
    r.entries_kind = CENSUS_ENTRIES_LPM;
  } else if (counts_as_array(r.type)) {
    r.entries = r.max_entries;
    r.entries_kind = CENSUS_ENTRIES_MAX;
  }
  bpf_probe_read_kernel(r.name, sizeof r.name, map->name);
  bpf_seq_write(ctx->meta->seq, &r, sizeof r);
  return 0;
}

SEC("iter/bpf_prog")
int lgc_prog(struct bpf_iter__bpf_prog *ctx) {
  struct bpf_prog *prog = ctx->prog;
  if (!prog) return 0;
  struct census_prog r = {};
  r.id = BPF_CORE_READ(prog, aux, id);
  struct bpf_prog_aux *aux = BPF_CORE_READ(prog, aux);
  bpf_probe_read_kernel(r.name, sizeof r.name, &aux->name);
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
  if (prog) {
    r.prog_id = BPF_CORE_READ(prog, aux, id);
    struct bpf_prog_aux *aux = BPF_CORE_READ(prog, aux);
    bpf_probe_read_kernel(r.prog_name, sizeof r.prog_name, &aux->name);
  }
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
