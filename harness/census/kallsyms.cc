// SPDX-License-Identifier: MIT
#include "harness/census/kallsyms.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "harness/base/fs.h"

namespace lg {

KernelSymbols::KernelSymbols(std::string_view kallsyms) : text_(kallsyms) {
  std::string_view text = text_;
  size_t pos = 0, zeros = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    size_t at = pos;
    pos = eol + 1;
    // "ffffffff8135f520 T kernel_clone" or "ffffffffc0a01000 t nfs_fn\t[nfs]"
    size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos || sp1 + 3 >= line.size() || line[sp1 + 2] != ' ') continue;
    char type = line[sp1 + 1];
    if (type != 't' && type != 'T' && type != 'w' && type != 'W') continue;
    uint64_t addr = 0;
    auto [end, ec] = std::from_chars(line.data(), line.data() + sp1, addr, 16);
    if (ec != std::errc() || end != line.data() + sp1) continue;
    if (addr == 0) {
      zeros++;
      continue;
    }
    Sym s{addr, (uint32_t)(at + sp1 + 3), 0, 0, 0};
    std::string_view rest = line.substr(sp1 + 3);
    size_t tab = rest.find('\t');
    s.name_len = (uint32_t)(tab == std::string_view::npos ? rest.size() : tab);
    if (tab != std::string_view::npos) {
      std::string_view mod = rest.substr(tab + 1);
      if (mod.size() > 2 && mod.front() == '[' && mod.back() == ']') {
        s.mod = (uint32_t)(s.name + tab + 2);
        s.mod_len = (uint32_t)(mod.size() - 2);
      }
    }
    syms_.push_back(s);
  }
  std::stable_sort(syms_.begin(), syms_.end(), [](const Sym& a, const Sym& b) { return a.addr < b.addr; });
  if (syms_.empty()) {
    text_.clear();
    why_ = zeros ? "/proc/kallsyms shows no addresses (kptr_restrict, or not root)"
                 : "/proc/kallsyms is unreadable or holds no text symbols";
  }
}

KernelSymbols KernelSymbols::load() { return KernelSymbols(read_file("/proc/kallsyms")); }

std::string KernelSymbols::name(uint64_t ret) const {
  if (syms_.empty() || ret == 0) return "";
  auto it = std::upper_bound(syms_.begin(), syms_.end(), ret - 1, [](uint64_t a, const Sym& s) { return a < s.addr; });
  if (it == syms_.begin()) return "";
  --it;
  char off[32];
  snprintf(off, sizeof off, "+0x%llx", (unsigned long long)(ret - it->addr));
  std::string out = text_.substr(it->name, it->name_len) + off;
  if (it->mod_len) out += " [" + text_.substr(it->mod, it->mod_len) + "]";
  return out;
}

}  // namespace lg
