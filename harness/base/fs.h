// SPDX-License-Identifier: MIT
#pragma once
// Files and mounts: whole-file reads and writes, directories, /proc/mounts.
#include <string>
#include <string_view>
#include <vector>

namespace lg {

std::string read_file(const std::string& path);  // whole file, "" when unreadable
bool write_file(const std::string& path, std::string_view data, std::string& err);
bool make_dirs(const std::string& path, std::string& err);  // mkdir -p
// /proc/mounts escapes space, tab, newline and backslash as \040 \011 \012 \134.
std::string unescape_mount_path(std::string_view s);
// First mount point of a filesystem type in a /proc/mounts text ("" when none).
std::string find_mount(const std::string& mounts_text, const std::string& fstype);
// Absolute directory holding the running executable (for sibling binaries).
std::string self_dir();

}  // namespace lg
