// SPDX-License-Identifier: MIT
// The build variants are what they claim to be (targets/CMakeLists.txt builds them):
// nstuner-nofp has no frame pointers, nstuner-stripped has no debug info and its split
// debug file is found by build-id, nstuner-shlib's code is in a shared library, and every
// C++ target is PIE. Read with binutils' readelf, as a user would check a build.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <regex>
#include <sstream>

#include "tests/targets/target_proc.h"

namespace {

// LC_ALL=C readelf ARGS FILE; "" when readelf fails (the caller's assertion names it).
std::string readelf(const std::string& args, const std::string& file) {
  std::string cmd = "LC_ALL=C readelf " + args + " '" + file + "' 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? out : "";
}

bool has_section(const std::string& file, const std::string& name) {
  std::regex re("\\]\\s+" + name + "\\s");
  return std::regex_search(readelf("-S -W", file), re);
}

std::string build_id(const std::string& file) {
  std::smatch m;
  std::string notes = readelf("-n", file);
  return std::regex_search(notes, m, std::regex("Build ID: ([0-9a-f]+)")) ? m[1].str() : "";
}

// The DW_AT_producer of the compile unit of `source` ("nstuner.cc"): GCC records the
// options it was given. Other units (crt files, a sanitizer runtime) have their own.
std::string producer(const std::string& file, const std::string& source) {
  std::istringstream info(readelf("--debug-dump=info", file));
  std::string line, last;
  std::regex name_re("DW_AT_name[^:]*:.*[/ ]" + std::regex_replace(source, std::regex("\\."), "\\.") + "$");
  while (std::getline(info, line)) {
    if (size_t at = line.find("DW_AT_producer"); at != std::string::npos) {
      size_t gnu = line.find("GNU ", at);
      last = gnu == std::string::npos ? "" : line.substr(gnu);
    } else if (line.find("DW_AT_name") != std::string::npos && std::regex_search(line, name_re)) {
      return last;
    }
  }
  return "";
}

// Which of -fomit-frame-pointer and -fno-omit-frame-pointer comes last wins.
bool omits_frame_pointer(const std::string& prod) {
  size_t omit = prod.rfind("-fomit-frame-pointer"), keep = prod.rfind("-fno-omit-frame-pointer");
  return omit != std::string::npos && (keep == std::string::npos || omit > keep);
}

std::string lib(const std::string& name) { return std::string(LEAKGUARD_BIN_DIR) + "/../lib/" + name; }

TEST(Variants, ReferenceTargetsArePie) {
  for (const char* t :
       {"nstuner", "pidprof", "maploader", "reaper", "nstuner-nofp", "nstuner-stripped", "nstuner-shlib"}) {
    std::string header = readelf("-h -l", tt::bin(t));
    EXPECT_NE(header.find("DYN (Position-Independent Executable file)"), std::string::npos) << t << "\n" << header;
    EXPECT_NE(header.find("Requesting program interpreter"), std::string::npos) << t;
  }
}

TEST(Variants, TargetsHaveDebugInfoAndFramePointers) {
  for (const char* t : {"nstuner", "pidprof", "maploader", "reaper"}) {
    std::string prod = producer(tt::bin(t), std::string(t) + ".cc");
    ASSERT_NE(prod, "") << t << " has no DWARF compile unit";
    EXPECT_FALSE(omits_frame_pointer(prod)) << t << ": " << prod;
    EXPECT_NE(prod.find("-fno-omit-frame-pointer"), std::string::npos) << t << ": " << prod;
  }
}

TEST(Variants, NofpIsO2WithoutFramePointersAndHasCfi) {
  std::string nofp = tt::bin("nstuner-nofp");
  std::string prod = producer(nofp, "nstuner.cc");
  ASSERT_NE(prod, "") << "nstuner-nofp has no DWARF";
  EXPECT_TRUE(omits_frame_pointer(prod)) << prod;
  EXPECT_NE(prod.find("-O2"), std::string::npos) << prod;
  EXPECT_TRUE(has_section(nofp, "\\.eh_frame")) << "unwinding without frame pointers needs the CFI";
  // The code agrees: the frame-pointer build sets up %rbp in every function, this one only
  // where GCC needs a frame base anyway (stack realignment in main) and in crt start-up
  // code: 26 against 3 when this was written.
  auto frames = [](const std::string& file) {
    std::string cmd = "LC_ALL=C objdump -d --no-show-raw-insn '" + file + "' | grep -c 'mov *%rsp,%rbp'";
    FILE* p = popen(cmd.c_str(), "r");
    int n = -1;
    if (p && fscanf(p, "%d", &n) != 1) n = -1;
    if (p) pclose(p);
    return n;
  };
  int with = frames(tt::bin("nstuner")), without = frames(nofp);
  EXPECT_GE(with, 10) << "nstuner should set up frame pointers";
  EXPECT_GE(without, 0);
  EXPECT_LE(without * 4, with) << "nstuner-nofp sets up %rbp frames in " << without << " places, nstuner in " << with;
}

TEST(Variants, StrippedHasItsDebugInfoSplitByBuildId) {
  std::string bin = tt::bin("nstuner-stripped");
  std::string id = build_id(bin);
  ASSERT_GE(id.size(), 32u) << "no GNU build-id in " << bin;
  EXPECT_FALSE(has_section(bin, "\\.debug_info")) << "stripped binary still has .debug_info";
  EXPECT_FALSE(has_section(bin, "\\.symtab")) << "stripped binary still has .symtab";
  EXPECT_TRUE(has_section(bin, "\\.gnu_debuglink"));

  std::string debug =
      std::string(LEAKGUARD_BIN_DIR) + "/../debug/.build-id/" + id.substr(0, 2) + "/" + id.substr(2) + ".debug";
  ASSERT_TRUE(std::filesystem::exists(debug)) << debug;
  EXPECT_EQ(build_id(debug), id) << "the split file carries the same build-id";
  EXPECT_TRUE(has_section(debug, "\\.debug_info")) << debug;
  EXPECT_TRUE(has_section(debug, "\\.symtab")) << debug;
  EXPECT_NE(producer(debug, "nstuner.cc"), "") << "readelf cannot read the split DWARF";
  // The debuglink names the split file (CRC checked by the tools that follow it).
  std::string link = readelf("--string-dump=.gnu_debuglink", bin);
  EXPECT_NE(link.find(id.substr(2) + ".debug"), std::string::npos) << link;
}

TEST(Variants, ShlibKeepsNstunerInASharedLibrary) {
  std::string exe = tt::bin("nstuner-shlib"), so = lib("libnstuner-shlib.so");
  ASSERT_TRUE(std::filesystem::exists(so)) << so;
  EXPECT_NE(readelf("-d", exe).find("Shared library: [libnstuner-shlib.so]"), std::string::npos);
  // nstuner_main (nstuner.cc's main, C++-mangled) is defined in the library, imported by
  // the executable, and nstuner.cc's code (the leak site's line included: leak_site_test)
  // is in the library's line table only.
  EXPECT_TRUE(
      std::regex_search(readelf("-s -W", so), std::regex("FUNC +GLOBAL +DEFAULT +[0-9]+ _Z12nstuner_mainiPPc")));
  EXPECT_TRUE(std::regex_search(readelf("-s -W", exe), std::regex("UND _Z12nstuner_mainiPPc")));
  std::regex nstuner_rows("\nnstuner\\.cc +[0-9]+ +0x");
  EXPECT_TRUE(std::regex_search(readelf("--debug-dump=decodedline", so), nstuner_rows));
  EXPECT_FALSE(std::regex_search(readelf("--debug-dump=decodedline", exe), nstuner_rows));
}

}  // namespace
