// SPDX-License-Identifier: MIT
#include "harness/base/out_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace lg {

namespace {

constexpr const char* kManifestHead = "leakguard-manifest 1";
constexpr size_t kMaxManifestBytes = 1024 * 1024;

bool name_ok(std::string_view n) {
  if (n.empty() || n.size() > 255 || n[0] == '.') return false;
  for (char c : n)
    if (!isalnum((unsigned char)c) && c != '.' && c != '_' && c != '-') return false;
  return true;
}

// ".report.html.k3j9a0.tmp": a temp name AtomicFile made for `name`.
bool temp_of(const std::string& tmp, const std::string& name) {
  const size_t suffix = 1 + 6 + 4;  // ".xxxxxx.tmp"
  if (tmp.size() != 1 + name.size() + suffix || tmp[0] != '.') return false;
  return tmp.compare(1, name.size(), name) == 0 && tmp.compare(tmp.size() - 4, 4, ".tmp") == 0 &&
         tmp[1 + name.size()] == '.';
}

}  // namespace

bool manifest_entry_ok(std::string_view rel) {
  size_t slash = rel.find('/');
  if (slash == std::string_view::npos) return name_ok(rel);
  return rel.substr(0, slash) == OutputDir::kPlots && name_ok(rel.substr(slash + 1));
}

const std::vector<std::string>& OutputDir::run_files() {
  static const std::vector<std::string> k = {"series.json", "report.html", "junit.xml", "target.stdout.log",
                                             "target.stderr.log"};
  return k;
}

OutputDir::~OutputDir() {
  if (lock_fd_ >= 0) close(lock_fd_);
  if (root_fd_ >= 0) close(root_fd_);
}

bool OutputDir::check(const std::string& root, const std::string& name, std::string& err) {
  if (!name_ok(name)) {
    err = "scenario name '" + name + "' cannot be an output directory name";
    return false;
  }
  if (!Dir::check_writable(root, err)) return false;
  Dir r;
  std::string e;
  if (!Dir::open(root, false, r, e)) return true;  // missing: it will be made
  struct stat st;
  if (!r.stat(name, st)) return true;
  OutputDir o;
  o.path_ = r.child(name);
  if (!r.sub(name, false, o.dir_, err)) return false;
  if (faccessat(o.dir_.fd(), ".", W_OK | X_OK, AT_EACCESS) != 0) {
    err = o.path_ + ": cannot write there: " + strerror(errno);
    return false;
  }
  if (!o.load_manifest(err)) return false;
  struct stat lst;
  if (o.dir_.stat(kLock, lst) && (!S_ISREG(lst.st_mode) || lst.st_uid != geteuid())) {
    err = o.file(kLock) + " is not leakguard's lock file (it is not a regular file owned by uid " +
          std::to_string(geteuid()) + "); remove it or choose another --out";
    return false;
  }
  std::vector<std::string> names = run_files();
  names.push_back(kPlots);
  for (const auto& f : names) {
    if (!o.dir_.stat(f, lst)) continue;
    if (!o.manifest_.count(f)) {
      err = o.file(f) +
            " exists and was not written by leakguard (the directory's manifest does not list it); "
            "move it away or choose another --out";
      return false;
    }
    if (!o.ours(o.dir_, f, f, err)) return false;
  }
  return true;
}

bool OutputDir::open(const Dir& root, const std::string& name, bool create, std::string& err, pid_t& holder) {
  holder = 0;
  if (!name_ok(name)) {
    err = "scenario name '" + name + "' cannot be an output directory name";
    return false;
  }
  path_ = root.child(name);
  if (!root.sub(name, create, dir_, err, &made_)) return false;
  root_fd_ = fcntl(root.fd(), F_DUPFD_CLOEXEC, 0);
  name_ = name;
  if (!lock(err, holder)) {
    discard();
    return false;
  }
  if (!load_manifest(err)) {
    discard();
    return false;
  }
  return true;
}

bool OutputDir::open_path(const std::string& path, std::string& err, pid_t& holder, bool adopt) {
  holder = 0;
  path_ = path;
  adopt_ = adopt;
  if (!Dir::open(path, false, dir_, err)) return false;
  return lock(err, holder) && load_manifest(err);
}

