// SPDX-License-Identifier: MIT
#include "harness/base/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace lg {

std::string read_file(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, n);
  close(fd);
  return out;
}

bool make_dirs(const std::string& path, std::string& err) {
  std::string cur;
  for (size_t i = 0; i <= path.size(); i++) {
    if (i == path.size() || (path[i] == '/' && i > 0)) {
      cur = path.substr(0, i);
      if (mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST) {
        err = "cannot create " + cur + ": " + strerror(errno);
        return false;
      }
    }
  }
  return true;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && isspace((unsigned char)s[b])) b++;
  while (e > b && isspace((unsigned char)s[e - 1])) e--;
  return std::string(s.substr(b, e - b));
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    size_t n = s.find(sep, pos);
    out.emplace_back(s.substr(pos, n == std::string_view::npos ? std::string_view::npos : n - pos));
    if (n == std::string_view::npos) break;
    pos = n + 1;
  }
  return out;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string unescape_mount_path(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '\\' && i + 3 < s.size() && isdigit((unsigned char)s[i + 1])) {
      out += (char)strtol(std::string(s.substr(i + 1, 3)).c_str(), nullptr, 8);
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string find_mount(const std::string& mounts, const std::string& fstype) {
  size_t pos = 0;
  while (pos < mounts.size()) {
    size_t eol = mounts.find('\n', pos);
    if (eol == std::string::npos) eol = mounts.size();
    std::string line = mounts.substr(pos, eol - pos);
    pos = eol + 1;
    // device mountpoint fstype options ...
    size_t a = line.find(' ');
    if (a == std::string::npos) continue;
    size_t b = line.find(' ', a + 1);
    if (b == std::string::npos) continue;
    size_t c = line.find(' ', b + 1);
    if (line.substr(b + 1, c == std::string::npos ? std::string::npos : c - b - 1) == fstype)
      return unescape_mount_path(line.substr(a + 1, b - a - 1));
  }
  return "";
}

std::string cgroup2_mount() { return find_mount(read_file("/proc/mounts"), "cgroup2"); }

std::string self_dir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  buf[n] = 0;
  std::string p(buf);
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? "." : p.substr(0, slash);
}

}  // namespace lg
