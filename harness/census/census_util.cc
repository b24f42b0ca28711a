// SPDX-License-Identifier: MIT
#include "harness/census/census_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "harness/base/fs.h"
#include "harness/base/metrics.h"

namespace lg {

int column(const std::vector<std::string>& names, std::string_view name) {
  for (size_t i = 0; i < names.size(); i++)
    if (names[i] == name) return (int)i;
  return -1;
}

std::string slab_cache_gap(const std::string& cache) {
  if (cache.empty() || cache.size() >= CENSUS_SLAB_NAME_LEN || cache.find('/') != std::string::npos ||
      cache.find(' ') != std::string::npos)
    return "'" + cache + "' is not a slab cache name";
  // /proc/slabinfo (and iter/kmem_cache) list real caches only: a cache merged into another
  // (slab merging) survives as a /sys/kernel/slab symlink and is counted under the other's name.
  std::string text = read_file("/proc/slabinfo");
  struct stat st;
  bool in_sysfs = lstat(("/sys/kernel/slab/" + cache).c_str(), &st) == 0;
  if (!text.empty()) {
    if (slabinfo_active(text, cache) >= 0) return "";
    if (in_sysfs)
      return "slab cache " + cache +
             " is merged into another cache on this kernel (slab merging), "
             "so its objects cannot be counted apart (boot with slab_nomerge to count it)";
    return "no slab cache named " + cache + " on this kernel";
  }
  if (in_sysfs || access("/sys/kernel/slab", F_OK) != 0) return "";  // decided by the backend
  return "no slab cache named " + cache + " on this kernel";
}

void build_columns(Backend backend, const CensusScope& scope, const CensusOptions& opts,
                   std::vector<std::string>& names, std::vector<std::string>& unavailable,
                   std::vector<std::string>& slabs) {
  names.clear();
  unavailable.clear();
  slabs.clear();
  for (const auto& m : metric_catalogue()) {
    names.push_back(m.name);
    std::string why;
    if (!(m.backends & backend_bit(backend)))
      why = backend == Backend::Procfs ? m.procfs_gap : "the BPF census cannot measure it";
    else if (m.scope == Scope::Target && scope.kind == CensusScope::System)
      why = "system scope: there is no target";
    else if (m.scope == Scope::System && !opts.system)
      why = "system metrics were not requested";
    unavailable.push_back(why);
  }
  const auto& want = opts.slab_caches.empty() ? default_slab_caches() : opts.slab_caches;
  for (const auto& c : want) {
    bool dup = false;
    for (const auto& s : slabs) dup |= s == c;
    if (dup) continue;
    slabs.push_back(c);
    names.push_back(slab_metric_name(c));
    unavailable.push_back(opts.system ? slab_cache_gap(c) : "system metrics were not requested");
  }
}

int fd_kind_from_link(std::string_view l) {
  if (!l.empty() && l[0] == '/') return -1;
  if (starts_with(l, "socket:")) return CENSUS_FD_SOCKET;
  if (starts_with(l, "pipe:")) return CENSUS_FD_PIPE;
  if (starts_with(l, "anon_inode:")) {
    std::string_view n = l.substr(11);
#define LG_ANON_KIND(X, ID, name, anon, doc) \
  if (sizeof(anon) > 1 && n == anon) return CENSUS_FD_##ID;
    LG_FD_KINDS(LG_ANON_KIND, _)
#undef LG_ANON_KIND
    return CENSUS_FD_ANON_OTHER;
  }
  if (starts_with(l, "net:[")) return CENSUS_FD_NETNS;
  // nsfs: "mnt:[4026531841]", "pid_for_children:[...]", ...
  size_t colon = l.find(":[");
  if (colon != std::string_view::npos && colon > 0 && l.back() == ']') {
    bool word = true;
    for (size_t i = 0; i < colon; i++) word &= (islower((unsigned char)l[i]) || l[i] == '_');
    if (word) return CENSUS_FD_NSFS_OTHER;
  }
  return CENSUS_FD_OTHER;
}

int fd_kind_from_mode(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: return CENSUS_FD_FILE;
    case S_IFDIR: return CENSUS_FD_DIR;
    case S_IFSOCK: return CENSUS_FD_SOCKET;
    case S_IFIFO: return CENSUS_FD_PIPE;
    case S_IFCHR: return CENSUS_FD_CHR;
  }
  return CENSUS_FD_OTHER;
}

int64_t proc_field(std::string_view text, std::string_view key) {
  size_t pos = 0;
  while (true) {
    pos = text.find(key, pos);
    if (pos == std::string_view::npos) return -1;
    if (pos == 0 || text[pos - 1] == '\n') break;
    pos += key.size();
  }
  pos += key.size();
  while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t')) pos++;
  if (pos >= text.size() || !isdigit((unsigned char)text[pos])) return -1;
  int64_t v = 0;
  while (pos < text.size() && isdigit((unsigned char)text[pos])) v = v * 10 + (text[pos++] - '0');
  return v;
}

