// SPDX-License-Identifier: MIT
#include "harness/census/ghosts.h"

#include "harness/base/fs.h"
#include "harness/base/strings.h"

namespace lg {

std::vector<std::string> parse_proc_stack(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& line : split(text, '\n')) {
    // "[<0>] kernel_clone+0x1d3/0x400", "[<0>] nfs_wait_bit_killable+0x12/0x60 [nfs]"
    std::string_view l = line;
    size_t b = l.find("] ");
    if (b == std::string_view::npos) continue;
    l = l.substr(b + 2);
    size_t sp = l.find(' ');
    std::string_view sym = l.substr(0, sp);
    std::string_view mod = sp == std::string_view::npos ? std::string_view() : l.substr(sp + 1);
    size_t slash = sym.find('/');
    if (slash != std::string_view::npos) sym = sym.substr(0, slash);  // drop the function's size
    if (sym.empty()) continue;
    std::string f(sym);
    if (!mod.empty() && mod.front() == '[') f += " " + trim(mod);
    out.push_back(f);
  }
  return out;
}

void kernel_stack_from_proc(pid_t pid, pid_t tid, GhostTask& g) {
  std::string dir = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid);
  g.frames = parse_proc_stack(read_file(dir + "/stack"));
  if (!g.frames.empty()) return;
  std::string w = trim(read_file(dir + "/wchan"));
  if (!w.empty() && w != "0") {
    g.wchan = w;
    return;
  }
  g.no_stack = "no kernel stack: " + dir + "/stack and wchan are unreadable or empty (the task may have moved on)";
}

}  // namespace lg
