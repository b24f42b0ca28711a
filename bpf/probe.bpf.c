// SPDX-License-Identifier: GPL-2.0-only
// probe.bpf.c: one tiny program per kernel feature leakguard relies on. `leakguard probe`
// loads them one at a time (the others with autoload off) and runs each iterator once.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

extern s64 bpf_map_sum_elem_count(const struct bpf_map *map) __ksym __weak;

__u64 hits = 0;

// One program per iterator type, counting the objects it visits: probe_iter_<type>.
#define PROBE_ITER(type, object)                        \
  SEC("iter/" #type)                                    \
  int probe_iter_##type(struct bpf_iter__##type *ctx) { \
    if (ctx->object) __sync_fetch_and_add(&hits, 1);    \
    return 0;                                           \
  }

PROBE_ITER(task, task)
PROBE_ITER(task_file, file)
PROBE_ITER(bpf_map, map)
PROBE_ITER(bpf_prog, prog)
PROBE_ITER(bpf_link, link)
PROBE_ITER(kmem_cache, s)

SEC("iter/bpf_map")
int probe_kfunc_sum_elem(struct bpf_iter__bpf_map *ctx) {
  struct bpf_map *map = ctx->map;
  if (map) hits += bpf_map_sum_elem_count(map);
  return 0;
}

SEC("tp/syscalls/sys_enter_getppid")
int probe_tracepoint(void *ctx) {
  __sync_fetch_and_add(&hits, 1);
  return 0;
}

SEC("fentry/do_sys_openat2")
int BPF_PROG(probe_fentry) {
  __sync_fetch_and_add(&hits, 1);
  return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(probe_tp_btf, struct task_struct *p) {
  __sync_fetch_and_add(&hits, 1);
  return 0;
}
