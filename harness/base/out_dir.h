// SPDX-License-Identifier: MIT
#pragma once
// The output directory of one scenario run, OUT/<scenario> (docs/outputs.md, docs/security.md).
//  - Locked while a run or `judge` uses it (an OFD lock on .leakguard-lock, which also holds the
//    holder's pid): a second one refuses at once and names that pid.
//  - A manifest (.leakguard-manifest) lists every file leakguard wrote there. leakguard
//    replaces or removes only those, and only while they are still regular files it owns:
//    anything else in the directory is somebody else's and stays; a file of ours that somebody
//    replaced is refused, not followed.
// Every write goes through the Dir (safe_file.h) of the directory, opened once.
#include <sys/types.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harness/base/safe_file.h"

namespace lg {

class OutputDir {
 public:
  static constexpr const char* kLock = ".leakguard-lock";
  static constexpr const char* kManifest = ".leakguard-manifest";
  static constexpr const char* kPlots = "plots";
  // The files a run writes directly in the directory (charts go to plots/).
  static const std::vector<std::string>& run_files();

  OutputDir() = default;
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;
  ~OutputDir();

  // Without changing anything: whether ROOT/NAME can be used by a run. ROOT follows the
  // Dir::open rules (missing parts would be created); an existing ROOT/NAME must be a directory
  // (not a link) where no file a run writes exists unless the manifest says it is ours.
  static bool check(const std::string& root, const std::string& name, std::string& err);

  // Opens ROOT/NAME below `root` (made when missing with `create`) and locks it. Returns false
  // with err on failure; `holder` is then the pid holding the lock (0 when that was not the
  // problem).
  bool open(const Dir& root, const std::string& name, bool create, std::string& err, pid_t& holder);
  // The same for a directory named by the user (`judge RUN_DIR`), never created. With `adopt`
  // (judge: the user asked for its reports to be rewritten) a run file or plots/ the manifest
  // does not list is taken over when it is a regular file (directory), instead of refused;
  // nothing unlisted is ever removed.
  bool open_path(const std::string& path, std::string& err, pid_t& holder, bool adopt = false);
  bool is_open() const { return dir_.valid(); }
  bool made() const { return made_; }  // open() created the directory

  // Removes every file the manifest lists and that is still ours (a previous run's output).
  bool clear(std::string& err);
  // Undoes open() of a directory it made, when the run gives up before writing anything.
  void discard();

  // Writes `rel` (a run file, or "plots/<name>.svg") atomically; listed in the manifest first.
  bool write(const std::string& rel, std::string_view data, std::string& err);
  // Opens `rel` for a streamed atomic write (commit() renames it into place).
  bool open_atomic(const std::string& rel, AtomicFile& f, std::string& err);
  // A new file for a stream (target logs): listed, then created O_EXCL | O_NOFOLLOW. fd or -1.
  int create_stream(const std::string& rel, std::string& err);
  // Removes the charts of the manifest that are not in `keep` (names inside plots/).
  bool prune_plots(const std::set<std::string>& keep, std::string& err);

  const std::string& path() const { return path_; }
  std::string file(const std::string& rel) const { return path_ + "/" + rel; }
  const Dir& dir() const { return dir_; }

 private:
  bool lock(std::string& err, pid_t& holder);
  bool load_manifest(std::string& err);
  bool save_manifest(std::string& err);
  bool claim(const std::string& rel, std::string& err);  // manifest entry before a write
  // The directory holding `rel` ("plots/x.svg" -> plots/, made when missing) and its file name.
  bool where(const std::string& rel, const Dir*& d, std::string& name, std::string& err);
  bool ours(const Dir& d, const std::string& name, const std::string& rel, std::string& err) const;

  Dir dir_, plots_;
  std::string path_, name_;
  int lock_fd_ = -1;
  int root_fd_ = -1;  // the parent, to remove a directory open() made (discard)
  bool made_ = false;
  bool adopt_ = false;
  std::set<std::string> manifest_;
};

// Validation of a manifest entry: "name" or "plots/name", names of [A-Za-z0-9._-] not starting
// with '.', at most 255 bytes each.
bool manifest_entry_ok(std::string_view rel);

}  // namespace lg
