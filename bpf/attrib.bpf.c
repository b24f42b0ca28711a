// SPDX-License-Identifier: GPL-2.0-only
// attrib.bpf.c: the attribution tracker. It records, for the target's processes only, where
// every fd, BPF object, network namespace and child process was created, with the user stack
// of the creating call; harness/attrib/tracker.cc loads it, fills its unwind tables and reads
// the records, and the iterators at the end of this file say which of those objects are still
// alive (the ground truth the records are joined with).
//
// One tp_btf/sys_exit program switches on the syscall number (one program loads in a fraction
// of a second; ~35 per-syscall tracepoints took seconds and need tracefs). It runs for every
// syscall of every process: the syscall number is tested first, the target filter second.
//
// User stacks: the kernel's own user-stack helper gives wrong stacks for glibc's syscall
// wrappers and for code without frame pointers, so we unwind ourselves. Frame 0 uses the CFI
// (.eh_frame) rule at the syscall's return address; each further frame the rule at its return
// address - 1, or frame pointers where a module has no rules. Rules are rows of lga_rows,
// filled lazily by user space per module (keyed by dev/inode) and binary-searched here;
// (address space, pc) -> (frame, rule) is cached in lga_pcs.
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "attrib.h"
#include "census.h"
#include "lg_common.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define EXIT_ZOMBIE 0x20
#define LGA_MOD_ANON 0xffffffULL

// x86-64 syscall numbers.
#define NR_pipe 22
#define NR_mmap 9
#define NR_open 2
#define NR_close 3
#define NR_dup 32
#define NR_dup2 33
#define NR_socket 41
#define NR_accept 43
#define NR_socketpair 53
#define NR_fcntl 72
#define NR_creat 85
#define NR_epoll_create 213
#define NR_inotify_init 253
#define NR_openat 257
#define NR_unshare 272
#define NR_signalfd 282
#define NR_timerfd_create 283
#define NR_eventfd 284
#define NR_accept4 288
#define NR_signalfd4 289
#define NR_eventfd2 290
#define NR_epoll_create1 291
#define NR_dup3 292
#define NR_pipe2 293
#define NR_inotify_init1 294
#define NR_perf_event_open 298
#define NR_fanotify_init 300
#define NR_open_by_handle_at 304
#define NR_memfd_create 319
#define NR_bpf 321
#define NR_userfaultfd 323
#define NR_io_uring_setup 425
#define NR_open_tree 428
#define NR_fsopen 430
#define NR_fsmount 432
#define NR_fspick 433
#define NR_pidfd_open 434
#define NR_openat2 437
#define NR_pidfd_getfd 438
#define NR_memfd_secret 447

#define BPF_MAP_CREATE_CMD 0
#define BPF_PROG_LOAD_CMD 5
#define BPF_OBJ_PIN_CMD 6
#define BPF_RAW_TRACEPOINT_OPEN_CMD 17
#define BPF_LINK_CREATE_CMD 28

// Set by user space before load.
const volatile __u32 target_mode = LGA_TARGET_CGROUP;
const volatile __u64 target_cgid = 0;
const volatile __u32 target_level = 0;
const volatile __u32 track_syscalls = 1;  // 0: iterators only (attribution off)

struct lga_counters counters = {};
__u32 next_mod_id = 0;
__u64 pin_seq = 0;
__u32 gen = 0;  // set by user space before each iterator read

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, __u32);
  __type(value, __u8);
} lga_tracked SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, struct lga_mod_key);
  __type(value, struct lga_mod);
} lga_mods SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, LGA_ROWS);
  __type(key, __u32);
  __type(value, struct lga_row);
} lga_rows SEC(".maps");

struct lga_pc_key {
  __u64 mm;
  __u64 addr;
};
struct lga_pc {
  __u64 frame;
  struct lga_row row;
};

// A cache, not a record: an LRU is right here (an evicted pc is resolved again).
struct {
  __uint(type, BPF_MAP_TYPE_LRU_HASH);
  __uint(max_entries, 65536);
  __type(key, struct lga_pc_key);
  __type(value, struct lga_pc);
} lga_pcs SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, __u64);
  __type(value, struct lga_stack);
} lga_stacks SEC(".maps");

