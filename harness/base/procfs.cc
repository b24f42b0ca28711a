// SPDX-License-Identifier: MIT
#include "harness/base/procfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>

namespace lg {

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
  size_t open = t.find('(');
  out.comm = open < close ? std::string(t.substr(open + 1, close - open - 1)) : "";
  std::string_view rest = t.substr(close + 2);
  int field = 0, last = 0;
  size_t pos = 0;
  out.exit_code = 0;
  // Fields after comm, from 0: state (stat field 3), ppid (4), pgrp (5), session (6),
  // num_threads (20), exit_code (52).
  while (pos < rest.size() && field <= 49) {
    size_t sp = rest.find(' ', pos);
    std::string_view tok = rest.substr(pos, sp == std::string_view::npos ? std::string_view::npos : sp - pos);
    if (field == 0) out.state = tok.empty() ? '?' : tok[0];
    if (field == 1) out.ppid = (pid_t)atoi(std::string(tok).c_str());
    if (field == 2) out.pgrp = (pid_t)atoi(std::string(tok).c_str());
    if (field == 3) out.sid = (pid_t)atoi(std::string(tok).c_str());
    if (field == 17) out.threads = atoll(std::string(tok).c_str());
    if (field == 49) out.exit_code = atoi(std::string(tok).c_str());
    last = field;
    if (sp == std::string_view::npos) break;
    pos = sp + 1;
    field++;
  }
  return last >= 17 && out.pid > 0;
}

double limits_nofile_soft(std::string_view text) {
  const std::string_view key = "Max open files";
  size_t pos = 0;
  while ((pos = text.find(key, pos)) != std::string_view::npos && pos > 0 && text[pos - 1] != '\n') pos += key.size();
  if (pos == std::string_view::npos) return -1;
  size_t b = text.find_first_not_of(' ', pos + key.size());
  if (b == std::string_view::npos) return -1;
  std::string_view rest = text.substr(b);
  if (rest.substr(0, 9) == "unlimited") return std::numeric_limits<double>::infinity();
  if (rest.empty() || !isdigit((unsigned char)rest[0])) return -1;
  return (double)proc_field(rest, "");
}

namespace {

// Reads and parses `<name>/stat` below the directory `dfd` (/proc for a process, /proc/<pid>/task
// for a thread); false for a name that is no pid or a task that is gone or unreadable.
bool read_stat_at(int dfd, const char* name, ProcStat& out) {
  if (!isdigit((unsigned char)name[0])) return false;
  char path[300], buf[1024];
  snprintf(path, sizeof path, "%s/stat", name);
  int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return false;
  return parse_proc_stat(std::string_view(buf, n), out);
}

}  // namespace

void dstate_tasks(int proc, const ProcStat& s, std::vector<ProcStat>& out) {
  if (s.threads <= 1) {
    if (s.state == 'D') out.push_back(s);
    return;
  }
  char path[300];
  snprintf(path, sizeof path, "%d/task", s.pid);
  int dfd = openat(proc, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* d = dfd >= 0 ? fdopendir(dfd) : nullptr;
  if (!d) {
    if (dfd >= 0) close(dfd);
    return;  // exited meanwhile
  }
  while (dirent* e = readdir(d)) {
    ProcStat t;
    if (read_stat_at(dfd, e->d_name, t) && t.state == 'D') out.push_back(std::move(t));
  }
  closedir(d);
}

bool list_processes(std::vector<ProcStat>& out) {
  out.clear();
  int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* d = proc >= 0 ? fdopendir(proc) : nullptr;
  if (!d) {
    if (proc >= 0) close(proc);
    return false;
  }
  while (dirent* e = readdir(d)) {
    ProcStat s;
    if (read_stat_at(proc, e->d_name, s)) out.push_back(s);
  }
  closedir(d);
  return true;
}

bool process_exists(pid_t pid) { return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM); }

}  // namespace lg
