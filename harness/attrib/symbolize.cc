// SPDX-License-Identifier: MIT
#include "harness/attrib/symbolize.h"

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <gelf.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace lg {

namespace {
struct CuRange {
  Dwarf_Addr lo, hi;
  Dwarf_Off die;  // the unit's DIE
};
}  // namespace

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
  bool go = false;     // a Go program (.note.go.buildid or .go.buildinfo)
  // Compile units by address range, for DWARF without .debug_aranges (Go's), where libdw
  // 0.188 finds no unit for an address; built the first time it is needed.
  std::vector<CuRange> cu_ranges;
  bool cu_ranges_built = false;
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

bool go_section(Elf* elf) {
  size_t shstrndx = 0;
  if (elf_getshdrstrndx(elf, &shstrndx) != 0) return false;
  for (Elf_Scn* scn = nullptr; (scn = elf_nextscn(elf, scn));) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh)) continue;
    const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
    if (name && (!strcmp(name, ".note.go.buildid") || !strcmp(name, ".go.buildinfo"))) return true;
  }
  return false;
}

// Appends the inlined calls inside `parent` that hold `addr`, outermost first. Every child is
// searched (a lexical block that holds addr may not hold the inlined call beside it). The
// target's DWARF is not trusted: nesting deeper than 64 is not followed.
bool go_inlined_calls(Dwarf_Die* parent, Dwarf_Addr addr, std::vector<Dwarf_Die>& out, int depth = 0) {
  Dwarf_Die child;
  if (depth > 64 || dwarf_child(parent, &child) != 0) return false;
  do {
    int tag = dwarf_tag(&child);
    if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_lexical_block) continue;
    if (dwarf_haspc(&child, addr) != 1) continue;
    if (tag == DW_TAG_inlined_subroutine) {
      out.push_back(child);
      go_inlined_calls(&child, addr, out, depth + 1);
      return true;
    }
    if (go_inlined_calls(&child, addr, out, depth + 1)) return true;
  } while (dwarf_siblingof(&child, &child) == 0);
  return false;
}

// The compile unit that holds `addr` (a DWARF address) by the units' own ranges
// (DW_AT_low_pc/high_pc or DW_AT_ranges): for modules whose DWARF has no .debug_aranges.
bool cu_by_ranges(std::vector<CuRange>& ranges, bool& built, Dwarf* dw, Dwarf_Addr addr, Dwarf_Die* out);

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
    md->go = go_section(elf);
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
  Dwarf_Die cu_found;
  if (!cu)
    if (Dwarf* dw = dwfl_module_getdwarf(md->mod, &dbias);
        dw && cu_by_ranges(md->cu_ranges, md->cu_ranges_built, dw, addr - dbias, &cu_found)) {
      cu = &cu_found;
      if (lineno == 0)
        if (Dwarf_Line* line = dwarf_getsrc_die(cu, addr - dbias)) {
          if (const char* f = dwarf_linesrc(line, nullptr, nullptr)) file = f;
          dwarf_lineno(line, &lineno);
          md->lines = true;
        }
    }
  Dwarf_Die* scopes = nullptr;
  int n = 0;
  if (cu && md->go) {
    // Go: libdw 0.188's dwarf_getscopes finds no scope in Go's DWARF, and Go places an
    // inlined call beside the lexical blocks that overlap it, not inside them. The function
    // that holds the code is a child of its unit; its inlined calls are searched child by child.
    std::vector<Dwarf_Die> nest;
    Dwarf_Die child;
    if (dwarf_child(cu, &child) == 0) do {
        if (dwarf_tag(&child) == DW_TAG_subprogram && dwarf_haspc(&child, addr - dbias) == 1) {
          nest.push_back(child);
          go_inlined_calls(&child, addr - dbias, nest);
          break;
        }
      } while (dwarf_siblingof(&child, &child) == 0);
    std::reverse(nest.begin(), nest.end());  // innermost first
    if (!nest.empty() && (scopes = static_cast<Dwarf_Die*>(malloc(nest.size() * sizeof(Dwarf_Die))))) {
      std::copy(nest.begin(), nest.end(), scopes);
      n = (int)nest.size();
    }
  } else if (cu && (n = dwarf_getscopes(cu, addr - dbias, &scopes)) > 0) {
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
    f.function = md->go ? die_function(&scopes[i]) : short_function(die_function(&scopes[i]));
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
    f.function = !name ? "" : md->go ? name : short_function(demangle(name));
    f.file = file;
    f.line = lineno;
    out.push_back(f);
  }
  auto& seen = seen_[m.path];
  seen.first = m.build_id;
  seen.second |= md->lines;
  return out;
}

bool Symbolizer::is_go(const SymModule& m) { return open_module(m)->go; }

namespace {

bool cu_by_ranges(std::vector<CuRange>& ranges, bool& built, Dwarf* dw, Dwarf_Addr addr, Dwarf_Die* out) {
  if (!built) {
    built = true;
    Dwarf_Off off = 0, next = 0;
    size_t hsize = 0;
    while (dwarf_nextcu(dw, off, &next, &hsize, nullptr, nullptr, nullptr) == 0) {
      Dwarf_Die die;
      if (dwarf_offdie(dw, off + hsize, &die)) {
        Dwarf_Addr base = 0, lo = 0, hi = 0;
        for (ptrdiff_t r = 0; (r = dwarf_ranges(&die, r, &base, &lo, &hi)) > 0;)
          if (hi > lo) ranges.push_back({lo, hi, off + hsize});
      }
      off = next;
    }
    std::sort(ranges.begin(), ranges.end(), [](const CuRange& a, const CuRange& b) { return a.lo < b.lo; });
  }
  // The last range starting at or below addr; ranges of different units do not overlap.
  auto it =
      std::upper_bound(ranges.begin(), ranges.end(), addr, [](Dwarf_Addr a, const CuRange& r) { return a < r.lo; });
  if (it == ranges.begin()) return false;
  --it;
  return addr < it->hi && dwarf_offdie(dw, it->die, out) != nullptr;
}

}  // namespace

}  // namespace lg