// Live records are plain hashes: an LRU would evict exactly the long-lived (leaked) ones.
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __type(key, struct lga_fd_key);
  __type(value, struct lga_fd);
} lga_fds SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, struct lga_obj_key);
  __type(value, struct lga_obj);
} lga_objs SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 4096);
  __type(key, __u64);
  __type(value, struct lga_pin);
} lga_pins SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, __u64);
  __type(value, struct lga_netns);
} lga_netns_map SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, __u32);
  __type(value, struct lga_kid);
} lga_kids SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct lga_stack);
} lga_scratch SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 64 * 1024);
} lga_requests SEC(".maps");

// ---- Which tasks are the target ----

static __always_inline bool current_tracked(void) {
  if (target_mode == LGA_TARGET_CGROUP) return bpf_get_current_ancestor_cgroup_id(target_level) == target_cgid;
  __u32 tgid = bpf_get_current_pid_tgid() >> 32;
  return bpf_map_lookup_elem(&lga_tracked, &tgid) != NULL;
}

static __always_inline bool task_tracked(struct task_struct *t) {
  if (!t) return false;
  if (target_mode == LGA_TARGET_CGROUP)
    return cgroup_under(BPF_CORE_READ(t, cgroups, dfl_cgrp), target_level, target_cgid);
  __u32 tgid = BPF_CORE_READ(t, tgid);
  return bpf_map_lookup_elem(&lga_tracked, &tgid) != NULL;
}

// ---- Unwinding ----

struct vma_ctx {
  __u64 start, end, pgoff, dev, ino;
  __u32 found, file;
};

static long vma_cb(struct task_struct *task, struct vm_area_struct *vma, void *data) {
  struct vma_ctx *c = data;
  c->found = 1;
  c->start = vma->vm_start;
  c->end = vma->vm_end;
  c->pgoff = vma->vm_pgoff;
  struct file *f = vma->vm_file;
  if (f) {
    c->file = 1;
    c->ino = f->f_inode->i_ino;
    c->dev = f->f_inode->i_sb->s_dev;
  }
  return 0;
}

struct row_search {
  __u32 base, n;
  __u64 off;
};

static long row_step(__u32 i, void *data) {
  struct row_search *s = data;
  if (s->n <= 1) return 1;
  __u32 half = s->n / 2;
  __u32 mid = s->base + half;
  struct lga_row *r = bpf_map_lookup_elem(&lga_rows, &mid);
  if (!r) return 1;
  if (r->off <= s->off) s->base = mid;
  s->n -= half;
  return 0;
}

// The last row of the module's table at or before `off` (LGA_CFA_NONE when none).
static __always_inline void find_row(const struct lga_mod *m, __u64 off, struct lga_row *out) {
  struct row_search s = {.base = m->first, .n = m->count, .off = off};
  if (!s.n) return;
  bpf_loop(LGA_ROW_SEARCH_STEPS, row_step, &s, 0);
  struct lga_row *r = bpf_map_lookup_elem(&lga_rows, &s.base);
  if (r && r->off <= off) *out = *r;
}

// Frame and rule for `addr` of the current task. Returns true when the answer is final (may
// be cached): false while the module's rules are still being built.
static __always_inline bool resolve(__u64 addr, struct lga_pc *out) {
  struct vma_ctx c = {};
  struct task_struct *me = bpf_get_current_task_btf();
  out->frame = (LGA_MOD_ANON << LGA_FRAME_OFF_BITS) | (addr & LGA_FRAME_OFF_MASK);
  if (bpf_find_vma(me, addr, vma_cb, &c, 0) != 0 || !c.found) {
    counters.vma_misses++;
    return false;
  }
  if (!c.file) return true;
  __u64 off = addr - c.start + (c.pgoff << 12);
  struct lga_mod_key k = {.dev = c.dev, .ino = c.ino};
  struct lga_mod *m = bpf_map_lookup_elem(&lga_mods, &k);
  if (!m) {
    struct lga_mod nm = {.id = __sync_fetch_and_add(&next_mod_id, 1) + 1, .state = LGA_MOD_PENDING};
    if (nm.id >= LGA_MOD_ANON) return true;
    if (bpf_map_update_elem(&lga_mods, &k, &nm, BPF_NOEXIST) == 0) {
      struct lga_mod_request req = {.id = nm.id,
                                    .pid = bpf_get_current_pid_tgid() >> 32,
                                    .dev = c.dev,
                                    .ino = c.ino,
                                    .start = c.start,
                                    .end = c.end,
                                    .pgoff = c.pgoff};
      if (bpf_ringbuf_output(&lga_requests, &req, sizeof req, 0)) counters.lost_mods++;
    }
    m = bpf_map_lookup_elem(&lga_mods, &k);
    if (!m) return false;
  }
  out->frame = ((__u64)m->id << LGA_FRAME_OFF_BITS) | (off & LGA_FRAME_OFF_MASK);
  if (m->state == LGA_MOD_PENDING) return false;
  if (m->state == LGA_MOD_READY) find_row(m, off, &out->row);
  return true;
}

