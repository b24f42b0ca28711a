// SPDX-License-Identifier: MIT
#pragma once
// Reading /proc: a process's stat line, "Key: value" fields, every process of the system.
#include <sys/types.h>

#include <cstdint>
#include <string_view>
#include <vector>

namespace lg {

struct ProcStat {
  pid_t pid = 0, ppid = 0, pgrp = 0, sid = 0;
  char state = '?';
  int64_t threads = 0;
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

bool process_exists(pid_t pid);

}  // namespace lg
