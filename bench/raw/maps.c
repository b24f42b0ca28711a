// SPDX-License-Identifier: MIT
/* raw_maps COUNT [ENTRIES]: BPF_MAP_CREATE (hash, 4-byte keys, 8-byte values, ENTRIES
 * elements, default 16), update every key, delete every key, close; COUNT times. */
#include <linux/bpf.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw.h"

static long sys_bpf(int cmd, union bpf_attr* a) { return syscall(__NR_bpf, cmd, a, sizeof *a); }

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: raw_maps COUNT [ENTRIES]\n");
    return 2;
  }
  long n = raw_count(argv[1], "raw_maps"), entries = argc > 2 ? raw_count(argv[2], "raw_maps") : 16;
  double t0 = raw_now();
  for (long i = 0; i < n; i++) {
    union bpf_attr a;
    memset(&a, 0, sizeof a);
    a.map_type = BPF_MAP_TYPE_HASH;
    a.key_size = 4;
    a.value_size = 8;
    a.max_entries = (uint32_t)entries;
    memcpy(a.map_name, "lgw_raw", 8);
    int fd = (int)sys_bpf(BPF_MAP_CREATE, &a);
    if (fd < 0) return raw_fail("raw_maps", "bpf(BPF_MAP_CREATE)", i);
    uint64_t v = 1;
    for (uint32_t k = 0; k < (uint32_t)entries; k++) {
      memset(&a, 0, sizeof a);
      a.map_fd = (uint32_t)fd;
      a.key = (uint64_t)(uintptr_t)&k;
      a.value = (uint64_t)(uintptr_t)&v;
      if (sys_bpf(BPF_MAP_UPDATE_ELEM, &a) != 0) return raw_fail("raw_maps", "bpf(BPF_MAP_UPDATE_ELEM)", i);
    }
    for (uint32_t k = 0; k < (uint32_t)entries; k++) {
      memset(&a, 0, sizeof a);
      a.map_fd = (uint32_t)fd;
      a.key = (uint64_t)(uintptr_t)&k;
      if (sys_bpf(BPF_MAP_DELETE_ELEM, &a) != 0) return raw_fail("raw_maps", "bpf(BPF_MAP_DELETE_ELEM)", i);
    }
    close(fd);
  }
  return raw_report(n, raw_now() - t0, "maps");
}