// Makes sure the module mapped at `addr` is known (asked for when new). Global: verified once.
__noinline int touch_module(__u64 addr) {
  struct lga_pc v = {};
  resolve(addr, &v);
  return 0;
}

struct unwind {
  __u64 pc, sp, bp, mm, hash;
  __u32 n;
};

static long unwind_step(__u32 i, void *data) {
  struct unwind *u = data;
  __u32 zero = 0;
  struct lga_stack *st = bpf_map_lookup_elem(&lga_scratch, &zero);
  if (!st || i >= LGA_MAX_FRAMES) return 1;
  // Frame 0 is where the syscall returns to; the others are return addresses, whose call
  // instruction (and rule) is one byte before.
  __u64 addr = i ? u->pc - 1 : u->pc;
  struct lga_pc_key k = {.mm = u->mm, .addr = addr};
  struct lga_pc v = {};
  struct lga_pc *c = bpf_map_lookup_elem(&lga_pcs, &k);
  if (c)
    v = *c;
  else if (resolve(addr, &v))
    bpf_map_update_elem(&lga_pcs, &k, &v, BPF_ANY);
  st->frames[i & (LGA_MAX_FRAMES - 1)] = v.frame;
  u->n = i + 1;
  u->hash = (u->hash ^ v.frame) * 0x100000001b3ULL;

  __u64 cfa = 0;
  bool fp = false;
  switch (v.row.cfa_reg) {
    case LGA_CFA_SP: cfa = u->sp + (__s64)v.row.cfa_off; break;
    case LGA_CFA_BP: cfa = u->bp + (__s64)v.row.cfa_off; break;
    case LGA_CFA_PLT: cfa = u->sp + 8 + ((addr & 15) >= 11 ? 8 : 0); break;
    case LGA_CFA_END: return 1;
    default:
      if (!u->bp) return 1;
      cfa = u->bp + 16;
      fp = true;
  }
  if (cfa <= u->sp) return 1;  // the stack grows down: anything else is a broken chain
  __u64 ra = 0;
  if (bpf_probe_read_user(&ra, sizeof ra, (void *)(cfa - 8))) return 1;
  if (fp) {
    __u64 bp = 0;
    bpf_probe_read_user(&bp, sizeof bp, (void *)(cfa - 16));
    u->bp = bp;
  } else if (v.row.rbp_off8) {
    __u64 bp = 0;
    bpf_probe_read_user(&bp, sizeof bp, (void *)(cfa + (__s64)v.row.rbp_off8 * 8));
    u->bp = bp;
  }
  u->sp = cfa;
  u->pc = ra;
  if (ra < 4096) return 1;
  if (i == LGA_MAX_FRAMES - 1) counters.truncated++;
  return 0;
}

