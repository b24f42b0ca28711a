// SPDX-License-Identifier: MIT
#pragma once
// Frames to functions, files and lines with libdw (elfutils), in process: module + file
// offset -> one frame per inlined call and the function around them. Debug info is looked up
// by build-id and .gnu_debuglink in a list of directories: the binary's own directory (and its
// .debug/ and .build-id/), every extra directory given, then /usr/lib/debug, so libc keeps its
// symbols (libc6-dbg) when an application's are found elsewhere.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/base/diagnosis.h"

namespace lg {

struct SymModule {
  std::string path;      // as the target mapped it
  std::string build_id;  // hex (GNU build-id), or a Go build ID
  int fd = -1;           // an open fd of the very file (dup'ed by the symboliser); -1: open path
};

class Symbolizer {
 public:
  explicit Symbolizer(std::vector<std::string> extra_debug_dirs = {});
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  // Frames for one address (innermost inlined call first); at least one frame, with only
  // module + offset filled when nothing is known. `file` is the path the debug info names.
  std::vector<Frame> symbolize(const SymModule& m, uint64_t file_offset);
  // A Go program (its function names are kept whole: "sync.(*Once).doSlow").
  bool is_go(const SymModule& m);
  // Modules symbolised so far that had no line information at all: path -> build-id.
  std::map<std::string, std::string> missing_debug_info() const;

 private:
  struct Mod;
  Mod* open_module(const SymModule& m);
  std::vector<std::string> dirs_;
  std::map<std::string, std::unique_ptr<Mod>> mods_;          // by path + build-id
  std::map<std::string, std::pair<std::string, bool>> seen_;  // path -> (build-id, any line)
};

// "visit_netns" from "(anonymous namespace)::visit_netns(std::string const&)" (C++ names;
// Go names are not shortened).
std::string short_function(const std::string& demangled);

}  // namespace lg