bool OutputDir::lock(std::string& err, pid_t& holder) {
  std::string lp = file(kLock);
  int fd = openat(dir_.fd(), kLock, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd < 0) {
    err = "cannot lock " + path_ + ": " + lp + ": " + strerror(errno);
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || st.st_nlink != 1) {
    close(fd);
    err = lp + " is not leakguard's lock file (it is not a regular file owned by uid " + std::to_string(geteuid()) +
          "); remove it or choose another --out";
    return false;
  }
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  if (fcntl(fd, F_OFD_SETLK, &fl) != 0) {
    int e = errno;
    if (e == EAGAIN || e == EACCES) {
      char buf[24] = {};
      ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
      long pid = n > 0 ? strtol(buf, nullptr, 10) : 0;
      holder = pid > 0 && pid < (1L << 30) ? (pid_t)pid : -1;
      err = path_ + " is in use by another leakguard (pid " + (holder > 0 ? std::to_string(holder) : "unknown") +
            ", which holds " + lp + ")";
    } else {
      err = "cannot lock " + lp + ": " + strerror(e);
    }
    close(fd);
    return false;
  }
  std::string me = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, me.data(), me.size(), 0) != (ssize_t)me.size()) {
    err = "cannot write " + lp + ": " + strerror(errno);
    close(fd);
    return false;
  }
  lock_fd_ = fd;
  return true;
}

bool OutputDir::load_manifest(std::string& err) {
  manifest_.clear();
  std::string mp = file(kManifest);
  int fd = openat(dir_.fd(), kManifest, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return true;
    err = mp + ": " + strerror(errno) + " (it is not leakguard's manifest; remove it or choose another --out)";
    return false;
  }
  struct stat st;
  bool trusted = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
                 !(st.st_mode & (S_IWGRP | S_IWOTH)) && (size_t)st.st_size <= kMaxManifestBytes;
  if (!trusted) {
    close(fd);
    if (adopt_) return true;  // judge: a manifest we did not write lists nothing of ours
    err = mp + " was not written by leakguard (not a regular file of uid " + std::to_string(geteuid()) +
          " that only it can write); remove it or choose another --out";
    return false;
  }
  std::string text(st.st_size, '\0');
  ssize_t n = pread(fd, text.data(), text.size(), 0);
  close(fd);
  text.resize(n > 0 ? n : 0);
  size_t pos = 0;
  bool first = true;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (first) {
      first = false;
      if (line != kManifestHead) break;  // another format: lists nothing we understand
      continue;
    }
    if (manifest_entry_ok(line)) manifest_.insert(line);
  }
  return true;
}

bool OutputDir::save_manifest(std::string& err) {
  std::string text = std::string(kManifestHead) + "\n";
  for (const auto& e : manifest_) text += e + "\n";
  return dir_.write(kManifest, text, err);
}

bool OutputDir::ours(const Dir& d, const std::string& name, const std::string& rel, std::string& err) const {
  struct stat st;
  if (!d.stat(name, st)) return true;  // gone: nothing to protect
  bool dir = rel == kPlots;
  bool kind_ok = dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode);
  if (kind_ok && st.st_uid == geteuid()) return true;
  err = file(rel) + " was replaced by something leakguard did not write (" +
        (kind_ok ? "owned by uid " + std::to_string(st.st_uid)
                 : std::string("not a regular ") + (dir ? "directory" : "file")) +
        "); not touching it: move it away or choose another --out";
  return false;
}

