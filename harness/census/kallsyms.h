// SPDX-License-Identifier: MIT
#pragma once
// Kernel symbols from /proc/kallsyms, to name the return addresses of a kernel stack
// (bpf_get_task_stack) the way /proc/PID/stack does: "kernel_clone+0x1d3", and
// "nfs_wait_bit_killable+0x12 [nfs]" for a module's code.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lg {

class KernelSymbols {
 public:
  // Parses a /proc/kallsyms text: text symbols (t, T, w, W) only. Addresses shown as zeros
  // (kptr_restrict, or not root) leave it empty, and why() says so.
  explicit KernelSymbols(std::string_view kallsyms);
  // /proc/kallsyms of this machine.
  static KernelSymbols load();

  bool empty() const { return syms_.empty(); }
  const std::string& why() const { return why_; }  // why it is empty
  // The symbol holding return address `ret` (looked up at ret - 1, since a call may be the
  // last instruction of a function) with ret's offset into it; "" when none does.
  std::string name(uint64_t ret) const;

 private:
  struct Sym {
    uint64_t addr;
    uint32_t name, name_len;  // in text_
    uint32_t mod, mod_len;    // "nfs" of "[nfs]"; mod_len 0 for the kernel's own
  };
  std::string text_;       // the kallsyms text the names point into
  std::vector<Sym> syms_;  // by address
  std::string why_;
};

}  // namespace lg
