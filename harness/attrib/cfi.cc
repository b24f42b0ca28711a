// SPDX-License-Identifier: MIT
#include "harness/attrib/cfi.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <libelf.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace lg {
namespace {

constexpr int kRegRbp = 6, kRegRsp = 7, kRegRa = 16;

struct Segment {
  uint64_t vaddr, offset, filesz;
};

// File offset of a virtual address, through the PT_LOAD segment that holds it.
bool vaddr_to_off(const std::vector<Segment>& segs, uint64_t v, uint64_t& off) {
  for (const auto& s : segs)
    if (v >= s.vaddr && v < s.vaddr + s.filesz) {
      off = v - s.vaddr + s.offset;
      return true;
    }
  return false;
}

// A fixed-size value of type T at `p` (inside [p, end)), widened to int64_t as T's sign says.
template <class T>
bool read_fixed(const uint8_t* p, const uint8_t* end, int64_t& v, size_t& n) {
  T x;
  if (end - p < (ptrdiff_t)sizeof x) return false;
  memcpy(&x, p, sizeof x);
  v = (int64_t)x;
  n = sizeof x;
  return true;
}

// One value of .eh_frame_hdr in pointer encoding `enc` at `p` (inside [p, end)); `pc` is its
// own address and `data` the section's (for pcrel and datarel). False when unsupported.
bool read_encoded(const uint8_t*& p, const uint8_t* end, uint8_t enc, uint64_t pc, uint64_t data, uint64_t& out) {
  if (enc == DW_EH_PE_omit) return false;
  int64_t v = 0;
  size_t n = 0;
  bool ok = false;
  switch (enc & 0x0f) {
    case DW_EH_PE_udata4: ok = read_fixed<uint32_t>(p, end, v, n); break;
    case DW_EH_PE_sdata4: ok = read_fixed<int32_t>(p, end, v, n); break;
    case DW_EH_PE_udata8:
    case DW_EH_PE_sdata8:
    case DW_EH_PE_absptr: ok = read_fixed<int64_t>(p, end, v, n); break;
  }
  if (!ok) return false;
  switch (enc & 0x70) {
    case 0: break;
    case DW_EH_PE_pcrel: v += (int64_t)pc; break;
    case DW_EH_PE_datarel: v += (int64_t)data; break;
    default: return false;
  }
  p += n;
  out = (uint64_t)v;
  return true;
}

// Function start addresses from the binary search table of .eh_frame_hdr.
std::vector<uint64_t> eh_frame_hdr_starts(Elf* elf, const GElf_Phdr& ph) {
  std::vector<uint64_t> starts;
  Elf_Data* d = elf_getdata_rawchunk(elf, ph.p_offset, ph.p_filesz, ELF_T_BYTE);
  if (!d || d->d_size < 4) return starts;
  const uint8_t* base = static_cast<const uint8_t*>(d->d_buf);
  const uint8_t* end = base + d->d_size;
  if (base[0] != 1) return starts;
  uint8_t ptr_enc = base[1], count_enc = base[2], table_enc = base[3];
  const uint8_t* p = base + 4;
  uint64_t hdr = ph.p_vaddr, eh_frame = 0, count = 0;
  if (!read_encoded(p, end, ptr_enc, hdr + (p - base), hdr, eh_frame)) return starts;
  if (!read_encoded(p, end, count_enc, hdr + (p - base), hdr, count)) return starts;
  count = std::min<uint64_t>(count, d->d_size / 8);  // a hostile count cannot make us allocate more
  starts.reserve(count);
  for (uint64_t i = 0; i < count; i++) {
    uint64_t loc = 0, fde = 0;
    if (!read_encoded(p, end, table_enc, hdr + (p - base), hdr, loc)) break;
    if (!read_encoded(p, end, table_enc, hdr + (p - base), hdr, fde)) break;
    starts.push_back(loc);
  }
  return starts;
}

// Function start addresses of .debug_frame (64-bit: initial_location is a plain address).
std::vector<uint64_t> debug_frame_starts(Elf* elf) {
  std::vector<uint64_t> starts;
  size_t shstrndx;
  if (elf_getshdrstrndx(elf, &shstrndx) != 0) return starts;
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(elf, scn))) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh)) continue;
    const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
    if (!name || strcmp(name, ".debug_frame") != 0 || sh.sh_type == SHT_NOBITS) continue;
    Elf_Data* d = elf_getdata(scn, nullptr);
    if (!d) return starts;
    const unsigned char* ident = reinterpret_cast<const unsigned char*>(elf_getident(elf, nullptr));
    if (!ident) return starts;
    Dwarf_Off off = 0, next = 0;
    Dwarf_CFI_Entry e;
    while (off < d->d_size && dwarf_next_cfi(ident, d, false, off, &next, &e) == 0) {
      if (!dwarf_cfi_cie_p(&e)) {
        uint64_t loc;
        const uint8_t* p = e.fde.start;
        if (e.fde.end - p >= 8) {
          memcpy(&loc, p, 8);
          starts.push_back(loc);
        }
      }
      if (next <= off) break;
      off = next;
    }
    break;
  }
  std::sort(starts.begin(), starts.end());
  return starts;
}

