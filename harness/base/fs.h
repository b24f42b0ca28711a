// SPDX-License-Identifier: MIT
#pragma once
// Files and mounts: whole-file reads and writes, directories, /proc/mounts.
#include <string>
#include <string_view>
#include <vector>

namespace lg {

// Whole file, "" when unreadable: for /proc and /sys files. Files a user or a target may hand
// us are read with read_regular_file (safe_file.h); files are written only through safe_file.h.
std::string read_file(const std::string& path);
bool make_dirs(const std::string& path, std::string& err);  // mkdir -p (tests and tools)
// /proc/mounts escapes space, tab, newline and backslash as \040 \011 \012 \134.
std::string unescape_mount_path(std::string_view s);
// First mount point of a filesystem type in a /proc/mounts text ("" when none).
std::string find_mount(const std::string& mounts_text, const std::string& fstype);
// Absolute directory holding the running executable (for sibling binaries).
std::string self_dir();

}  // namespace lg
