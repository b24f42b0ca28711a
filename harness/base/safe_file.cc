// SPDX-License-Identifier: MIT
#include "harness/base/safe_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <ctime>

namespace lg {

namespace {

constexpr int kMaxLinks = 40;  // as the kernel's path walk
constexpr size_t kWriteBuffer = 256 * 1024;

std::string errtext(int e) { return strerror(e); }

// Whether a symbolic link may be followed: nobody but us or root could have made it there.
bool trusted_link(const struct stat& link, const struct stat& dir) {
  uid_t me = geteuid();
  if (link.st_uid == me || link.st_uid == 0) return true;
  bool dir_ours = dir.st_uid == me || dir.st_uid == 0;
  return dir_ours && !(dir.st_mode & (S_IWGRP | S_IWOTH));
}

const char* kind_of(mode_t m) {
  switch (m & S_IFMT) {
    case S_IFDIR: return "a directory";
    case S_IFIFO: return "a FIFO";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFSOCK: return "a socket";
    case S_IFLNK: return "a symbolic link";
    case S_IFREG: return "a regular file";
    default: return "not a regular file";
  }
}

void push_components(std::deque<std::string>& q, const std::string& path, bool front) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t n = path.find('/', pos);
    if (n == std::string::npos) n = path.size();
    if (n > pos) parts.push_back(path.substr(pos, n - pos));
    pos = n + 1;
  }
  if (front)
    q.insert(q.begin(), parts.begin(), parts.end());
  else
    q.insert(q.end(), parts.begin(), parts.end());
}

// The walk behind Dir::open and Dir::check_writable. `dry`: create nothing; succeed when the
// missing rest could be created (its deepest existing directory is writable). On success
// `fd` is an O_PATH fd of the directory (dry: of the deepest existing one).
bool walk(const std::string& path, bool create, bool dry, int& fd, std::string& err,
          std::vector<std::string>* created) {
  fd = -1;
  if (path.empty()) {
    err = "empty path";
    return false;
  }
  std::deque<std::string> q;
  push_components(q, path, false);
  int cur = open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (cur < 0) {
    err = path + ": " + errtext(errno);
    return false;
  }
  std::string done = path[0] == '/' ? "/" : "";  // the logical path walked so far, for messages
  auto fail = [&](const std::string& what) {     // `what` names the component it is about
    close(cur);
    err = what;
    return false;
  };
  int links = 0, retries = 0;
  while (!q.empty()) {
    std::string c = q.front();
    if (c == ".") {
      q.pop_front();
      continue;
    }
    std::string here = done.empty() ? c : done == "/" ? "/" + c : done + "/" + c;
    struct stat st;
    if (fstatat(cur, c.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT) return fail(here + ": " + errtext(errno));
      if (dry || !create) {
        if (!create) return fail(here + " does not exist");
        // The rest would be created: the deepest existing directory must take it.
        if (faccessat(cur, ".", W_OK | X_OK, AT_EACCESS) != 0)
          return fail("cannot create " + here + ": " + errtext(errno));
        fd = cur;
        return true;
      }
      if (mkdirat(cur, c.c_str(), 0755) == 0) {
        if (created) created->push_back(here);
      } else if (errno != EEXIST) {
        return fail("cannot create " + here + ": " + errtext(errno));
      }
      continue;  // look again: it may have become anything meanwhile
    }
    if (S_ISLNK(st.st_mode)) {
      struct stat dst;
      if (fstat(cur, &dst) != 0) return fail(here + ": " + errtext(errno));
      if (!trusted_link(st, dst))
        return fail(here + " is a symbolic link owned by uid " + std::to_string(st.st_uid) +
                    " in a directory others can write to; not following it (give the real path)");
      if (++links > kMaxLinks) return fail(path + ": " + errtext(ELOOP));
      char buf[4096];
      ssize_t n = readlinkat(cur, c.c_str(), buf, sizeof buf - 1);
      if (n <= 0) return fail(here + ": " + errtext(n < 0 ? errno : EINVAL));
      q.pop_front();
      std::string target(buf, n);
      push_components(q, target, true);
      if (target[0] == '/') {
        close(cur);
        cur = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (cur < 0) {
          err = path + ": " + errtext(errno);
          return false;
        }
        done = "/";
      }
      continue;
    }
    if (!S_ISDIR(st.st_mode)) return fail(here + " is " + kind_of(st.st_mode) + ", not a directory");
    int next = openat(cur, c.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) {
      // Replaced between the look and the open (a link now): look again, a few times.
      if ((errno == ENOTDIR || errno == ELOOP || errno == ENOENT) && ++retries < 10) continue;
      return fail(here + ": " + errtext(errno));
    }
    close(cur);
    cur = next;
    done = here;
    q.pop_front();
  }
  fd = cur;
  return true;
}