// The row for one CFI frame state.
lga_row row_of(Dwarf_Frame* f, uint64_t off) {
  lga_row r{};
  r.off = (uint32_t)off;
  r.cfa_reg = LGA_CFA_NONE;
  Dwarf_Op mem[3];
  Dwarf_Op* ops = nullptr;
  size_t nops = 0;
  // The return address: undefined marks the outermost frame (_start, thread entry).
  if (dwarf_frame_register(f, kRegRa, mem, &ops, &nops) == 0 && nops == 0 && ops == mem) {
    r.cfa_reg = LGA_CFA_END;
    return r;
  }
  ops = nullptr;
  nops = 0;
  if (dwarf_frame_cfa(f, &ops, &nops) != 0 || nops == 0) return r;
  if (nops == 1) {
    int reg = -1;
    int64_t add = 0;
    if (ops[0].atom == DW_OP_bregx) {
      reg = (int)ops[0].number;
      add = (int64_t)ops[0].number2;
    } else if (ops[0].atom >= DW_OP_breg0 && ops[0].atom <= DW_OP_breg31) {
      reg = ops[0].atom - DW_OP_breg0;
      add = (int64_t)ops[0].number;
    }
    if ((reg != kRegRsp && reg != kRegRbp) || add < INT16_MIN || add > INT16_MAX) return r;
    r.cfa_reg = reg == kRegRsp ? LGA_CFA_SP : LGA_CFA_BP;
    r.cfa_off = (int16_t)add;
  } else {
    // An expression: on x86-64 that is the PLT's (rsp + 8, + 8 more past the push).
    r.cfa_reg = LGA_CFA_PLT;
  }
  // Where the caller's rbp was saved: offset(N) from the CFA, else it is unchanged.
  ops = nullptr;
  nops = 0;
  if (dwarf_frame_register(f, kRegRbp, mem, &ops, &nops) == 0 && nops >= 1 && ops[0].atom == DW_OP_call_frame_cfa) {
    int64_t n = 0;
    if (nops >= 2 && ops[1].atom == DW_OP_plus_uconst) n = (int64_t)ops[1].number;
    if (nops >= 2 && ops[1].atom == DW_OP_consts) n = (int64_t)ops[1].number;
    if (n % 8 == 0 && n / 8 >= INT8_MIN && n / 8 <= INT8_MAX) r.rbp_off8 = (int8_t)(n / 8);
  }
  return r;
}

void add_rows(Dwarf_CFI* cfi, const std::vector<uint64_t>& starts, const std::vector<Segment>& segs, CfiTable& t) {
  constexpr size_t kMaxRowsPerFde = 4096;
  for (size_t i = 0; i < starts.size(); i++) {
    uint64_t addr = starts[i];
    uint64_t limit = i + 1 < starts.size() ? starts[i + 1] : UINT64_MAX;
    if (i > 0 && starts[i] == starts[i - 1]) continue;
    bool any = false;
    for (size_t n = 0; n < kMaxRowsPerFde && addr < limit; n++) {
      Dwarf_Frame* f = nullptr;
      if (dwarf_cfi_addrframe(cfi, addr, &f) != 0 || !f) break;
      Dwarf_Addr s = 0, e = 0;
      bool sig = false;
      dwarf_frame_info(f, &s, &e, &sig);
      uint64_t off;
      if (s > addr || e <= addr || !vaddr_to_off(segs, addr, off) || off > UINT32_MAX) {
        free(f);
        break;
      }
      t.rows.push_back(row_of(f, off));
      free(f);
      any = true;
      addr = e;
    }
    t.fdes += any;
    // A gap up to the next function: no rule there.
    uint64_t off;
    if (any && addr < limit && vaddr_to_off(segs, addr, off) && off <= UINT32_MAX) {
      lga_row gap{};
      gap.off = (uint32_t)off;
      t.rows.push_back(gap);
    }
  }
}

}  // namespace

