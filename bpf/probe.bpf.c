// SPDX-License-Identifier: GPL-2.0-only
// probe.bpf.c: one tiny program per kernel feature leakguard relies on. `leakguard probe`
// loads them one at a time (the others with autoload off) and runs each iterator once.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

extern s64 bpf_map_sum_elem_count(const struct bpf_map *map) __ksym __weak;

__u64 hits = 0;

SEC("iter/task")
int probe_iter_task(struct bpf_iter__task *ctx) {
  if (ctx->task) __sync_fetch_and_add(&hits, 1);
  return 0;
}

SEC("iter/task_file")
int probe_iter_task_file(struct bpf_iter__task_file *ctx) {
  if (ctx->file) __sync_fetch_and_add(&hits, 1);
  return 0;
}

SEC("iter/bpf_map")
int probe_iter_bpf_map(struct bpf_iter__bpf_map *ctx) {
  if (ctx->map) __sync_fetch_and_add(&hits, 1);
  return 0;
}

SEC("iter/bpf_prog")
int probe_iter_bpf_prog(struct bpf_iter__bpf_prog *ctx) {
  if (ctx->prog) __sync_fetch_and_add(&hits, 1);
  return 0;
}

SEC("iter/bpf_link")
int probe_iter_bpf_link(struct bpf_iter__bpf_link *ctx) {
  if (ctx->link) __sync_fetch_and_add(&hits, 1);
  return 0;
}

SEC("iter/kmem_cache")
int probe_iter_kmem_cache(struct bpf_iter__kmem_cache *ctx) {
  if (ctx->s) __sync_fetch_and_add(&hits, 1);
  return 0;
}

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
