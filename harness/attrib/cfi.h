// SPDX-License-Identifier: MIT
#pragma once
// Unwind rules for the tracker's unwinder: an ELF module's call frame information (.eh_frame,
// or .debug_frame when there is none, as in Go binaries) flattened into rows of bpf/attrib.h,
// sorted by file offset, each valid up to the next. Read with libdw; the file is the target's
// (hostile): malformed input yields fewer rows, never a crash.
#include <cstdint>
#include <string>
#include <vector>

#include "bpf/attrib.h"

namespace lg {

struct CfiTable {
  std::vector<lga_row> rows;
  std::string source;  // ".eh_frame", ".debug_frame" or "" (none: frame pointers only)
  size_t fdes = 0;     // functions described
};

// Builds the rows of the ELF file open at `fd`. False with `err` when it is not a readable ELF.
bool build_cfi_table(int fd, CfiTable& out, std::string& err);

// The GNU build-id of the ELF file at `fd`, lower-case hex; "" when it has none.
std::string elf_build_id(int fd);

}  // namespace lg
