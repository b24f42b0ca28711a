// SPDX-License-Identifier: MIT
#pragma once
// Ghost tasks: the tasks behind proc.dstate, sys.dstate and proc.zombies at one moment, each
// with where it waits in the kernel, for the diagnosis under a failing check on those metrics
// (harness/census/ghost_diagnosis.h). A census lists them on demand (Census::ghosts).
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lg {

struct GhostTask {
  // VforkChild: a child of a vfork-style clone that has not exec'd, whose parent thread
  // (parent_tid) waits for it in D state; listed by the BPF backend only (procfs does not show
  // which task a vfork child belongs to).
  enum Kind { DState, Zombie, VforkChild } kind = DState;
  bool target = false;   // the target's task (a zombie or vfork child: its parent is)
  pid_t tid = 0;         // the task (thread) id; a zombie's is its pid
  pid_t pid = 0;         // its process (thread group)
  pid_t ppid = 0;        // the process's parent
  pid_t parent_tid = 0;  // the parent thread (VforkChild: the one waiting for it)
  std::string comm, process_comm, parent_comm;
  int exit_code = 0;  // zombies: the status wait() would return
  // Where it waits in the kernel: a D-state task's or vfork child's own stack; for a zombie,
  // its parent's main thread's (where the parent is instead of reaping). Innermost first:
  std::vector<uint64_t> stack;      // return addresses (BPF), symbolised with /proc/kallsyms
  std::vector<std::string> frames;  // already symbolised: "kernel_clone+0x1d3" (/proc/TID/stack)
  std::string wchan;                // only the wait channel (/proc/TID/wchan)
  std::string no_stack;             // why none of the three is there
};

// Frames of a /proc/PID/stack text: "[<0>] kernel_clone+0x1d3/0x400\n" -> "kernel_clone+0x1d3";
// a module's frame keeps its module: "nfs_wait_bit_killable+0x12 [nfs]".
std::vector<std::string> parse_proc_stack(std::string_view text);

// Fills g.frames from /proc/PID/task/TID/stack, else g.wchan from .../wchan, else g.no_stack.
void kernel_stack_from_proc(pid_t pid, pid_t tid, GhostTask& g);

}  // namespace lg