std::string random_suffix() {
  unsigned char b[6];
  if (getrandom(b, sizeof b, GRND_NONBLOCK) != (ssize_t)sizeof b) {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t x = ts.tv_nsec ^ ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_sec;
    for (auto& c : b) c = (unsigned char)(x >>= 7);
  }
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s;
  for (unsigned char c : b) s += kChars[c % 36];
  return s;
}

// A name that is one plain directory entry.
bool plain_name(const std::string& n) {
  return !n.empty() && n != "." && n != ".." && n.find('/') == std::string::npos && n.size() <= 255;
}

// An existing NAME that a rename must not replace: a directory or a special file.
bool replaceable(int dir, const std::string& name, const std::string& shown, std::string& err) {
  struct stat st;
  if (fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return true;
  if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) return true;
  err = "cannot write " + shown + ": it is " + kind_of(st.st_mode) + ", not a regular file";
  return false;
}

}  // namespace

Dir::Dir(Dir&& o) noexcept : fd_(o.fd_), path_(std::move(o.path_)) { o.fd_ = -1; }

Dir& Dir::operator=(Dir&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) close(fd_);
    fd_ = o.fd_;
    path_ = std::move(o.path_);
    o.fd_ = -1;
  }
  return *this;
}

Dir::~Dir() {
  if (fd_ >= 0) close(fd_);
}

bool Dir::open(const std::string& path, bool create, Dir& out, std::string& err, std::vector<std::string>* created) {
  int fd;
  if (!walk(path, create, false, fd, err, created)) return false;
  // A readable fd where we may read it (listing the directory), else the O_PATH one: both
  // serve openat, mkdirat, renameat and unlinkat.
  int rfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rfd >= 0) {
    close(fd);
    fd = rfd;
  }
  out = Dir();
  out.fd_ = fd;
  out.path_ = path;
  return true;
}

bool Dir::check_writable(const std::string& path, std::string& err) {
  int fd;
  if (!walk(path, true, true, fd, err, nullptr)) return false;
  bool ok = faccessat(fd, ".", W_OK | X_OK, AT_EACCESS) == 0;
  if (!ok) err = path + ": cannot write there: " + errtext(errno);
  close(fd);
  return ok;
}

