// SPDX-License-Identifier: MIT
// pidprof: the user-space half of an eBPF profiler that keeps per-process (pid, page)
// entries in a hash map and an LPM trie. It imitates profilers that clean up on process
// exit with BPF_MAP_DELETE_BATCH over a key list that includes keys the BPF side never
// inserted: the batch stops at the first missing key and the rest stay forever.
#include <endian.h>
#include <linux/types.h>
#include <poll.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "targets/pidprof.h"
#include "pidprof.skel.h"
#include "targets/common.h"

namespace {

const char* kProg = "pidprof";
const char* kSummary =
    "Keeps (pid, page) -> mapping entries for every exec'd process in BPF maps (hash\n"
    "pp_pages, LPM trie pp_ranges) and deletes them when the process exits. Leaky mode\n"
    "gives up when BPF_MAP_DELETE_BATCH stops at a key that was never inserted.";
const char* kSignals = "SIGUSR1 prints counters on stderr; SIGTERM/SIGINT stop (exit 0)";

struct Stats {
  unsigned long long exits = 0, deleted = 0, batch_failures = 0, key_failures = 0, given_up = 0;
};

struct Ctx {
  tgt::Mode mode;
  int pages_fd, ranges_fd;
  Stats st;
};

// Deletes the LPM entries one by one. Leaky mode has the same flaw here as with the
// batch: it gives up on the process at the first key that is not there.
void delete_ranges(Ctx& c, __u32 pid, const pp_key* keys, int n) {
  for (int i = 0; i < n; i++) {
    pp_lpm_key k{};
    __u32 p = htobe32(pid);
    __u64 a = htobe64(keys[i].page << 12);
    k.prefixlen = PP_LPM_PREFIX;
    memcpy(k.data, &p, 4);
    memcpy(k.data + 4, &a, 8);
    if (bpf_map_delete_elem(c.ranges_fd, &k) == 0) {
      c.st.deleted++;
    } else {
      c.st.key_failures++;
      if (c.mode == tgt::Mode::Leaky) return;
    }
  }
}

int on_exit_event(void* ctx, void* data, size_t size) {
  Ctx& c = *static_cast<Ctx*>(ctx);
  if (size < sizeof(pp_exit)) return 0;
  const pp_exit* e = static_cast<const pp_exit*>(data);
  c.st.exits++;

  // One key per region of the layout. Regions the BPF side skipped because they were
  // empty (the heap right after exec) are listed too: that is the bug's raw material.
  pp_key keys[PP_NREGIONS];
  int n = 0;
  for (int r = 0; r < PP_NREGIONS; r++)
    if (e->layout.pages[r]) keys[n++] = pp_key{e->pid, 0, e->layout.pages[r]};

  __u32 count = n;
  if (bpf_map_delete_batch(c.pages_fd, keys, &count, nullptr) == 0) {
    c.st.deleted += count;
  } else {
    // The kernel stops at the first key it cannot delete; count says how many went.
    c.st.deleted += count;
    c.st.batch_failures++;
    if (c.mode == tgt::Mode::Leaky) {
      c.st.given_up++;
      return 0;  // the rest of this process's entries, hash and trie, stay forever
    }
    for (int i = (int)count; i < n; i++) {
      if (bpf_map_delete_elem(c.pages_fd, &keys[i]) == 0)
        c.st.deleted++;
      else
        c.st.key_failures++;
    }
  }
  delete_ranges(c, e->pid, keys, n);
  return 0;
}

void print_stats(const Ctx& c, const pidprof_bpf* skel, const char* when) {
  fprintf(stderr,
          "%s: %s: execs %llu, exits %llu (handled %llu), keys deleted %llu, batch failures %llu, "
          "key failures %llu, processes given up %llu, events dropped %llu, inserts refused %llu\n",
          kProg, when, (unsigned long long)skel->bss->execs, (unsigned long long)skel->bss->exits, c.st.exits,
          c.st.deleted, c.st.batch_failures, c.st.key_failures, c.st.given_up, (unsigned long long)skel->bss->drops,
          (unsigned long long)skel->bss->full);
}

int libbpf_log(enum libbpf_print_level level, const char* fmt, va_list ap) {
  if (level == LIBBPF_DEBUG) return 0;
  return vfprintf(stderr, fmt, ap);
}

}  // namespace

int main(int argc, char** argv) {
  tgt::Cli cli = tgt::parse_cli(argc, argv, kProg, kSummary, kSignals,
                                {{"max-entries", "N", "capacity of pp_pages and pp_ranges", "65536"}});
  Ctx c{cli.mode(), -1, -1, {}};
  long long max_entries = cli.count("max-entries", 1);

  int sfd = tgt::signal_fd(kProg, {SIGTERM, SIGINT, SIGUSR1});
  libbpf_set_print(libbpf_log);

  pidprof_bpf* skel = pidprof_bpf::open();
  if (!skel) {
    fprintf(stderr, "%s: open BPF object: %s\n", kProg, strerror(errno));
    return 1;
  }
  bpf_map__set_max_entries(skel->maps.pp_pages, max_entries);
  bpf_map__set_max_entries(skel->maps.pp_ranges, max_entries);
  // LEAK-SITE: pidprof-maps
  if (int err = pidprof_bpf::load(skel)) {
    fprintf(stderr, "%s: load BPF programs: %s (needs root or CAP_BPF+CAP_PERFMON)\n", kProg, strerror(-err));
    pidprof_bpf::destroy(skel);
    return 1;
  }
  if (int err = pidprof_bpf::attach(skel)) {
    fprintf(stderr, "%s: attach tp_btf/sched_process_exec and exit: %s\n", kProg, strerror(-err));
    pidprof_bpf::destroy(skel);
    return 1;
  }
  c.pages_fd = bpf_map__fd(skel->maps.pp_pages);
  c.ranges_fd = bpf_map__fd(skel->maps.pp_ranges);
  ring_buffer* rb = ring_buffer__new(bpf_map__fd(skel->maps.pp_exits), on_exit_event, &c, nullptr);
  if (!rb) {
    fprintf(stderr, "%s: ring buffer pp_exits: %s\n", kProg, strerror(errno));
    pidprof_bpf::destroy(skel);
    return 1;
  }
  tgt::say(std::string("pidprof ready (") + cli.get("mode") + ", maps pp_pages pp_ranges pp_procs)");

  int rc = 0;
  pollfd p[2] = {{sfd, POLLIN, 0}, {ring_buffer__epoll_fd(rb), POLLIN, 0}};
  for (bool running = true; running;) {
    if (poll(p, 2, -1) < 0 && errno != EINTR) {
      fprintf(stderr, "%s: poll: %s\n", kProg, strerror(errno));
      rc = 1;
      break;
    }
    if (ring_buffer__consume(rb) < 0) {
      fprintf(stderr, "%s: ring buffer pp_exits: consume failed\n", kProg);
      rc = 1;
      break;
    }
    while (int sig = tgt::next_signal(sfd)) {
      if (sig == SIGUSR1) {
        print_stats(c, skel, "counts");
      } else {
        ring_buffer__consume(rb);  // exits already reported are still cleaned up
        running = false;
      }
    }
  }
  print_stats(c, skel, "stopping");
  ring_buffer__free(rb);
  pidprof_bpf::destroy(skel);
  close(sfd);
  return rc;
}
