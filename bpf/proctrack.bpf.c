// SPDX-License-Identifier: GPL-2.0-only
// proctrack.bpf.c: follows the target's process tree wherever it goes. A process forked by a
// tracked process, or by any process of the target's cgroup, is tracked (a key of lgc_tracked)
// until its last thread exits, whatever cgroup, session or name it moves to. A tracked process
// that moves to a cgroup outside the target's (or is forked straight into one) is recorded in
// lgc_escapes. Loaded by harness/census/proctrack.cc; bpf/census.bpf.c shares lgc_tracked and
// counts those processes as the target's.
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "proctrack.h"

char LICENSE[] SEC("license") = "GPL";

struct proctrack_tracked_map lgc_tracked SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, PROCTRACK_MAX_ESCAPES);
  __type(key, __u32);
  __type(value, struct proctrack_escape);
} lgc_escapes SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct proctrack_cfg);
} lgc_trk_cfg SEC(".maps");

static __always_inline struct proctrack_cfg *cfg(void) {
  __u32 zero = 0;
  return bpf_map_lookup_elem(&lgc_trk_cfg, &zero);
}

// Whether a cgroup v2 group is the target's or below it.
static __always_inline bool in_target_cgroup(struct proctrack_cfg *c, struct cgroup *cg) {
  if (!c || !c->target_cgid || !cg) return false;
  __u32 level = c->target_level;
  if (BPF_CORE_READ(cg, level) < (int)level || level > 1024) return false;
  struct cgroup *anc = NULL;
  void *slot = (void *)cg + bpf_core_field_offset(struct cgroup, ancestors) + (__u64)level * sizeof(void *);
  bpf_probe_read_kernel(&anc, sizeof anc, slot);
  return anc && BPF_CORE_READ(anc, kn, id) == c->target_cgid;
}

static __always_inline void record_escape(struct task_struct *t, __u32 tgid, const char *path, __u32 born) {
  if (bpf_map_lookup_elem(&lgc_escapes, &tgid)) return;
  struct proctrack_escape e = {};
  e.time_ns = bpf_ktime_get_ns();
  e.tgid = tgid;
  e.born_outside = born;
  bpf_probe_read_kernel_str(e.comm, sizeof e.comm, t->comm);
  if (path) bpf_probe_read_kernel_str(e.cgroup, sizeof e.cgroup, path);
  bpf_map_update_elem(&lgc_escapes, &tgid, &e, BPF_NOEXIST);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(lgc_fork, struct task_struct *parent, struct task_struct *child) {
  __u32 tgid = child->tgid;
  if (child->pid != tgid) return 0;  // a new thread, not a new process
  __u32 ptgid = parent->tgid;
  struct proctrack_cfg *c = cfg();
  if (!bpf_map_lookup_elem(&lgc_tracked, &ptgid) && !in_target_cgroup(c, BPF_CORE_READ(parent, cgroups, dfl_cgrp)))
    return 0;
  struct proctrack_proc p = {.parent = ptgid, .start_ns = child->start_time};
  if (bpf_map_update_elem(&lgc_tracked, &tgid, &p, BPF_ANY) != 0) {
    if (c) __sync_fetch_and_add(&c->lost, 1);
    return 0;
  }
  // Born into another cgroup (clone3 with CLONE_INTO_CGROUP): it never passes an attach.
  struct cgroup *cg = BPF_CORE_READ(child, cgroups, dfl_cgrp);
  if (c && c->target_cgid && !in_target_cgroup(c, cg)) record_escape(child, tgid, NULL, 1);
  return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(lgc_exit, struct task_struct *p) {
  // The last thread of the process: its pid may be reused once it is reaped.
  if (BPF_CORE_READ(p, signal, live.counter) != 0) return 0;
  __u32 tgid = p->tgid;
  bpf_map_delete_elem(&lgc_tracked, &tgid);
  return 0;
}

SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(lgc_attach, struct cgroup *dst, const char *path, struct task_struct *task, bool threadgroup) {
  __u32 tgid = task->tgid;
  if (!bpf_map_lookup_elem(&lgc_tracked, &tgid)) return 0;
  struct proctrack_cfg *c = cfg();
  if (!c || !c->target_cgid) return 0;
  // Only a move on the cgroup v2 hierarchy (on a hybrid system v1 moves attach too).
  if (BPF_CORE_READ(dst, root) != BPF_CORE_READ(task, cgroups, dfl_cgrp, root)) return 0;
  if (in_target_cgroup(c, dst)) return 0;
  record_escape(task, tgid, path, 0);
  return 0;
}