// Unwinds the current task's user stack (from the registers it entered the kernel with) into
// the per-CPU scratch stack and returns its hash (0 when nothing could be read). A global
// function: the verifier checks it once, not once per path of its callers.
__noinline __u64 unwind_user(void) {
  struct task_struct *me = bpf_get_current_task_btf();
  struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(me);
  struct unwind u = {};
  u.pc = BPF_CORE_READ(regs, ip);
  u.sp = BPF_CORE_READ(regs, sp);
  u.bp = BPF_CORE_READ(regs, bp);
  u.mm = (__u64)me->mm;
  u.hash = 0xcbf29ce484222325ULL;
  bpf_loop(LGA_MAX_FRAMES, unwind_step, &u, 0);
  __u32 zero = 0;
  struct lga_stack *st = bpf_map_lookup_elem(&lga_scratch, &zero);
  if (!st || !u.n) return 0;
  st->n = u.n;
  return u.hash ? u.hash : 1;
}

// The address of the struct file behind fd of the current task (0 when none), as a plain
// number: it is a key, and crosses into global functions.
static __always_inline __u64 fd_file(int fd) {
  struct task_struct *me = bpf_get_current_task_btf();
  struct files_struct *files = me->files;
  if (!files || fd < 0) return 0;
  struct fdtable *fdt = files->fdt;
  if ((unsigned)fd >= fdt->max_fds) return 0;
  __u64 fp = 0;
  bpf_probe_read_kernel(&fp, sizeof fp, (void *)((__u64)fdt->fd + (__u64)fd * 8));
  return fp;
}

// Stores the scratch stack under `hash` with its first object as the example; fills the
// origin only when the stack is new (reading a path costs more than the lookup). Global, like
// unwind_user; `file_addr` is the struct file * of the example object, or 0.
__noinline int save_stack(__u64 hash, __u32 nr, __u32 kind, __u64 file_addr) {
  if (bpf_map_lookup_elem(&lga_stacks, &hash)) return 0;
  __u32 zero = 0;
  struct lga_stack *st = bpf_map_lookup_elem(&lga_scratch, &zero);
  if (!st) return 0;
  struct task_struct *me = bpf_get_current_task_btf();
  struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(me);
  struct file *file = file_addr ? bpf_rdonly_cast((void *)file_addr, bpf_core_type_id_kernel(struct file)) : NULL;
  struct lga_origin *o = &st->origin;
  o->nr = nr;
  o->kind = kind;
  o->arg0 = BPF_CORE_READ(regs, di);
  o->arg1 = BPF_CORE_READ(regs, si);
  o->arg2 = 0;
  o->detail[0] = 0;
  const char *path = NULL;
  if (nr == NR_open || nr == NR_creat || nr == NR_memfd_create) path = (const char *)o->arg0;
  if (nr == NR_openat || nr == NR_openat2) path = (const char *)o->arg1;
  if (path) bpf_probe_read_user_str(o->detail, sizeof o->detail, path);
  if (nr == NR_bpf && file) {
    void *priv = file->private_data;
    if (kind == CENSUS_FD_BPF_MAP) {
      struct bpf_map *m = priv;
      o->arg1 = BPF_CORE_READ(m, map_type);
      o->arg2 = BPF_CORE_READ(m, max_entries);
      bpf_probe_read_kernel_str(o->detail, 16, &m->name);
    } else if (kind == CENSUS_FD_BPF_PROG) {
      struct bpf_prog *p = priv;
      o->arg1 = BPF_CORE_READ(p, type);
      struct bpf_prog_aux *aux = BPF_CORE_READ(p, aux);
      bpf_probe_read_kernel_str(o->detail, 16, &aux->name);
    } else if (kind == CENSUS_FD_BPF_LINK) {
      struct bpf_link *l = priv;
      o->arg1 = BPF_CORE_READ(l, type);
    }
  }
  if (nr == LGA_NR_FORK) bpf_get_current_comm(o->detail, 16);
  if (bpf_map_update_elem(&lga_stacks, &hash, st, BPF_NOEXIST) == -7 /* E2BIG: full */) counters.lost_stacks++;
  return 0;
}

static __always_inline __u64 net_cookie_of(struct net *net) { return net ? BPF_CORE_READ(net, net_cookie) : 0; }

// One event of sys_exit, handled in three steps so that each piece of code is verified once:
// classify the fds (a bpf_loop callback), unwind, record.
struct event {
  struct pt_regs *regs;
  __u64 hash, now;
  __u64 first_file;
  __u32 nr, tgid, nfds, first_kind, first_id, pin;
  int fds[2];
};

