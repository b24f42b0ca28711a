// SPDX-License-Identifier: MIT
// LEAK-SITE markers: the parser follows the convention of targets/README.md, every reference
// target marks its leak, and each marked line is code the compiler kept (it is in the
// binary's DWARF line table), so attribution tests can expect exactly that file:line.
#include "tests/leak_site.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <map>
#include <regex>
#include <set>

#include "tests/targets/target_proc.h"

namespace {

TEST(LeakSiteParse, TrailingMarkerIsItsOwnLine) {
  std::vector<std::string> errors;
  auto s = leak_site::parse("t/a.go", "x := 1\nfd := open() // LEAK-SITE: a-fd\n", errors);
  ASSERT_EQ(errors.size(), 0u);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].name, "a-fd");
  EXPECT_EQ(s[0].line, 2);
  EXPECT_EQ(s[0].code, "fd := open()");
  EXPECT_EQ(s[0].where(), "a.go:2");
}

TEST(LeakSiteParse, MarkerAloneNamesTheNextLine) {
  std::vector<std::string> errors;
  auto s = leak_site::parse("t/b.cc", "void f() {\n  // LEAK-SITE: b-fd\n  int fd = open(p);\n}\n", errors);
  ASSERT_EQ(errors.size(), 0u);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].line, 3);
  EXPECT_EQ(s[0].code, "int fd = open(p);");
  EXPECT_EQ(s[0].file, "t/b.cc");
}

TEST(LeakSiteParse, MalformedMarkersAreErrorsWithTheirLine) {
  std::vector<std::string> errors;
  auto s = leak_site::parse("t/c.cc",
                            "// LEAK-SITE: Bad_Name\nx();\n"  // not lowercase words
                            "// LEAK-SITE: c-blank\n\n"       // followed by a blank line
                            "// LEAK-SITE: c-comment\n// more words\nx();\n"
                            "// LEAK-SITE: c-end",  // at the end of the file
                            errors);
  EXPECT_EQ(s.size(), 0u);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].rfind("t/c.cc:1: bad LEAK-SITE name 'Bad_Name'", 0), 0u) << errors[0];
  EXPECT_EQ(errors[1], "t/c.cc:3: LEAK-SITE c-blank is followed by no code line");
  EXPECT_EQ(errors[2], "t/c.cc:5: LEAK-SITE c-comment is followed by no code line");
  EXPECT_EQ(errors[3], "t/c.cc:8: LEAK-SITE c-end is followed by no code line");
}

TEST(LeakSiteParse, FindSaysWhenThereIsNoSuchSite) {
  leak_site::Site s = leak_site::find("no-such-site");
  EXPECT_EQ(s.line, 0);
  EXPECT_EQ(s.error, "no LEAK-SITE marker named no-such-site under targets/ or bpf/");
}

// Every reference target's leak, and the code each marker must sit on.
const std::map<std::string, std::pair<std::string, std::string>> kSites = {
    // name -> (file, text the marked line must contain)
    {"nstuner-netns", {"targets/nstuner.cc", "open(\"/proc/self/ns/net\""}},
    {"pidprof-maps", {"targets/pidprof.cc", "pidprof_bpf::load(skel)"}},
    {"pidprof-entries", {"targets/pidprof.bpf.c", "bpf_map_update_elem(&pp_pages"}},
    {"maploader-map", {"targets/maploader.cc", "bpf_map_create("}},
    {"maploader-pin", {"targets/maploader.cc", "bpf_obj_pin("}},
    {"reaper-zombie", {"targets/reaper.cc", "fork()"}},
    {"reaper-thread", {"targets/reaper.cc", "std::thread(helper_main"}},
    {"gotuner-netns", {"targets/go/src/leakguard/gotuner/main.go", "netns.Get()"}},
    {"goagent-map", {"targets/go/src/leakguard/goagent/main.go", "ebpf.NewMap("}},
    {"goagent-prog", {"targets/go/src/leakguard/goagent/main.go", "ebpf.NewProgram("}},
    {"goagent-pin", {"targets/go/src/leakguard/goagent/main.go", "m.Pin(path)"}},
};

TEST(LeakSites, EveryReferenceTargetMarksItsLeakOnce) {
  std::vector<std::string> errors;
  auto sites = leak_site::all(errors);
  EXPECT_TRUE(errors.empty()) << errors.front();
  std::set<std::string> names;
  for (const auto& s : sites) names.insert(s.name);
  std::set<std::string> expected;
  for (const auto& [name, _] : kSites) expected.insert(name);
  EXPECT_EQ(names, expected);
  for (const auto& [name, want] : kSites) {
    leak_site::Site s = leak_site::find(name);
    ASSERT_EQ(s.error, "") << name;
    EXPECT_EQ(s.file, want.first) << name;
    EXPECT_NE(s.code.find(want.second), std::string::npos) << name << " marks '" << s.code << "'";
    EXPECT_GT(s.line, 1);
  }
}

// Rows "FILE  LINE  0xADDR" of readelf's decoded DWARF line table for `binary`.
bool line_in_dwarf(const std::string& binary, const leak_site::Site& s) {
  std::string cmd = "LC_ALL=C readelf --debug-dump=decodedline '" + binary + "' 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return false;
  std::regex row("^" + std::regex_replace(s.basename(), std::regex("\\."), "\\.") + "\\s+" + std::to_string(s.line) +
                 "\\s+0x");
  bool found = false;
  char buf[4096];
  while (fgets(buf, sizeof buf, p))
    if (!found && std::regex_search(buf, row)) found = true;
  pclose(p);
  return found;
}

TEST(LeakSites, MarkedLinesAreInTheBinariesLineTables) {
  const std::vector<std::pair<std::string, std::string>> checks = {
      {"nstuner-netns", "nstuner"}, {"nstuner-netns", "nstuner-nofp"}, {"nstuner-netns", "../lib/libnstuner-shlib.so"},
      {"pidprof-maps", "pidprof"},  {"maploader-map", "maploader"},    {"maploader-pin", "maploader"},
      {"reaper-zombie", "reaper"},  {"reaper-thread", "reaper"},       {"gotuner-netns", "gotuner"},
      {"goagent-map", "goagent"},   {"goagent-prog", "goagent"},       {"goagent-pin", "goagent"},
  };
  for (const auto& [name, binary] : checks) {
    if (std::string why = tt::not_built(binary); !why.empty()) continue;  // the Go targets when configured out
    leak_site::Site s = leak_site::find(name);
    ASSERT_EQ(s.error, "");
    EXPECT_TRUE(line_in_dwarf(tt::bin(binary), s)) << s.where() << " (" << name << ") has no code in " << binary;
  }
}

}  // namespace
