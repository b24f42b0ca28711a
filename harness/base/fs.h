// SPDX-License-Identifier: MIT
#pragma once
// Small file and string helpers used across the harness.
#include <string>
#include <string_view>
#include <vector>

namespace lg {

std::string read_file(const std::string& path);  // whole file, "" when unreadable
bool write_file(const std::string& path, std::string_view data, std::string& err);
bool make_dirs(const std::string& path, std::string& err);  // mkdir -p
std::string trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep);
bool starts_with(std::string_view s, std::string_view prefix);
// /proc/mounts escapes space, tab, newline and backslash as \040 \011 \012 \134.
std::string unescape_mount_path(std::string_view s);
// First mount point of a filesystem type in a /proc/mounts text ("" when none).
std::string find_mount(const std::string& mounts_text, const std::string& fstype);
// Where cgroup v2 is mounted now, from /proc/mounts ("" when it is not).
std::string cgroup2_mount();
// Absolute directory holding the running executable (for sibling binaries).
std::string self_dir();

}  // namespace lg
