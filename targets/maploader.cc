// SPDX-License-Identifier: MIT
// maploader: an agent that loads its routing tables into BPF maps and reloads them on
// SIGHUP by building a fresh set and swapping it in. It imitates agents whose hot reload
// never closed the previous generation's map fds, and whose pins outlived them in bpffs.
#include <linux/types.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/magic.h>

#include <string>
#include <vector>

#include "targets/common.h"

namespace {

const char* kProg = "maploader";
const char* kSummary =
    "Loads tables into 3 BPF maps (hash ml_routes, array ml_config, LPM trie ml_prefixes)\n"
    "and reloads them on SIGHUP by building a new generation and swapping it in.\n"
    "Leaky mode never closes an old generation and leaves its pins behind.";
const char* kSignals =
    "SIGHUP reloads (next generation); SIGUSR1 prints counters on stderr; SIGTERM/SIGINT stop (exit 0)";

struct MapSpec {
  const char* name;
  bpf_map_type type;
  __u32 key_size, value_size, max_entries, flags;
};

// The tables of one generation: routes by id, a small config array, and prefixes.
const MapSpec kMaps[] = {
    {"ml_routes", BPF_MAP_TYPE_HASH, 4, 8, 1024, 0},
    {"ml_config", BPF_MAP_TYPE_ARRAY, 4, 8, 16, 0},
    {"ml_prefixes", BPF_MAP_TYPE_LPM_TRIE, 8, 4, 1024, BPF_F_NO_PREALLOC},
};
constexpr int kNumMaps = sizeof kMaps / sizeof kMaps[0];

struct Generation {
  unsigned long long id = 0;
  int fds[kNumMaps] = {-1, -1, -1};
  std::string dir;  // pin directory, "" without --pin
};

std::string pin_path(const Generation& g, int i) { return g.dir + "/" + kMaps[i].name; }

void release(Generation& g) {
  for (int i = 0; i < kNumMaps; i++) {
    if (g.fds[i] >= 0) close(g.fds[i]);
    g.fds[i] = -1;
  }
}

void unpin(const Generation& g) {
  if (g.dir.empty()) return;
  for (int i = 0; i < kNumMaps; i++) unlink(pin_path(g, i).c_str());
  rmdir(g.dir.c_str());
}

// Fills the maps the way a config load would: a few routes, the config, a few prefixes.
bool fill(const Generation& g, int entries, std::string& err) {
  for (__u32 k = 0; k < (__u32)entries; k++) {
    __u64 route = (g.id << 32) | k;
    if (bpf_map_update_elem(g.fds[0], &k, &route, BPF_ANY) != 0) {
      err = std::string("update ml_routes: ") + strerror(errno);
      return false;
    }
    struct {
      __u32 prefixlen, addr;
    } prefix = {24, htobe32(0x0a000000u | (k << 8))};
    if (bpf_map_update_elem(g.fds[2], &prefix, &k, BPF_ANY) != 0) {
      err = std::string("update ml_prefixes: ") + strerror(errno);
      return false;
    }
  }
  __u32 key = 0;
  __u64 gen = g.id;
  if (bpf_map_update_elem(g.fds[1], &key, &gen, BPF_ANY) != 0) {
    err = std::string("update ml_config: ") + strerror(errno);
    return false;
  }
  return true;
}

// Builds generation `id`; on failure returns false with `err` set and holds nothing of it
// in fixed mode.
bool build(Generation& g, unsigned long long id, const std::string& pin_dir, int entries, tgt::Mode mode,
           std::string& err) {
  g.id = id;
  g.dir = pin_dir.empty() ? "" : pin_dir + "/" + std::to_string(id);
  bool fixed = mode == tgt::Mode::Fixed;
  auto fail = [&](const std::string& what) {
    err = what;
    if (fixed) {
      release(g);
      unpin(g);
    }
    return false;
  };
  if (!g.dir.empty() && mkdir(g.dir.c_str(), 0700) != 0) return fail("mkdir " + g.dir + ": " + strerror(errno));
  for (int i = 0; i < kNumMaps; i++) {
    const MapSpec& s = kMaps[i];
    LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = s.flags);
    // LEAK-SITE: maploader-map
    g.fds[i] = bpf_map_create(s.type, s.name, s.key_size, s.value_size, s.max_entries, &o);
    if (g.fds[i] < 0) return fail(std::string("create map ") + s.name + ": " + strerror(errno));
  }
  if (!fill(g, entries, err)) return fail(err);
  if (!g.dir.empty())
    for (int i = 0; i < kNumMaps; i++)
      // LEAK-SITE: maploader-pin
      if (bpf_obj_pin(g.fds[i], pin_path(g, i).c_str()) != 0)
        return fail("pin " + pin_path(g, i) + ": " + strerror(errno));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  tgt::Cli cli = tgt::parse_cli(
      argc, argv, kProg, kSummary, kSignals,
      {{"pin", "DIR", "pin each generation under DIR/<generation>/ (DIR on a bpf filesystem)", ""},
       {"entries", "N", "entries loaded into ml_routes and ml_prefixes per generation", "64"},
       {"collect-every", "N",
        "fixed mode: close retired generations only every N reloads, all at once, as a garbage "
        "collector running finalizers does (a bounded sawtooth that freezes when reloads stop); 0: at once",
        "0"}});
  tgt::Mode mode = cli.mode();
  bool fixed = mode == tgt::Mode::Fixed;
  std::string pin_dir = cli.dir("pin");
  int entries = (int)cli.count("entries", 0);
  unsigned long long collect_every = (unsigned long long)cli.count("collect-every", 0);
  std::vector<Generation> retired;  // waiting for the next collection
  auto collect = [&] {
    for (auto& g : retired) {
      release(g);
      unpin(g);
    }
    retired.clear();
  };
  if (entries > 1024) cli.fail("--entries must be at most 1024 (the maps' capacity)");
  if (!pin_dir.empty()) {
    // Like real agents, make our own directory under the bpffs mount (/sys/fs/bpf/<tool>).
    if (mkdir(pin_dir.c_str(), 0700) != 0 && errno != EEXIST) {
      fprintf(stderr, "%s: --pin %s: %s\n", kProg, pin_dir.c_str(), strerror(errno));
      return 1;
    }
    struct statfs sf;
    if (statfs(pin_dir.c_str(), &sf) != 0) {
      fprintf(stderr, "%s: --pin %s: %s\n", kProg, pin_dir.c_str(), strerror(errno));
      return 1;
    }
    if (sf.f_type != BPF_FS_MAGIC) {
      fprintf(stderr, "%s: --pin %s: not on a bpf filesystem (mount -t bpf bpf DIR)\n", kProg, pin_dir.c_str());
      return 1;
    }
  }

