// SPDX-License-Identifier: MIT
#pragma once
// The kind of an fd from its /proc/PID/fd link text, as the procfs census classifies it (the
// BPF census does the same in census.bpf.c from the file itself; both take their names from
// bpf/fd_kinds.h).
#include <string_view>

namespace lg {

// "socket:[123]" -> CENSUS_FD_SOCKET, "anon_inode:bpf-map" -> CENSUS_FD_BPF_MAP, ... Returns -1
// for a path ("/..."), whose kind needs stat() (census_fd_kind_of_mode of bpf/census.h).
int fd_kind_from_link(std::string_view link);

}  // namespace lg
