// SPDX-License-Identifier: MIT
// cgagent: a container agent that follows the cgroup v2 tree (as kubelet, cAdvisor and
// systemd do): it watches --root and every group below it with inotify, and for each group
// that appears opens its directory (to list and watch it) and its cgroup.events (to follow
// "populated"). It imitates agents that dropped a removed group from their table without
// closing what they held for it: two descriptors per group ever seen.
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "targets/common.h"

namespace {

const char* kProg = "cgagent";
const char* kSummary =
    "Follows the cgroup v2 tree below --root with inotify; for each group it opens the\n"
    "directory and cgroup.events. Leaky mode forgets removed groups without closing\n"
    "them: two fds per group ever seen.";
const char* kSignals = "SIGUSR1 prints counters on stderr; SIGHUP rescans the tree; SIGTERM/SIGINT stop (exit 0)";

struct Group {
  std::string path;
  int dir = -1;     // the group's directory
  int events = -1;  // its cgroup.events
  bool populated = false;
};

struct Agent {
  bool fixed = true;
  int in = -1;                           // inotify
  std::unordered_map<int, Group> by_wd;  // watch descriptor -> group
  std::unordered_map<std::string, int> by_path;
  unsigned long long seen = 0, gone = 0, missed = 0, overflows = 0, leaked = 0;

  // A group appeared (or was there at start): open what we keep for it and watch it.
  void add(const std::string& path) {
    int dir = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) {
      missed++;  // removed before we got to it
      return;
    }
    int wd = inotify_add_watch(in, path.c_str(), IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_ONLYDIR);
    if (wd < 0) {
      missed++;
      close(dir);
      return;
    }
    if (by_wd.count(wd)) {  // already known (a rescan): keep the first handles
      close(dir);
      return;
    }
    Group g;
    g.path = path;
    g.dir = dir;
    g.events = openat(dir, "cgroup.events", O_RDONLY | O_CLOEXEC);
    if (g.events >= 0) {
      char buf[256];
      ssize_t n = pread(g.events, buf, sizeof buf - 1, 0);
      if (n > 0) {
        buf[n] = 0;
        g.populated = strstr(buf, "populated 1") != nullptr;
      }
    }
    by_wd[wd] = g;
    by_path[path] = wd;
    seen++;
    // Groups below it that were made before the watch existed.
    scan(path);
  }

  void scan(const std::string& path) {
    DIR* d = opendir(path.c_str());
    if (!d) return;
    while (dirent* e = readdir(d)) {
      if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
      add(path + "/" + e->d_name);
    }
    closedir(d);
  }

  void rescan() {
    std::vector<std::string> paths;  // add() changes by_wd
    for (auto& [wd, g] : by_wd) paths.push_back(g.path);
    for (const auto& p : paths) scan(p);
  }

  // A group went away: the fix closes what it held; the bug just forgets it.
  void remove(int wd) {
    auto it = by_wd.find(wd);
    if (it == by_wd.end()) return;
    Group& g = it->second;
    if (fixed) {
      inotify_rm_watch(in, wd);
      close(g.dir);
      if (g.events >= 0) close(g.events);
    } else {
      leaked += 1 + (g.events >= 0);
    }
    by_path.erase(g.path);
    by_wd.erase(it);
    gone++;
  }

  void on_events() {
    alignas(inotify_event) char buf[65536];
    for (;;) {
      ssize_t n = read(in, buf, sizeof buf);
      if (n <= 0) return;
      for (char* p = buf; p < buf + n;) {
        auto* ev = reinterpret_cast<inotify_event*>(p);
        p += sizeof(inotify_event) + ev->len;
        if (ev->mask & IN_Q_OVERFLOW) {
          overflows++;  // events were lost: look at the tree again
          rescan();
          continue;
        }
        if (ev->mask & IN_IGNORED) {  // the watch is gone (the group was removed)
          remove(ev->wd);
          continue;
        }
        auto it = by_wd.find(ev->wd);
        if (it == by_wd.end() || !(ev->mask & IN_ISDIR) || !ev->len) continue;
        std::string child = it->second.path + "/" + ev->name;
        if (ev->mask & IN_CREATE) {
          add(child);
        } else if (ev->mask & IN_DELETE) {
          // Told by the parent: while we hold the group's directory open, the kernel never
          // sends it IN_DELETE_SELF.
          auto c = by_path.find(child);
          if (c != by_path.end()) remove(c->second);
        }
      }
    }
  }
};

std::string cgroup2_mount() {
  FILE* f = fopen("/proc/mounts", "re");
  if (!f) return "";
  char line[4096];
  std::string out;
  while (fgets(line, sizeof line, f)) {
    char dev[512], dir[2048], type[64];
    if (sscanf(line, "%511s %2047s %63s", dev, dir, type) == 3 && strcmp(type, "cgroup2") == 0) {
      out = dir;
      break;
    }
  }
  fclose(f);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  tgt::Cli cli = tgt::parse_cli(argc, argv, kProg, kSummary, kSignals,
                                {{"root", "DIR", "top of the tree to follow (default: the cgroup2 mount)", ""}});
  Agent a;
  a.fixed = cli.mode() == tgt::Mode::Fixed;
  std::string root = cli.dir("root");
  if (root.empty()) root = cgroup2_mount();
  if (root.empty()) {
    fprintf(stderr, "%s: cgroup v2 is not mounted and no --root was given\n", kProg);
    return 1;
  }
  struct stat st;
  if (stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    fprintf(stderr, "%s: --root %s: %s\n", kProg, root.c_str(), errno ? strerror(errno) : "not a directory");
    return 1;
  }
  int sfd = tgt::signal_fd(kProg, {SIGTERM, SIGINT, SIGHUP, SIGUSR1});
  a.in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (a.in < 0) {
    fprintf(stderr, "%s: inotify_init1: %s\n", kProg, strerror(errno));
    return 1;
  }
  a.add(root);  // the root and every group already below it: the baseline
  if (a.by_wd.empty()) {
    fprintf(stderr, "%s: cannot watch %s: %s\n", kProg, root.c_str(), strerror(errno));
    return 1;
  }
  tgt::say(std::string("cgagent ready (") + cli.get("mode") + ", " + std::to_string(a.by_wd.size()) + " groups under " +
           root + ")");
  for (;;) {
    pollfd p[2] = {{a.in, POLLIN, 0}, {sfd, POLLIN, 0}};
    if (poll(p, 2, -1) < 0 && errno != EINTR) {
      fprintf(stderr, "%s: poll: %s\n", kProg, strerror(errno));
      return 1;
    }
    if (p[0].revents) a.on_events();
    while (int sig = tgt::next_signal(sfd)) {
      if (sig == SIGUSR1) {
        fprintf(stderr, "%s: groups seen %llu, gone %llu, followed %zu, missed %llu, overflows %llu, leaked fds %llu\n",
                kProg, a.seen, a.gone, a.by_wd.size(), a.missed, a.overflows, a.leaked);
      } else if (sig == SIGHUP) {
        a.rescan();
      } else {
        if (a.fixed)
          for (auto& [wd, g] : a.by_wd) {
            close(g.dir);
            if (g.events >= 0) close(g.events);
          }
        fprintf(stderr, "%s: stopping after %llu groups\n", kProg, a.seen);
        return 0;
      }
    }
  }
}
