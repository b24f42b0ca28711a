// SPDX-License-Identifier: MIT
#include "harness/census/fd_links.h"

#include <cctype>

#include "bpf/census.h"
#include "harness/base/strings.h"

namespace lg {

int fd_kind_from_link(std::string_view l) {
  if (!l.empty() && l[0] == '/') return -1;
  if (starts_with(l, "socket:")) return CENSUS_FD_SOCKET;
  if (starts_with(l, "pipe:")) return CENSUS_FD_PIPE;
  if (starts_with(l, "anon_inode:")) {
    std::string_view n = l.substr(11);
#define LG_ANON_KIND(X, ID, name, anon, doc) \
  if (sizeof(anon) > 1 && n == anon) return CENSUS_FD_##ID;
    LG_FD_KINDS(LG_ANON_KIND, _)
#undef LG_ANON_KIND
    return CENSUS_FD_ANON_OTHER;
  }
  if (starts_with(l, "net:[")) return CENSUS_FD_NETNS;
  // nsfs: "mnt:[4026531841]", "pid_for_children:[...]", ...
  size_t colon = l.find(":[");
  if (colon != std::string_view::npos && colon > 0 && l.back() == ']') {
    bool word = true;
    for (size_t i = 0; i < colon; i++) word &= (islower((unsigned char)l[i]) || l[i] == '_');
    if (word) return CENSUS_FD_NSFS_OTHER;
  }
  return CENSUS_FD_OTHER;
}

}  // namespace lg