// Records fd number i of the event (or, for BPF_OBJ_PIN, only classifies the pinned fd).
static long record_fd_step(__u32 i, void *data) {
  struct event *e = data;
  if (i >= 2) return 1;
  int fd = e->fds[i & 1];
  __u64 addr = fd_file(fd);
  if (!addr) return 0;
  struct file *file = bpf_rdonly_cast((void *)addr, bpf_core_type_id_kernel(struct file));
  __u32 id = 0;
  __u32 kind = classify(file, &id);
  if (i == 0) {
    e->first_file = addr;
    e->first_kind = kind;
    e->first_id = id;
  }
  if (e->pin) return 0;
  struct lga_fd_key k = {.tgid = e->tgid, .fd = fd};
  struct lga_fd v = {.file = addr, .stack = e->hash, .ts = e->now};
  if (bpf_map_update_elem(&lga_fds, &k, &v, BPF_ANY))
    counters.lost_fds++;
  else
    counters.events++;
  // BPF objects are also recorded by id: they can outlive every fd (pins, attached links).
  if (e->nr != NR_bpf || (kind != CENSUS_FD_BPF_MAP && kind != CENSUS_FD_BPF_PROG && kind != CENSUS_FD_BPF_LINK))
    return 0;
  struct pt_regs *regs = e->regs;  // a local first: CO-RE cannot relocate through e->regs
  __u64 cmd = BPF_CORE_READ(regs, di);
  if (cmd != BPF_MAP_CREATE_CMD && cmd != BPF_PROG_LOAD_CMD && cmd != BPF_RAW_TRACEPOINT_OPEN_CMD &&
      cmd != BPF_LINK_CREATE_CMD)
    return 0;  // an fd for an object that exists already (OBJ_GET, *_GET_FD_BY_ID)
  struct lga_obj_key ok = {.kind = kind, .id = id};
  struct lga_obj ov = {.stack = e->hash, .ts = e->now, .tgid = e->tgid};
  void *priv = file->private_data;
  if (kind == CENSUS_FD_BPF_MAP) {
    struct bpf_map *m = priv;
    ov.type = BPF_CORE_READ(m, map_type);
    ov.max_entries = BPF_CORE_READ(m, max_entries);
    bpf_probe_read_kernel_str(ov.name, sizeof ov.name, &m->name);
  } else if (kind == CENSUS_FD_BPF_PROG) {
    struct bpf_prog *p = priv;
    ov.type = BPF_CORE_READ(p, type);
    struct bpf_prog_aux *aux = BPF_CORE_READ(p, aux);
    bpf_probe_read_kernel_str(ov.name, sizeof ov.name, &aux->name);
  } else {
    struct bpf_link *l = priv;
    ov.type = BPF_CORE_READ(l, type);
  }
  if (bpf_map_update_elem(&lga_objs, &ok, &ov, BPF_ANY)) counters.lost_objs++;
  return 0;
}

