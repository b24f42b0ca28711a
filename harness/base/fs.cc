// SPDX-License-Identifier: MIT
#include "harness/base/fs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "harness/base/strings.h"

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
  std::string_view text = mounts, line;
  for (size_t pos = 0; next_line(text, pos, line);) {
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