bool build_cfi_table(int fd, CfiTable& out, std::string& err) {
  out = CfiTable{};
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  if (!elf || elf_kind(elf) != ELF_K_ELF) {
    err = "not an ELF file";
    if (elf) elf_end(elf);
    return false;
  }
  GElf_Ehdr eh;
  if (!gelf_getehdr(elf, &eh) || eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64) {
    err = "not an x86-64 ELF file";
    elf_end(elf);
    return false;
  }
  size_t nph = 0;
  elf_getphdrnum(elf, &nph);
  std::vector<Segment> segs;
  GElf_Phdr hdr{};
  bool has_hdr = false;
  for (size_t i = 0; i < nph; i++) {
    GElf_Phdr ph;
    if (!gelf_getphdr(elf, (int)i, &ph)) continue;
    if (ph.p_type == PT_LOAD) segs.push_back({ph.p_vaddr, ph.p_offset, ph.p_filesz});
    if (ph.p_type == PT_GNU_EH_FRAME) {
      hdr = ph;
      has_hdr = true;
    }
  }
  if (has_hdr) {
    if (Dwarf_CFI* cfi = dwarf_getcfi_elf(elf)) {
      add_rows(cfi, eh_frame_hdr_starts(elf, hdr), segs, out);
      dwarf_cfi_end(cfi);
      out.source = ".eh_frame";
    }
  }
  if (out.rows.empty()) {
    // Go and other toolchains without .eh_frame: the DWARF .debug_frame, when not stripped.
    if (Dwarf* dw = dwarf_begin_elf(elf, DWARF_C_READ, nullptr)) {
      if (Dwarf_CFI* cfi = dwarf_getcfi(dw)) {
        add_rows(cfi, debug_frame_starts(elf), segs, out);
        if (!out.rows.empty()) out.source = ".debug_frame";
      }
      dwarf_end(dw);
    }
  }
  // Sorted by offset; equal offsets keep the last (a later FDE starting where one ended).
  std::stable_sort(out.rows.begin(), out.rows.end(), [](const lga_row& a, const lga_row& b) { return a.off < b.off; });
  std::vector<lga_row> uniq;
  uniq.reserve(out.rows.size());
  for (const auto& r : out.rows) {
    if (!uniq.empty() && uniq.back().off == r.off)
      uniq.back() = r;
    else
      uniq.push_back(r);
  }
  out.rows.swap(uniq);
  elf_end(elf);
  return true;
}

std::string elf_build_id(int fd) {
  elf_version(EV_CURRENT);
  Elf* elf = elf_begin(fd, ELF_C_READ_MMAP, nullptr);
  if (!elf) return "";
  std::string id, go_id;
  size_t nph = 0;
  elf_getphdrnum(elf, &nph);
  for (size_t i = 0; i < nph && id.empty(); i++) {
    GElf_Phdr ph;
    if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_NOTE) continue;
    Elf_Data* d = elf_getdata_rawchunk(elf, ph.p_offset, ph.p_filesz, ELF_T_NHDR);
    if (!d) continue;
    size_t off = 0, name_off, desc_off;
    GElf_Nhdr nh;
    while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
      const char* name = static_cast<char*>(d->d_buf) + name_off;
      const uint8_t* b = static_cast<const uint8_t*>(d->d_buf) + desc_off;
      if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
        static const char* hex = "0123456789abcdef";
        for (size_t k = 0; k < nh.n_descsz && k < 64; k++) {
          id += hex[b[k] >> 4];
          id += hex[b[k] & 15];
        }
        break;
      }
      // Go's build ID ("Go" note of type 4), text as `go tool buildid` prints it: what a Go
      // program without a GNU build-id (the go command's default) is known by.
      if (nh.n_type == 4 && nh.n_namesz >= 3 && memcmp(name, "Go", 3) == 0 && go_id.empty())  // "Go\0\0"
        for (size_t k = 0; k < nh.n_descsz && k < 128; k++) {
          char c = (char)b[k];
          if (!isalnum((unsigned char)c) && !strchr("/_-=+.", c)) {
            go_id.clear();
            break;
          }
          go_id += c;
        }
    }
  }
  elf_end(elf);
  return id.empty() ? go_id : id;
}

}  // namespace lg