  int sfd = tgt::signal_fd(kProg, {SIGTERM, SIGINT, SIGHUP, SIGUSR1});

  Generation cur;
  std::string err;
  if (!build(cur, 1, pin_dir, entries, mode, err)) {
    fprintf(stderr, "%s: load generation 1: %s\n", kProg, err.c_str());
    return 1;
  }
  unsigned long long reloads = 0, failed = 0;
  tgt::say(std::string("maploader ready (") + cli.get("mode") + ", generation 1" +
           (pin_dir.empty() ? "" : ", pinned under " + pin_dir) + ")");

  for (;;) {
    tgt::wait_signal(kProg, sfd);
    while (int sig = tgt::next_signal(sfd)) {
      if (sig == SIGHUP) {
        Generation next;
        if (!build(next, cur.id + 1, pin_dir, entries, mode, err)) {
          // Keep serving the current tables: a failed reload must not take the agent down.
          failed++;
          fprintf(stderr, "%s: reload to generation %llu failed, keeping %llu: %s\n", kProg, cur.id + 1, cur.id,
                  err.c_str());
          continue;
        }
        reloads++;
        if (fixed && collect_every) {
          retired.push_back(cur);
          if (reloads % collect_every == 0) collect();
        } else if (fixed) {
          release(cur);
          unpin(cur);
        }
        cur = next;  // leaky: the old fds and pins are simply forgotten
      } else if (sig == SIGUSR1) {
        fprintf(stderr, "%s: generation %llu, reloads %llu, failed reloads %llu\n", kProg, cur.id, reloads, failed);
      } else {
        fprintf(stderr, "%s: stopping at generation %llu after %llu reloads\n", kProg, cur.id, reloads);
        if (fixed) {
          collect();
          release(cur);
          unpin(cur);
        }
        close(sfd);
        return 0;
      }
    }
  }
}
