// SPDX-License-Identifier: MIT
#pragma once
// Every file leakguard writes goes through here, so that a link or a file someone else planted
// is never followed or clobbered (docs/security.md):
//  - writes are relative to a directory fd leakguard opened itself (Dir), never by path;
//  - a file is written to a fresh temp name (O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC) and
//    renamed over its name with renameat: a planted link at either name is replaced, never
//    written through, and a reader never sees half a file;
//  - a directory below one leakguard opened is entered with O_NOFOLLOW only;
//  - a path the user gave (--out, --junit, RUN_DIR) is walked component by component, and a
//    symbolic link in it is followed only when nobody but us (or root) could have planted it.
#include <sys/stat.h>
#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace lg {

class Dir {
 public:
  Dir() = default;
  Dir(const Dir&) = delete;
  Dir& operator=(const Dir&) = delete;
  Dir(Dir&& o) noexcept;
  Dir& operator=(Dir&& o) noexcept;
  ~Dir();

  // Opens the directory a user named. A symbolic link on the way is followed only when it is
  // owned by us or root, or sits in a directory that only we (or root) can write to: the rule
  // of the kernel's protected_symlinks, for every component. With `create`, missing
  // directories are made (0755); `created` receives them, outermost first, so a caller that
  // gives up can remove what it made.
  static bool open(const std::string& path, bool create, Dir& out, std::string& err,
                   std::vector<std::string>* created = nullptr);
  // Whether open(path, create=true) would succeed and the directory (or the deepest existing
  // part of it) is writable, without creating anything.
  static bool check_writable(const std::string& path, std::string& err);

  // A directory entry by name (one component), never through a link. With `create` it is made
  // when missing (`made` tells whether it was).
  bool sub(const std::string& name, bool create, Dir& out, std::string& err, bool* made = nullptr) const;

  // Writes `data` to NAME atomically (temp name, then renameat). An existing NAME that is a
  // directory, a FIFO, a device or a socket is refused, not replaced.
  bool write(const std::string& name, std::string_view data, std::string& err) const;
  // A new file for data written as it comes (target logs): O_CREAT | O_EXCL | O_NOFOLLOW,
  // so it fails when anything already has the name. Returns the fd or -1.
  int create_new(const std::string& name, std::string& err, mode_t mode = 0644) const;
  // An anonymous file in this directory (O_TMPFILE; an unlinked named file where the filesystem
  // has no O_TMPFILE): gone when closed, also after a SIGKILL. Returns the fd or -1.
  int create_anonymous(std::string& err) const;
  // unlinkat of a regular file (or a link) named NAME, never a directory. Missing is fine.
  bool remove(const std::string& name, std::string& err) const;
  // lstat of NAME; false when it does not exist (or cannot be looked at).
  bool stat(const std::string& name, struct stat& st) const;
  // Names in the directory (without . and ..).
  std::vector<std::string> list() const;

  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }  // for messages: the path as given
  std::string child(const std::string& name) const { return path_ == "/" ? "/" + name : path_ + "/" + name; }

 private:
  int fd_ = -1;
  std::string path_;
  friend class AtomicFile;
};

// A file written in pieces to a temp name in a Dir and renamed over its name by commit();
// destroyed without commit() it removes the temp file. For outputs too large to build in
// memory (series.json of a long run).
class AtomicFile {
 public:
  AtomicFile() = default;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  ~AtomicFile();
  bool open(const Dir& dir, const std::string& name, std::string& err);
  bool write(std::string_view data);  // buffered; false once a write failed
  bool commit(std::string& err);      // flush, close, renameat; err names the file

 private:
  bool flush();
  void abandon();
  int fd_ = -1;
  int dir_fd_ = -1;  // not owned
  std::string name_, tmp_, path_;
  std::string buf_;
  int errno_ = 0;
};

// Splits a file path the user gave into its directory and its name ("a/b.xml" -> "a", "b.xml";
// "b.xml" -> ".", "b.xml"). False with err when there is no file name ("dir/", ".", "..").
bool split_file_path(const std::string& path, std::string& dir, std::string& name, std::string& err);
// Whether a file path the user gave can be written: its directory exists and is writable
// (Dir::open rules), and the name is not a directory, FIFO, device or socket.
bool check_output_file(const std::string& path, std::string& err);
// Writes a file the user named by path: opens its directory with Dir::open, then Dir::write.
bool write_file(const std::string& path, std::string_view data, std::string& err);

// Reads at most `max_bytes` of a regular file, without blocking on a FIFO or reading a device:
// O_NONBLOCK | O_NOCTTY, then fstat. err says what is wrong ("is a FIFO, not a regular file",
// "is larger than 4 MiB").
bool read_regular_file(const std::string& path, size_t max_bytes, std::string& out, std::string& err);

}  // namespace lg