// What each syscall number means to the tracker; 0 for the ~98% it ignores. One load from a
// read-only array is all that a syscall of a process outside the target costs.
#define F_FD 1       // returns a new fd
#define F_TWO 2      // writes two new fds to user memory (pipe, pipe2, socketpair: arg 0 or 3)
#define F_CLOSE 4    // close(arg 0)
#define F_UNSHARE 8  // may create a network namespace
#define F_BPF 16     // bpf(): some commands return fds, BPF_OBJ_PIN pins
#define F_SIGFD 32   // signalfd: a new fd only when arg 0 is -1
#define F_FCNTL 64   // fcntl: a new fd for F_DUPFD and F_DUPFD_CLOEXEC
#define F_MMAP 128   // mmap of executable code: build the module's rules before it runs
#define NR_MAX 512
static const __u8 nr_flags[NR_MAX] = {
    [NR_open] = F_FD,
    [NR_openat] = F_FD,
    [NR_openat2] = F_FD,
    [NR_creat] = F_FD,
    [NR_socket] = F_FD,
    [NR_accept] = F_FD,
    [NR_accept4] = F_FD,
    [NR_dup] = F_FD,
    [NR_dup2] = F_FD,
    [NR_dup3] = F_FD,
    [NR_eventfd] = F_FD,
    [NR_eventfd2] = F_FD,
    [NR_epoll_create] = F_FD,
    [NR_epoll_create1] = F_FD,
    [NR_timerfd_create] = F_FD,
    [NR_memfd_create] = F_FD,
    [NR_pidfd_open] = F_FD,
    [NR_pidfd_getfd] = F_FD,
    [NR_perf_event_open] = F_FD,
    [NR_io_uring_setup] = F_FD,
    [NR_inotify_init] = F_FD,
    [NR_inotify_init1] = F_FD,
    [NR_fanotify_init] = F_FD,
    [NR_userfaultfd] = F_FD,
    [NR_open_by_handle_at] = F_FD,
    [NR_memfd_secret] = F_FD,
    [NR_open_tree] = F_FD,
    [NR_fsopen] = F_FD,
    [NR_fsmount] = F_FD,
    [NR_fspick] = F_FD,
    [NR_pipe] = F_TWO,
    [NR_pipe2] = F_TWO,
    [NR_socketpair] = F_TWO,
    [NR_close] = F_CLOSE,
    [NR_unshare] = F_UNSHARE,
    [NR_bpf] = F_BPF,
    [NR_signalfd] = F_SIGFD,
    [NR_signalfd4] = F_SIGFD,
    [NR_fcntl] = F_FCNTL,
    [NR_mmap] = F_MMAP,
};

