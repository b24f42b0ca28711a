// SPDX-License-Identifier: GPL-2.0-only OR MIT
#pragma once
// Layouts shared by targets/pidprof.bpf.c and targets/pidprof.cc. The includer provides
// __u32/__u64 (vmlinux.h on the BPF side, <linux/types.h> in user space).

// The regions of a process's memory the profiler keeps one entry per page for, in memory
// order. This order is the order of the key list user space builds on exit.
enum pp_region { PP_TEXT, PP_DATA, PP_HEAP, PP_STACK, PP_NREGIONS };

// pp_pages (hash): (process, page) -> mapping.
struct pp_key {
  __u32 pid;   // tgid
  __u32 pad;   // always 0: keys are compared as bytes
  __u64 page;  // address >> 12
};

// pp_ranges (LPM trie): pid then page address, both big-endian, so a lookup by
// (pid, any address) finds the mapping that covers it.
#define PP_LPM_PREFIX (32 + 52)
struct pp_lpm_key {
  __u32 prefixlen;
  __u8 data[12];
};

struct pp_mapping {
  __u64 start, end;  // bytes
  __u32 region;      // enum pp_region
  __u32 pad;
};

// pp_procs (hash, pid -> layout) and the exit event: the first page of every region as
// seen at exec, 0 for none. The BPF side inserts only regions that hold memory; an empty
// heap (brk == start_brk, always true right after exec) is skipped but still listed here.
struct pp_layout {
  __u64 pages[PP_NREGIONS];
};

struct pp_exit {
  __u32 pid;
  __u32 pad;
  struct pp_layout layout;
};
