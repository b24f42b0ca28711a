// SPDX-License-Identifier: MIT
// nstuner: a network tuner that applies a TCP sysctl inside every network namespace it
// discovers. It imitates node agents that setns() into each pod's namespace and forgot to
// close the fd that remembers where they came from: one host-netns fd leaks per namespace.
#include <dirent.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "targets/common.h"

namespace {

const char* kProg = "nstuner";
const char* kSummary =
    "Applies a TCP sysctl in every network namespace it discovers (nsfs mounts under\n"
    "--netns-dir and /proc/*/ns/net), polling. Leaky mode never closes the fd that\n"
    "saves its own namespace: one fd per namespace visited.";
const char* kSignals =
    "SIGHUP rescans at once (reload); SIGUSR1 prints counters on stderr; SIGTERM/SIGINT stop (exit 0)";

struct Stats {
  unsigned long long visited = 0, tuned = 0, errors = 0, skipped = 0;
};

tgt::Mode g_mode;
std::string g_sysctl;
Stats g_stats;

// Errors are counted always but printed only at first: a namespace that vanishes between
// discovery and open is normal under churn and would flood stderr.
void error(const std::string& what, int err) {
  g_stats.errors++;
  if (g_stats.errors <= 10)
    fprintf(stderr, "%s: %s: %s%s\n", kProg, what.c_str(), strerror(err),
            g_stats.errors == 10 ? " (further errors only counted; SIGUSR1 prints counts)" : "");
}

// /proc/mounts escapes space, tab, newline and backslash in octal.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = 0;
      bool ok = true;
      for (int k = 1; k <= 3; k++) {
        char c = s[i + k];
        if (c < '0' || c > '7') ok = false;
        v = v * 8 + (c - '0');
      }
      if (ok) {
        out += (char)v;
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

bool under(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/';
}

// Every namespace visible now, by inode (one path each, the first seen).
std::unordered_map<ino_t, std::string> discover(const std::string& netns_dir) {
  std::unordered_map<ino_t, std::string> found;
  struct stat st;
  // nsfs mounts, as `ip netns add` leaves them under /run/netns.
  if (FILE* f = fopen("/proc/self/mounts", "re")) {
    char* line = nullptr;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
      char dev[64], mnt[4096], type[64];
      if (sscanf(line, "%63s %4095s %63s", dev, mnt, type) != 3 || strcmp(type, "nsfs") != 0) continue;
      std::string path = unescape(mnt);
      if (!under(path, netns_dir)) continue;
      if (stat(path.c_str(), &st) == 0) found.emplace(st.st_ino, path);
    }
    free(line);
    fclose(f);
  } else {
    error("open /proc/self/mounts", errno);
  }
  // Namespaces of processes (containers started without a bind mount).
  if (DIR* d = opendir("/proc")) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
      std::string path = std::string("/proc/") + e->d_name + "/ns/net";
      if (stat(path.c_str(), &st) == 0) found.emplace(st.st_ino, path);
    }
    closedir(d);
  } else {
    error("open /proc", errno);
  }
  return found;
}

// Reads the sysctl in the current namespace and writes the same value back, the way a
// tuner re-asserts its setting.
bool tune_here() {
  std::string path = "/proc/sys/" + g_sysctl;
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    error("open " + path, errno);
    return false;
  }
  char buf[256];
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) {
    error("read " + path, n < 0 ? errno : EIO);
    if (g_mode == tgt::Mode::Fixed) close(fd);
    return false;
  }
  if (pwrite(fd, buf, n, 0) != n) {
    error("write " + path, errno);
    if (g_mode == tgt::Mode::Fixed) close(fd);
    return false;
  }
  close(fd);
  return true;
}