bool parse_proc_stat(std::string_view t, ProcStat& out) {
  // pid (comm) S ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  // cutime cstime priority nice num_threads ...; comm may hold spaces and parentheses.
  size_t close = t.rfind(')');
  if (close == std::string_view::npos || close + 2 >= t.size()) return false;
  out.pid = (pid_t)atoi(std::string(t.substr(0, t.find(' '))).c_str());
  std::string_view rest = t.substr(close + 2);
  int field = 0;
  size_t pos = 0;
  while (pos < rest.size() && field <= 17) {
    size_t sp = rest.find(' ', pos);
    std::string_view tok = rest.substr(pos, sp == std::string_view::npos ? std::string_view::npos : sp - pos);
    if (field == 0) out.state = tok.empty() ? '?' : tok[0];
    if (field == 1) out.ppid = (pid_t)atoi(std::string(tok).c_str());
    if (field == 17) out.threads = atoll(std::string(tok).c_str());
    if (sp == std::string_view::npos) break;
    pos = sp + 1;
    field++;
  }
  return field >= 17 && out.pid > 0;
}

int64_t slabinfo_active(std::string_view text, std::string_view cache) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.size() > cache.size() && line.substr(0, cache.size()) == cache && line[cache.size()] == ' ') {
      std::string_view rest = line.substr(cache.size());
      size_t b = rest.find_first_not_of(' ');
      if (b == std::string_view::npos) return -1;
      return atoll(std::string(rest.substr(b, rest.find(' ', b) - b)).c_str());
    }
  }
  return -1;
}

bool cgroup_info(const std::string& path, uint64_t& id, uint32_t& level, std::string& err) {
  struct statfs sf;
  struct stat st;
  if (statfs(path.c_str(), &sf) != 0 || stat(path.c_str(), &st) != 0) {
    err = "cgroup " + path + ": " + strerror(errno);
    return false;
  }
  if (sf.f_type != 0x63677270 /* CGROUP2_SUPER_MAGIC */ || !S_ISDIR(st.st_mode)) {
    err = "cgroup " + path + ": not a cgroup v2 directory";
    return false;
  }
  id = st.st_ino;  // kernfs node id on 64-bit kernels
  // Level: directories between the mount root and path.
  char real[4096];
  if (!realpath(path.c_str(), real)) {
    err = "cgroup " + path + ": " + strerror(errno);
    return false;
  }
  std::string root = cgroup2_mount();
  std::string p = real;
  if (root.empty() || !starts_with(p, root)) {
    err = "cgroup " + path + ": not below the cgroup v2 mount" + (root.empty() ? "" : " " + root);
    return false;
  }
  level = 0;
  for (char c : p.substr(root.size())) level += c == '/';
  return true;
}

static bool cgroup_pids_rec(const std::string& path, std::vector<pid_t>& pids, std::string& err, int depth) {
  std::string procs = path + "/cgroup.procs";
  int fd = open(procs.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = "cannot read " + procs + ": " + strerror(errno);
    return false;
  }
  close(fd);
  for (const auto& l : split(read_file(procs), '\n'))
    if (!l.empty()) pids.push_back((pid_t)atoi(l.c_str()));
  if (depth > 64) return true;
  DIR* d = opendir(path.c_str());
  if (!d) return true;
  while (dirent* e = readdir(d)) {
    if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
    if (!cgroup_pids_rec(path + "/" + e->d_name, pids, err, depth + 1)) {
      if (errno == ENOENT) continue;  // removed while we walked
      closedir(d);
      return false;
    }
  }
  closedir(d);
  return true;
}

bool cgroup_pids(const std::string& path, std::vector<pid_t>& pids, std::string& err) {
  pids.clear();
  return cgroup_pids_rec(path, pids, err, 0);
}

bool own_bpf_map_name(std::string_view n) {
  return starts_with(n, "libbpf_") || starts_with(n, "lgc_") || starts_with(n, "census_b.");
}

bool own_bpf_prog_name(std::string_view n) { return starts_with(n, "libbpf_") || starts_with(n, "lgc_"); }

bool process_exists(pid_t pid) { return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM); }

void slabs_from_procfs(const std::vector<std::string>& caches, const std::function<void(size_t, double)>& set) {
  std::string text = read_file("/proc/slabinfo");
  for (size_t i = 0; i < caches.size(); i++) {
    int64_t a = slabinfo_active(text, caches[i]);
    if (a >= 0) set(i, (double)a);
  }
}

}  // namespace lg