bool Dir::sub(const std::string& name, bool create, Dir& out, std::string& err, bool* made) const {
  if (made) *made = false;
  std::string shown = child(name);
  if (!plain_name(name)) {
    err = shown + ": not a plain directory name";
    return false;
  }
  for (int attempt = 0; attempt < 10; attempt++) {
    int fd = openat(fd_, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      out = Dir();
      out.fd_ = fd;
      out.path_ = shown;
      return true;
    }
    int e = errno;
    if (e == ENOENT && create) {
      if (mkdirat(fd_, name.c_str(), 0755) == 0) {
        if (made) *made = true;
      } else if (errno != EEXIST) {
        err = "cannot create " + shown + ": " + errtext(errno);
        return false;
      }
      continue;
    }
    struct stat st;
    if ((e == ELOOP || e == ENOTDIR) && fstatat(fd_, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
      err = shown + " is " + kind_of(st.st_mode) + (S_ISLNK(st.st_mode) ? "; not writing through it" : "") +
            (S_ISDIR(st.st_mode) ? "" : ", not a directory");
      return false;
    }
    err = shown + ": " + errtext(e);
    return false;
  }
  err = shown + ": keeps changing";
  return false;
}

bool Dir::write(const std::string& name, std::string_view data, std::string& err) const {
  AtomicFile f;
  if (!f.open(*this, name, err)) return false;
  f.write(data);
  return f.commit(err);
}

int Dir::create_new(const std::string& name, std::string& err, mode_t mode) const {
  std::string shown = child(name);
  if (!plain_name(name)) {
    err = "cannot write " + shown + ": not a plain file name";
    return -1;
  }
  int fd = openat(fd_, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) err = "cannot write " + shown + ": " + errtext(errno);
  return fd;
}

int Dir::create_anonymous(std::string& err) const {
  int fd = openat(fd_, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
    err = "cannot make a scratch file in " + path_ + ": " + errtext(errno);
    return -1;
  }
  for (int i = 0; i < 100; i++) {
    std::string n = ".leakguard-scratch." + random_suffix();
    fd = openat(fd_, n.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
      unlinkat(fd_, n.c_str(), 0);
      return fd;
    }
    if (errno != EEXIST) break;
  }
  err = "cannot make a scratch file in " + path_ + ": " + errtext(errno);
  return -1;
}

bool Dir::remove(const std::string& name, std::string& err) const {
  if (!plain_name(name)) {
    err = "cannot remove " + child(name) + ": not a plain file name";
    return false;
  }
  if (unlinkat(fd_, name.c_str(), 0) == 0 || errno == ENOENT) return true;
  err = "cannot remove " + child(name) + ": " + errtext(errno);
  return false;
}

bool Dir::stat(const std::string& name, struct stat& st) const {
  return plain_name(name) && fstatat(fd_, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

std::vector<std::string> Dir::list() const {
  std::vector<std::string> out;
  int d = openat(fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d < 0) return out;
  DIR* dp = fdopendir(d);
  if (!dp) {
    close(d);
    return out;
  }
  while (dirent* e = readdir(dp))
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) out.push_back(e->d_name);
  closedir(dp);
  return out;
}

bool AtomicFile::open(const Dir& dir, const std::string& name, std::string& err) {
  abandon();
  path_ = dir.child(name);
  if (!plain_name(name)) {
    err = "cannot write " + path_ + ": not a plain file name";
    return false;
  }
  if (!replaceable(dir.fd(), name, path_, err)) return false;
  dir_fd_ = dir.fd();
  name_ = name;
  errno_ = 0;
  std::string base = name.size() > 200 ? name.substr(0, 200) : name;
  for (int i = 0; i < 100; i++) {
    tmp_ = "." + base + "." + random_suffix() + ".tmp";
    fd_ = openat(dir_fd_, tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd_ >= 0) return true;
    if (errno != EEXIST) break;
  }
  err = "cannot write " + path_ + ": " + errtext(errno);
  tmp_.clear();
  return false;
}

bool AtomicFile::flush() {
  size_t off = 0;
  while (off < buf_.size() && errno_ == 0) {
    ssize_t n = ::write(fd_, buf_.data() + off, buf_.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      errno_ = n < 0 ? errno : EIO;
    else
      off += n;
  }
  buf_.clear();
  return errno_ == 0;
}

bool AtomicFile::write(std::string_view data) {
  if (fd_ < 0 || errno_) return false;
  if (buf_.size() + data.size() > kWriteBuffer) {
    if (!flush()) return false;
    if (data.size() > kWriteBuffer) {
      buf_.assign(data);
      return flush();
    }
  }
  buf_.append(data);
  return true;
}

bool AtomicFile::commit(std::string& err) {
  if (fd_ < 0) {
    err = "cannot write " + path_ + ": not open";
    return false;
  }
  flush();
  if (close(fd_) != 0 && errno_ == 0) errno_ = errno;
  fd_ = -1;
  if (errno_ == 0 && renameat(dir_fd_, tmp_.c_str(), dir_fd_, name_.c_str()) != 0) errno_ = errno;
  if (errno_) {
    err = "cannot write " + path_ + ": " + errtext(errno_);
    unlinkat(dir_fd_, tmp_.c_str(), 0);
    tmp_.clear();
    return false;
  }
  tmp_.clear();
  return true;
}

void AtomicFile::abandon() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  if (!tmp_.empty() && dir_fd_ >= 0) unlinkat(dir_fd_, tmp_.c_str(), 0);
  tmp_.clear();
  buf_.clear();
}

AtomicFile::~AtomicFile() { abandon(); }

bool split_file_path(const std::string& path, std::string& dir, std::string& name, std::string& err) {
  size_t slash = path.rfind('/');
  name = slash == std::string::npos ? path : path.substr(slash + 1);
  dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  if (!plain_name(name)) {
    err = path + ": not a file name";
    return false;
  }
  return true;
}

bool check_output_file(const std::string& path, std::string& err) {
  std::string dir, name;
  if (!split_file_path(path, dir, name, err)) return false;
  Dir d;
  if (!Dir::open(dir, false, d, err)) return false;
  if (faccessat(d.fd(), ".", W_OK | X_OK, AT_EACCESS) != 0) {
    err = path + ": cannot write in " + dir + ": " + errtext(errno);
    return false;
  }
  struct stat st;
  if (d.stat(name, st) && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
    err = path + " is " + kind_of(st.st_mode) + ", not a regular file";
    return false;
  }
  return true;
}

bool write_file(const std::string& path, std::string_view data, std::string& err) {
  std::string dir, name;
  if (!split_file_path(path, dir, name, err)) return false;
  Dir d;
  if (!Dir::open(dir, false, d, err)) {
    err = "cannot write " + path + ": " + err;
    return false;
  }
  return d.write(name, data, err);
}

bool read_regular_file(const std::string& path, size_t max_bytes, std::string& out, std::string& err) {
  out.clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    err = errtext(errno);
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    err = errtext(errno);
    close(fd);
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    err = std::string("is ") + kind_of(st.st_mode) + ", not a regular file";
    close(fd);
    return false;
  }
  auto too_big = [&] {
    err = "is larger than " + std::to_string(max_bytes / (1024 * 1024)) + " MiB";
    if (max_bytes < 1024 * 1024) err = "is larger than " + std::to_string(max_bytes) + " bytes";
    close(fd);
    out.clear();
    return false;
  };
  if ((uint64_t)st.st_size > max_bytes) return too_big();
  char buf[65536];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errtext(errno);
      close(fd);
      return false;
    }
    if (n == 0) break;
    out.append(buf, n);
    if (out.size() > max_bytes) return too_big();  // grew while we read
  }
  close(fd);
  return true;
}

}  // namespace lg