// Enter the namespace at `path`, tune it, come back. The bug of leaky mode: the fd that
// remembers the original namespace is never closed (and error paths forget their fds).
void visit(const std::string& path) {
  bool fixed = g_mode == tgt::Mode::Fixed;
  g_stats.visited++;
  // LEAK-SITE: nstuner-netns
  int saved = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (saved < 0) {
    error("open /proc/self/ns/net", errno);
    return;
  }
  int target = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (target < 0) {
    error("open " + path, errno);
    if (fixed) close(saved);
    return;
  }
  if (ioctl(target, NS_GET_NSTYPE) != CLONE_NEWNET) {  // an nsfs mount of another kind
    g_stats.skipped++;
    close(target);
    if (fixed) close(saved);
    return;
  }
  if (setns(target, CLONE_NEWNET) != 0) {
    error("setns " + path, errno);
    if (fixed) {
      close(target);
      close(saved);
    }
    return;
  }
  close(target);
  if (tune_here()) g_stats.tuned++;
  if (setns(saved, CLONE_NEWNET) != 0) {
    // Staying in a foreign namespace would tune the wrong one from now on.
    fprintf(stderr, "%s: setns back to the original namespace: %s\n", kProg, strerror(errno));
    exit(1);
  }
  if (fixed) close(saved);
}

double now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  tgt::Cli cli = tgt::parse_cli(
      argc, argv, kProg, kSummary, kSignals,
      {{"netns-dir", "DIR", "take nsfs mounts under DIR ('/' for all)", "/run/netns"},
       {"interval", "DUR", "discovery period", "100ms"},
       {"sysctl", "NAME", "sysctl under /proc/sys to read and write back", "net/ipv4/tcp_keepalive_time"}});
  g_mode = cli.mode();
  g_sysctl = cli.get("sysctl");
  std::string netns_dir = cli.dir("netns-dir");
  double interval = cli.duration_us("interval") / 1e6;
  if (interval <= 0) cli.fail("--interval must be above 0");

  int sfd = tgt::signal_fd(kProg, {SIGTERM, SIGINT, SIGUSR1, SIGHUP});

  // Namespaces already tuned. Rebuilt from each scan so vanished ones are forgotten and
  // memory follows the live count, not the total ever seen.
  std::unordered_set<ino_t> seen;
  auto scan = [&] {
    auto found = discover(netns_dir);
    std::unordered_set<ino_t> next;
    next.reserve(found.size());
    for (auto& [ino, path] : found) {
      if (!seen.count(ino)) visit(path);
      next.insert(ino);
    }
    seen.swap(next);
  };

  // The first pass comes before the ready line so the namespaces present at start are part
  // of the baseline.
  scan();
  tgt::say(std::string("nstuner ready (") + cli.get("mode") + ", " + std::to_string(seen.size()) + " namespaces)");

  double next_scan = now() + interval;
  for (;;) {
    int wait_ms = (int)((next_scan - now()) * 1000);
    pollfd p{sfd, POLLIN, 0};
    if (poll(&p, 1, wait_ms > 0 ? wait_ms : 0) < 0 && errno != EINTR) {
      fprintf(stderr, "%s: poll: %s\n", kProg, strerror(errno));
      return 1;
    }
    while (int sig = tgt::next_signal(sfd)) {
      if (sig == SIGHUP) {  // reload, as real tuners do: rediscover now
        next_scan = now();
      } else if (sig == SIGUSR1) {
        fprintf(stderr, "%s: visited %llu, tuned %llu, skipped %llu, errors %llu, tracking %zu\n", kProg,
                g_stats.visited, g_stats.tuned, g_stats.skipped, g_stats.errors, seen.size());
      } else {
        // Nothing is held between scans in fixed mode: leaving is the whole cleanup.
        fprintf(stderr, "%s: stopping: visited %llu namespaces, %llu errors\n", kProg, g_stats.visited, g_stats.errors);
        close(sfd);
        return 0;
      }
    }
    if (now() >= next_scan) {
      scan();
      next_scan = now() + interval;
    }
  }
}
