// SPDX-License-Identifier: MIT
#include "harness/attrib/symbolize.h"

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace lg {

struct Symbolizer::Mod {
  Dwfl* dwfl = nullptr;
  Dwfl_Module* mod = nullptr;
  struct Seg {
    uint64_t vaddr, offset, filesz;
  };
  std::vector<Seg> segs;
  std::string search_path;  // what libdwfl's callbacks read (char* into it)
  char* search_ptr = nullptr;
  Dwfl_Callbacks cb{};
  bool lines = false;  // any line information at all
  ~Mod() {
    if (dwfl) dwfl_end(dwfl);
  }
};

namespace {

std::string demangle(const char* name) {
  if (!name) return "";
  int st = 0;
  char* d = abi::__cxa_demangle(name, nullptr, nullptr, &st);
  if (st == 0 && d) {
    std::string s = d;
    free(d);
    return s;
  }
  return name;
}

const char* die_string(Dwarf_Die* die, int at) {
  Dwarf_Attribute a;
  return dwarf_formstring(dwarf_attr_integrate(die, at, &a));
}

std::string die_function(Dwarf_Die* die) {
  if (const char* l = die_string(die, DW_AT_linkage_name)) return demangle(l);
  if (const char* l = die_string(die, DW_AT_MIPS_linkage_name)) return demangle(l);
  if (const char* n = die_string(die, DW_AT_name)) return n;
  return "";
}

}  // namespace

std::string short_function(const std::string& d) {
  std::string s = d;
  // Drop the parameter list: the last top-level "(...)" (not "(anonymous namespace)").
  int depth = 0;
  for (size_t i = s.size(); i-- > 0;) {
    if (s[i] == ')') depth++;
    if (s[i] == '(' && --depth == 0) {
      if (s.compare(i, 21, "(anonymous namespace)") != 0 && i > 0) s.resize(i);
      break;
    }
  }
  for (const char* drop : {"(anonymous namespace)::"}) {
    size_t p;
    while ((p = s.find(drop)) != std::string::npos) s.erase(p, strlen(drop));
  }
  return s;
}

Symbolizer::Symbolizer(std::vector<std::string> extra) : dirs_(std::move(extra)) {}

std::map<std::string, std::string> Symbolizer::missing_debug_info() const {
  std::map<std::string, std::string> out;
  for (const auto& [path, s] : seen_)
    if (!s.second) out[path] = s.first;
  return out;
}
Symbolizer::~Symbolizer() = default;

Symbolizer::Mod* Symbolizer::open_module(const SymModule& m) {
  std::string key = m.path + "\n" + m.build_id;
  auto it = mods_.find(key);
  if (it != mods_.end()) return it->second.get();
  auto mod = std::make_unique<Mod>();
  Mod* md = mod.get();
  mods_[key] = std::move(mod);
  int fd = m.fd >= 0 ? dup(m.fd) : open(m.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return md;
  // Search list: '-' (no CRC check), the binary's own directory and its .debug/, the binary's
  // directory as a build-id root, the extra directories, then the system's.
  std::string dir = m.path.substr(0, m.path.rfind('/'));
  md->search_path = "-:.debug";
  if (!dir.empty() && dir[0] == '/') md->search_path += ":" + dir;
  for (const auto& d : dirs_) md->search_path += ":" + d;
  md->search_path += ":/usr/lib/debug";
  md->search_ptr = md->search_path.data();
  md->cb.find_elf = dwfl_build_id_find_elf;
  md->cb.find_debuginfo = dwfl_standard_find_debuginfo;
  md->cb.section_address = dwfl_offline_section_address;
  md->cb.debuginfo_path = &md->search_ptr;
  md->dwfl = dwfl_begin(&md->cb);
  if (!md->dwfl) {
    close(fd);
    return md;
  }
  dwfl_report_begin(md->dwfl);
  md->mod = dwfl_report_elf(md->dwfl, m.path.c_str(), m.path.c_str(), fd, 0, false);  // owns fd
  dwfl_report_end(md->dwfl, nullptr, nullptr);
  if (!md->mod) return md;
  GElf_Addr bias = 0;
  if (Elf* elf = dwfl_module_getelf(md->mod, &bias)) {
    size_t n = 0;
    elf_getphdrnum(elf, &n);
    for (size_t i = 0; i < n; i++) {
      GElf_Phdr ph;
      if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD)
        md->segs.push_back({ph.p_vaddr, ph.p_offset, ph.p_filesz});
    }
  }
  return md;
}

std::vector<Frame> Symbolizer::symbolize(const SymModule& m, uint64_t off) {
  Frame base;
  base.module = m.path;
  base.build_id = m.build_id;
  base.offset = off;
  std::vector<Frame> out;
  Mod* md = open_module(m);
  if (!md->mod) {
    out.push_back(base);
    return out;
  }
  uint64_t vaddr = 0;
  bool found = false;
  for (const auto& s : md->segs)
    if (off >= s.offset && off < s.offset + s.filesz) {
      vaddr = off - s.offset + s.vaddr;
      found = true;
      break;
    }
  if (!found) {
    out.push_back(base);
    return out;
  }
  GElf_Addr bias = 0;
  dwfl_module_getelf(md->mod, &bias);
  Dwarf_Addr addr = vaddr + bias;

  // The line of the innermost code, and the chain of inlined calls around it.
  int lineno = 0;
  std::string file;
  if (Dwfl_Line* line = dwfl_module_getsrc(md->mod, addr)) {
    if (const char* f = dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr)) file = f;
    md->lines = true;
  }
  Dwarf_Addr dbias = 0;
  Dwarf_Die* cu = dwfl_module_addrdie(md->mod, addr, &dbias);
  Dwarf_Die* scopes = nullptr;
  int n = cu ? dwarf_getscopes(cu, addr - dbias, &scopes) : 0;
  if (n > 0) {
    // dwarf_getscopes continues past an inlined instance with its abstract definition's
    // scopes; the physical nesting (inlined call inside inlined call inside the function that
    // holds the code) is what dwarf_getscopes_die gives for the innermost DIE.
    Dwarf_Die inner = scopes[0];
    free(scopes);
    scopes = nullptr;
    n = dwarf_getscopes_die(&inner, &scopes);
  }
  Dwarf_Files* files = nullptr;
  size_t nfiles = 0;
  if (cu) dwarf_getsrcfiles(cu, &files, &nfiles);
  for (int i = 0; i < n; i++) {
    int tag = dwarf_tag(&scopes[i]);
    if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram) continue;
    Frame f = base;
    f.function = short_function(die_function(&scopes[i]));
    f.file = file;
    f.line = lineno;
    out.push_back(f);
    if (tag == DW_TAG_subprogram) break;
    // The next outer frame is at this inlined call's call site.
    Dwarf_Attribute a;
    Dwarf_Word w = 0;
    lineno = dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &a), &w) == 0 ? (int)w : 0;
    file.clear();
    if (files && dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &a), &w) == 0 && w < nfiles)
      if (const char* f2 = dwarf_filesrc(files, w, nullptr, nullptr)) file = f2;
  }
  free(scopes);
  if (out.empty()) {
    // No DWARF scope: the symbol table's name, and the line table's line if any.
    GElf_Off soff = 0;
    GElf_Sym sym;
    const char* name = dwfl_module_addrinfo(md->mod, addr, &soff, &sym, nullptr, nullptr, nullptr);
    Frame f = base;
    f.function = name ? short_function(demangle(name)) : "";
    f.file = file;
    f.line = lineno;
    out.push_back(f);
  }
  auto& seen = seen_[m.path];
  seen.first = m.build_id;
  seen.second |= md->lines;
  return out;
}

}  // namespace lg