bool OutputDir::claim(const std::string& rel, std::string& err) {
  if (manifest_.count(rel)) return true;
  if (!manifest_entry_ok(rel)) {
    err = "cannot write " + file(rel) + ": not a name leakguard writes";
    return false;
  }
  struct stat st;
  const Dir* d = &dir_;
  std::string name = rel;
  size_t slash = rel.find('/');
  if (slash != std::string::npos) {
    d = &plots_;
    name = rel.substr(slash + 1);
  }
  if (d->valid() && d->stat(name, st)) {
    bool adoptable = adopt_ && (rel == kPlots ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
    if (!adoptable) {
      err = "cannot write " + file(rel) +
            ": it exists and was not written by leakguard (the directory's manifest does not list it)";
      return false;
    }
  }
  manifest_.insert(rel);
  return save_manifest(err);
}

bool OutputDir::where(const std::string& rel, const Dir*& d, std::string& name, std::string& err) {
  size_t slash = rel.find('/');
  if (slash == std::string::npos) {
    d = &dir_;
    name = rel;
    return true;
  }
  if (!plots_.valid()) {
    if (!claim(kPlots, err)) return false;
    if (!ours(dir_, kPlots, kPlots, err)) return false;
    if (!dir_.sub(kPlots, true, plots_, err)) return false;
  }
  d = &plots_;
  name = rel.substr(slash + 1);
  return true;
}

bool OutputDir::write(const std::string& rel, std::string_view data, std::string& err) {
  AtomicFile f;
  if (!open_atomic(rel, f, err)) return false;
  f.write(data);
  return f.commit(err);
}

bool OutputDir::open_atomic(const std::string& rel, AtomicFile& f, std::string& err) {
  const Dir* d;
  std::string name;
  if (!where(rel, d, name, err) || !claim(rel, err)) return false;
  if (!adopt_ && !ours(*d, name, rel, err)) return false;
  return f.open(*d, name, err);
}

int OutputDir::create_stream(const std::string& rel, std::string& err) {
  const Dir* d;
  std::string name;
  if (!where(rel, d, name, err) || !claim(rel, err) || !ours(*d, name, rel, err)) return -1;
  if (!d->remove(name, err)) return -1;
  return d->create_new(name, err);
}

bool OutputDir::clear(std::string& err) {
  // Temp files of a write that never finished (leakguard killed meanwhile): ours by name.
  std::set<std::string> names = manifest_;
  names.insert(kManifest);
  for (const auto& n : dir_.list()) {
    struct stat st;
    if (n[0] != '.' || !dir_.stat(n, st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) continue;
    for (const auto& m : names)
      if (temp_of(n, m)) {
        std::string e;
        dir_.remove(n, e);
        break;
      }
  }
  std::vector<std::string> order(manifest_.begin(), manifest_.end());
  // Files before the directory that holds them.
  std::stable_partition(order.begin(), order.end(), [](const std::string& r) { return r != kPlots; });
  for (const auto& rel : order) {
    const Dir* d;
    std::string name;
    size_t slash = rel.find('/');
    if (slash != std::string::npos) {
      if (!plots_.valid()) {
        struct stat st;
        if (!dir_.stat(kPlots, st)) {  // gone with its charts
          manifest_.erase(rel);
          continue;
        }
        if (!ours(dir_, kPlots, kPlots, err) || !dir_.sub(kPlots, false, plots_, err)) return false;
      }
      d = &plots_;
      name = rel.substr(slash + 1);
    } else {
      d = &dir_;
      name = rel;
    }
    if (!ours(*d, name, rel, err)) return false;
    if (rel == kPlots) {
      plots_ = Dir();
      if (unlinkat(dir_.fd(), kPlots, AT_REMOVEDIR) != 0 && errno != ENOENT) continue;  // holds others' files
    } else if (!d->remove(name, err)) {
      return false;
    }
    manifest_.erase(rel);
  }
  return save_manifest(err);
}

bool OutputDir::prune_plots(const std::set<std::string>& keep, std::string& err) {
  std::vector<std::string> stale;
  for (const auto& rel : manifest_)
    if (rel.compare(0, 6, "plots/") == 0 && !keep.count(rel.substr(6))) stale.push_back(rel);
  if (stale.empty()) return true;
  const Dir* d;
  std::string name;
  if (!where(stale[0], d, name, err)) return false;
  for (const auto& rel : stale) {
    name = rel.substr(6);
    if (!ours(*d, name, rel, err) || !d->remove(name, err)) return false;
    manifest_.erase(rel);
  }
  return save_manifest(err);
}

void OutputDir::discard() {
  if (lock_fd_ >= 0) close(lock_fd_);
  lock_fd_ = -1;
  if (!made_ || root_fd_ < 0 || !dir_.valid()) return;
  unlinkat(dir_.fd(), kLock, 0);
  unlinkat(dir_.fd(), kManifest, 0);
  dir_ = Dir();
  unlinkat(root_fd_, name_.c_str(), AT_REMOVEDIR);
  made_ = false;
}

}  // namespace lg
