// SPDX-License-Identifier: GPL-2.0-only
// pidprof: per-process memory layout kept in BPF maps, the bookkeeping of an eBPF
// profiler. Exec inserts (pid, page) entries; exit hands the pid to user space through a
// ring buffer and user space deletes the entries.
// tp_btf programs: tracefs is not needed (it is not mounted on every machine).
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "pidprof.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __type(key, struct pp_key);
  __type(value, struct pp_mapping);
} pp_pages SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, 65536);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct pp_lpm_key);
  __type(value, struct pp_mapping);
} pp_ranges SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 16384);
  __type(key, __u32);
  __type(value, struct pp_layout);
} pp_procs SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 256 * 1024);
} pp_exits SEC(".maps");

__u64 execs = 0;
__u64 exits = 0;
__u64 drops = 0;  // exit events lost (ring buffer full): their entries stay
__u64 full = 0;   // inserts refused (a map full)

static void lpm_key(struct pp_lpm_key* k, __u32 pid, __u64 page) {
  __u32 p = bpf_htonl(pid);
  __u64 a = bpf_cpu_to_be64(page << 12);
  k->prefixlen = PP_LPM_PREFIX;
  __builtin_memcpy(k->data, &p, 4);
  __builtin_memcpy(k->data + 4, &a, 8);
}

static void forget(__u32 pid, struct pp_layout* l) {
  for (int r = 0; r < PP_NREGIONS; r++) {
    if (!l->pages[r]) continue;
    struct pp_key k = {.pid = pid, .page = l->pages[r]};
    struct pp_lpm_key lk;
    lpm_key(&lk, pid, l->pages[r]);
    bpf_map_delete_elem(&pp_pages, &k);
    bpf_map_delete_elem(&pp_ranges, &lk);
  }
}

static void add(__u32 pid, __u32 region, __u64 start, __u64 end, struct pp_layout* l) {
  l->pages[region] = start >> 12;
  if (!start || end <= start) return;  // nothing mapped there (yet)
  struct pp_key k = {.pid = pid, .page = start >> 12};
  struct pp_mapping m = {.start = start, .end = end, .region = region};
  struct pp_lpm_key lk;
  lpm_key(&lk, pid, start >> 12);
  // LEAK-SITE: pidprof-entries
  if (bpf_map_update_elem(&pp_pages, &k, &m, BPF_ANY) || bpf_map_update_elem(&pp_ranges, &lk, &m, BPF_ANY))
    __sync_fetch_and_add(&full, 1);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct* p) {
  __u32 pid = BPF_CORE_READ(p, tgid);
  struct mm_struct* mm = BPF_CORE_READ(p, mm);
  if (!mm) return 0;
  __sync_fetch_and_add(&execs, 1);

  // A process that execs again drops the entries of its previous image.
  struct pp_layout* old = bpf_map_lookup_elem(&pp_procs, &pid);
  if (old) forget(pid, old);

  struct pp_layout l = {};
  __u64 stack = BPF_CORE_READ(mm, start_stack) & ~4095ULL;
  add(pid, PP_TEXT, BPF_CORE_READ(mm, start_code), BPF_CORE_READ(mm, end_code), &l);
  add(pid, PP_DATA, BPF_CORE_READ(mm, start_data), BPF_CORE_READ(mm, end_data), &l);
  add(pid, PP_HEAP, BPF_CORE_READ(mm, start_brk), BPF_CORE_READ(mm, brk), &l);
  add(pid, PP_STACK, stack, stack + 4096, &l);
  bpf_map_update_elem(&pp_procs, &pid, &l, BPF_ANY);
  return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct* p) {
  __u32 pid = BPF_CORE_READ(p, tgid);
  if (BPF_CORE_READ(p, pid) != pid) return 0;  // a thread, not the process
  struct pp_layout* l = bpf_map_lookup_elem(&pp_procs, &pid);
  if (!l) return 0;  // started before us
  __sync_fetch_and_add(&exits, 1);
  struct pp_exit* e = bpf_ringbuf_reserve(&pp_exits, sizeof(*e), 0);
  if (e) {
    e->pid = pid;
    e->pad = 0;
    __builtin_memcpy(&e->layout, l, sizeof(*l));
    bpf_ringbuf_submit(e, 0);
  } else {
    __sync_fetch_and_add(&drops, 1);
  }
  bpf_map_delete_elem(&pp_procs, &pid);
  return 0;
}
