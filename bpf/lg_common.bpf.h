// SPDX-License-Identifier: GPL-2.0-only OR MIT
/* lg_common.bpf.h: what the census (bpf/census.bpf.c) and the attribution tracker
 * (bpf/attrib.bpf.c) share, so both count the same fd as the same kind and the same task as
 * the target: the kind of an open file (enum census_fd_kind), cgroup ancestry, a map's
 * element count and the walk of the kernel's netns list.
 * BPF side only: include after vmlinux.h and the libbpf headers. */
#ifndef LEAKGUARD_BPF_LG_COMMON_H
#define LEAKGUARD_BPF_LG_COMMON_H

#include "census.h"

extern s64 bpf_map_sum_elem_count(const struct bpf_map *map) __ksym;
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFREG 0100000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define ANON_INODE_FS_MAGIC 0x09041934
#define NSFS_MAGIC 0x6e736673
#define PIDFS_MAGIC 0x50494446
#define CLONE_NEWNET 0x40000000
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
  switch (inode->i_mode & S_IFMT) {
    case S_IFREG: return CENSUS_FD_FILE;
    case S_IFDIR: return CENSUS_FD_DIR;
    case S_IFSOCK: return CENSUS_FD_SOCKET;
    case S_IFIFO: return CENSUS_FD_PIPE;
    case S_IFCHR: return CENSUS_FD_CHR;
  }
  return CENSUS_FD_OTHER;
}

// True when cgroup `cg` is the cgroup with kernfs id `cgid` at depth `level`, or below it.
static __always_inline bool cgroup_under(struct cgroup *cg, __u32 level, __u64 cgid) {
  if (!cg) return false;
  int l = BPF_CORE_READ(cg, level);
  if (l < (int)level) return false;
  struct cgroup *anc = NULL;
  void *slot = (void *)cg + bpf_core_field_offset(struct cgroup, ancestors) + (__u64)level * sizeof(void *);
  bpf_probe_read_kernel(&anc, sizeof anc, slot);
  return anc && BPF_CORE_READ(anc, kn, id) == cgid;
}

// A map's elements as bpf.map_entries counts them, for the census and the tracker alike; *how
// says how they were found (enum census_entries_kind): the kfunc's count for the hash kinds,
// n_entries for an LPM trie, max_entries for the array kinds (every slot exists), else none (0).
static __always_inline __u64 map_entries(struct bpf_map *map, __u32 *how) {
  __u32 t = map->map_type;
  if (t == BPF_MAP_TYPE_HASH || t == BPF_MAP_TYPE_PERCPU_HASH || t == BPF_MAP_TYPE_LRU_HASH ||
      t == BPF_MAP_TYPE_LRU_PERCPU_HASH || t == BPF_MAP_TYPE_HASH_OF_MAPS) {
    *how = CENSUS_ENTRIES_KFUNC;
    s64 n = bpf_map_sum_elem_count(map);
    return n > 0 ? n : 0;
  }
  if (t == BPF_MAP_TYPE_LPM_TRIE) {
    *how = CENSUS_ENTRIES_LPM;
    struct lpm_trie *trie = bpf_rdonly_cast(map, bpf_core_type_id_kernel(struct lpm_trie));
    return trie->n_entries;
  }
  if (t == BPF_MAP_TYPE_ARRAY || t == BPF_MAP_TYPE_PERCPU_ARRAY || t == BPF_MAP_TYPE_PROG_ARRAY ||
      t == BPF_MAP_TYPE_PERF_EVENT_ARRAY || t == BPF_MAP_TYPE_CGROUP_ARRAY || t == BPF_MAP_TYPE_ARRAY_OF_MAPS) {
    *how = CENSUS_ENTRIES_MAX;
    return map->max_entries;
  }
  *how = CENSUS_ENTRIES_NONE;
  return 0;
}

// A program's id; its name (16 bytes, the kernel's BPF_OBJ_NAME_LEN, NUL-padded) into `name`.
static __always_inline __u32 prog_id_name(struct bpf_prog *prog, char name[16]) {
  struct bpf_prog_aux *aux = BPF_CORE_READ(prog, aux);
  bpf_probe_read_kernel(name, 16, &aux->name);
  return BPF_CORE_READ(aux, id);
}

// A walk around the kernel's circular list of network namespaces (struct net.list), which
// holds every live netns plus the global list head, from the current task's netns; each step
// is one bpf_loop iteration.
struct net_walk {
  __u64 start, cur;  // list nodes: where the walk began, where it stands
  __u64 steps;
  __u32 done;  // it came round to `start`: every node was seen
};

// False when the current task has no netns to start from.
static __always_inline bool net_walk_start(struct net_walk *w) {
  struct task_struct *me = bpf_get_current_task_btf();
  struct net *net = BPF_CORE_READ(me, nsproxy, net_ns);
  if (!net) return false;
  w->start = (__u64)net + bpf_core_field_offset(struct net, list);
  w->cur = w->start;
  return true;
}

// Moves to the next node: 0 there (w->cur is a live netns's node), 1 to end the loop (came
// round, w->done, or the list could not be read).
static __always_inline long net_walk_step(struct net_walk *w) {
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

#endif
