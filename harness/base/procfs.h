// SPDX-License-Identifier: MIT
#pragma once
// Reading /proc: a process's stat line, "Key: value" fields, every process of the system.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lg {

struct ProcStat {
  pid_t pid = 0, ppid = 0, pgrp = 0, sid = 0;
  char state = '?';
  int64_t threads = 0;
  std::string comm;
  int exit_code = 0;  // field 52 (kernels since 3.5): the status a zombie leaves for wait()
  // A zombie waiting to be reaped: state Z and no live thread left (a leader whose other
  // threads still run shows Z too).
  bool zombie() const { return state == 'Z' && threads <= 1; }
};
bool parse_proc_stat(std::string_view text, ProcStat& out);  // /proc/PID/stat
// The stat line of every process in /proc (one that exits meanwhile is left out). False when
// /proc cannot be listed.
bool list_processes(std::vector<ProcStat>& out);

// "Threads:\t3\n" -> 3 for key "Threads:"; -1 when missing. Reads the first number after key,
// for a key at the start of a line (/proc/PID/status, /proc/PID/fdinfo/FD).
int64_t proc_field(std::string_view text, std::string_view key);

// The soft limit of "Max open files" in a /proc/PID/limits text: a number, +infinity for
// "unlimited", -1 when the line is missing or malformed.
double limits_nofile_soft(std::string_view text);

// Appends the tasks of process `s` in D state (as ps shows them) to `out` (pid = the tid):
// `s` itself when it has one thread, else each /proc/PID/task/TID/stat. `proc`: an fd of /proc.
void dstate_tasks(int proc, const ProcStat& s, std::vector<ProcStat>& out);

bool process_exists(pid_t pid);

}  // namespace lg