// bpf() commands that return an fd.
static __always_inline bool bpf_cmd_returns_fd(__u64 cmd) {
  return cmd == 0 || cmd == 5 || cmd == 7 || cmd == 13 || cmd == 14 || cmd == 17 || cmd == 18 || cmd == 19 ||
         cmd == 28 || cmd == 30 || cmd == 33 || cmd == 36;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(lga_sys_exit, struct pt_regs *regs, long ret) {
  if (ret < 0) return 0;
  __u64 nr = regs->orig_ax;
  if (nr >= NR_MAX) return 0;
  __u32 f = nr_flags[nr];
  if (!f) return 0;
  if (!current_tracked()) return 0;
  __u64 a0 = BPF_CORE_READ(regs, di);
  bool fd_ret = (f & F_FD) || ((f & F_SIGFD) && (int)a0 == -1) ||
                ((f & F_FCNTL) && (BPF_CORE_READ(regs, si) == 0 || BPF_CORE_READ(regs, si) == 1030)) ||
                ((f & F_BPF) && bpf_cmd_returns_fd(a0));
  bool pin = (f & F_BPF) && a0 == BPF_OBJ_PIN_CMD;
  bool two = f & F_TWO;
  bool netns = (f & F_UNSHARE) && (a0 & CLONE_NEWNET);
  if (f & F_MMAP) {
    // ld.so maps a library long before its code runs: ask for its rules now.
    if ((BPF_CORE_READ(regs, dx) & 0x4 /* PROT_EXEC */) && (int)BPF_CORE_READ(regs, r8) >= 0 && track_syscalls)
      touch_module(ret);
    return 0;
  }
  if (!fd_ret && !pin && !two && !netns && !(f & F_CLOSE)) return 0;
  struct event e = {.regs = regs, .nr = nr, .tgid = bpf_get_current_pid_tgid() >> 32, .fds = {-1, -1}};
  if (f & F_CLOSE) {
    struct lga_fd_key k = {.tgid = e.tgid, .fd = (int)a0};
    bpf_map_delete_elem(&lga_fds, &k);
    return 0;
  }
  __u64 pathname = 0;
  if (fd_ret) {
    e.fds[0] = ret;
    e.nfds = 1;
  } else if (two) {
    __u64 ptr = nr == NR_socketpair ? BPF_CORE_READ(regs, r10) : a0;
    if (bpf_probe_read_user(e.fds, sizeof e.fds, (void *)ptr)) return 0;
    e.nfds = 2;
  } else if (pin) {
    __u64 attr = BPF_CORE_READ(regs, si);
    if (bpf_probe_read_user(&pathname, sizeof pathname, (void *)attr)) return 0;
    if (bpf_probe_read_user(&e.fds[0], sizeof e.fds[0], (void *)(attr + 8))) return 0;
    e.nfds = 1;
    e.pin = 1;
  }
  e.hash = unwind_user();
  if (!e.hash) return 0;
  e.now = bpf_ktime_get_ns();
  if (e.nfds) bpf_loop(e.nfds, record_fd_step, &e, 0);
  save_stack(e.hash, nr, netns ? CENSUS_FD_NETNS : e.first_kind, e.first_file);
  if (netns) {
    struct task_struct *me = bpf_get_current_task_btf();
    struct net *net = me->nsproxy->net_ns;
    __u64 cookie = net_cookie_of(net);
    struct lga_netns v = {.stack = e.hash, .ts = e.now, .tgid = e.tgid, .inum = BPF_CORE_READ(net, ns.inum)};
    if (cookie && bpf_map_update_elem(&lga_netns_map, &cookie, &v, BPF_ANY)) counters.lost_objs++;
  } else if (pin && e.first_file) {
    __u64 seq = __sync_fetch_and_add(&pin_seq, 1);
    struct lga_pin v = {.stack = e.hash, .ts = e.now, .tgid = e.tgid, .kind = e.first_kind, .id = e.first_id};
    bpf_probe_read_user_str(v.path, sizeof v.path, (const char *)pathname);
    if (bpf_map_update_elem(&lga_pins, &seq, &v, BPF_ANY)) counters.lost_objs++;
  }
  return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(lga_fork, struct task_struct *parent, struct task_struct *child) {
  if (!current_tracked()) return 0;
  if (child->tgid == parent->tgid) return 0;  // a thread
  __u32 pid = child->pid;
  if (target_mode == LGA_TARGET_TREE) {
    __u8 one = 1;
    bpf_map_update_elem(&lga_tracked, &pid, &one, BPF_ANY);
  }
  if (!track_syscalls) return 0;
  __u64 hash = unwind_user();
  if (!hash) return 0;
  save_stack(hash, LGA_NR_FORK, 0, 0);
  struct lga_kid v = {.stack = hash, .ts = bpf_ktime_get_ns(), .start_time = child->start_time, .ppid = parent->tgid};
  if (bpf_map_update_elem(&lga_kids, &pid, &v, BPF_ANY)) counters.lost_objs++;
  // clone(CLONE_NEWNET): the child starts in a namespace of its own.
  struct net *cn = child->nsproxy ? child->nsproxy->net_ns : NULL;
  struct net *pn = parent->nsproxy ? parent->nsproxy->net_ns : NULL;
  if (cn && cn != pn) {
    __u64 cookie = net_cookie_of(cn);
    struct lga_netns nv = {.stack = hash, .ts = v.ts, .tgid = parent->tgid, .inum = BPF_CORE_READ(cn, ns.inum)};
    if (cookie && bpf_map_update_elem(&lga_netns_map, &cookie, &nv, BPF_ANY)) counters.lost_objs++;
  }
  return 0;
}

// ---- Iterators: what is alive now ----

SEC("iter/task_file")
int lga_files(struct bpf_iter__task_file *ctx) {
  struct task_struct *task = ctx->task;
  struct file *file = ctx->file;
  if (!task || !file || !task_tracked(task)) return 0;
  struct lga_file_rec r = {.tgid = task->tgid, .fd = ctx->fd, .file = (__u64)file};
  r.kind = classify(file, &r.id);
  if (r.kind == CENSUS_FD_NETNS) {
    void *ns = file->f_inode->i_private;
    struct net *net = (struct net *)(ns - bpf_core_field_offset(struct net, ns));
    r.cookie = net_cookie_of(net);
  }
  bpf_seq_write(ctx->meta->seq, &r, sizeof r);
  return 0;
}

static long net_step(__u32 i, void *data) {
  struct net_walk *w = data;
  if (net_walk_step(w)) return 1;
  struct net *net = (struct net *)(w->cur - bpf_core_field_offset(struct net, list));
  __u64 cookie = BPF_CORE_READ(net, net_cookie);
  struct lga_netns *n = bpf_map_lookup_elem(&lga_netns_map, &cookie);
  if (n) n->seen = gen;
  return 0;
}

SEC("iter/task")
int lga_tasks(struct bpf_iter__task *ctx) {
  struct task_struct *task = ctx->task;
  if (!task) {
    // The end: mark the target's namespaces that are still in the kernel's net list.
    struct lga_task_end end = {.magic = LGA_TASK_END_MAGIC};
    struct net_walk w = {};
    if (net_walk_start(&w)) {
      bpf_loop(1 << 20, net_step, &w, 0);
      end.netns_ok = w.done;
    }
    bpf_seq_write(ctx->meta->seq, &end, sizeof end);
    return 0;
  }
  bool leader = task->group_leader == task;
  if (!leader || !(task->exit_state & EXIT_ZOMBIE) || BPF_CORE_READ(task, signal, live.counter) != 0) return 0;
  struct task_struct *parent = task->real_parent;
  if (!task_tracked(parent)) return 0;
  struct lga_zombie_rec r = {.pid = task->pid, .ppid = parent->tgid, .start_time = task->start_time};
  bpf_probe_read_kernel_str(r.comm, sizeof r.comm, task->comm);
  bpf_probe_read_kernel_str(r.parent_comm, sizeof r.parent_comm, parent->comm);
  bpf_seq_write(ctx->meta->seq, &r, sizeof r);
  return 0;
}

static __always_inline void mark_obj(__u32 kind, __u32 id) {
  struct lga_obj_key k = {.kind = kind, .id = id};
  struct lga_obj *o = bpf_map_lookup_elem(&lga_objs, &k);
  if (o) o->seen = gen;
}

SEC("iter/bpf_map")
int lga_maps(struct bpf_iter__bpf_map *ctx) {
  struct bpf_map *map = ctx->map;
  if (!map) return 0;
  struct lga_live_obj r = {
      .kind = CENSUS_FD_BPF_MAP, .id = map->id, .type = map->map_type, .max_entries = map->max_entries};
  __u32 how;
  r.entries = map_entries(map, &how);
  bpf_probe_read_kernel(r.name, sizeof r.name, map->name);
  mark_obj(r.kind, r.id);
  bpf_seq_write(ctx->meta->seq, &r, sizeof r);
  return 0;
}

SEC("iter/bpf_prog")
int lga_progs(struct bpf_iter__bpf_prog *ctx) {
  struct bpf_prog *prog = ctx->prog;
  if (!prog) return 0;
  struct lga_live_obj r = {.kind = CENSUS_FD_BPF_PROG, .type = BPF_CORE_READ(prog, type)};
  r.id = prog_id_name(prog, r.name);
  mark_obj(r.kind, r.id);
  bpf_seq_write(ctx->meta->seq, &r, sizeof r);
  return 0;
}

SEC("iter/bpf_link")
int lga_links(struct bpf_iter__bpf_link *ctx) {
  struct bpf_link *link = ctx->link;
  if (!link) return 0;
  struct lga_live_obj r = {.kind = CENSUS_FD_BPF_LINK, .id = BPF_CORE_READ(link, id)};
  r.type = BPF_CORE_READ(link, type);
  mark_obj(r.kind, r.id);
  bpf_seq_write(ctx->meta->seq, &r, sizeof r);
  return 0;
}

// Our own vmas, to learn the kernel's (dev, inode) of the modules we share with the target
// (libc, libstdc++, ...) and fill their rules before the target's first syscall.
SEC("iter/task_vma")
int lga_vmas(struct bpf_iter__task_vma *ctx) {
  struct vm_area_struct *vma = ctx->vma;
  struct task_struct *task = ctx->task;
  if (!vma || !task) return 0;
  struct file *f = vma->vm_file;
  if (!f || !(vma->vm_flags & 0x4 /* VM_EXEC */)) return 0;
  struct lga_mod_request r = {.pid = task->tgid,
                              .start = vma->vm_start,
                              .end = vma->vm_end,
                              .pgoff = vma->vm_pgoff,
                              .dev = f->f_inode->i_sb->s_dev,
                              .ino = f->f_inode->i_ino};
  bpf_seq_write(ctx->meta->seq, &r, sizeof r);
  return 0;
}
