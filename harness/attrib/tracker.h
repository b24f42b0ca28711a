// SPDX-License-Identifier: MIT
#pragma once
// The attribution tracker: loads bpf/attrib.bpf.c, follows the target's processes (its cgroup,
// or its process tree), fills the unwinder's rules per module as modules are first seen, and
// takes snapshots: what the target holds now and which objects it created are still alive,
// each joined with the stack that created it.
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bpf/attrib.h"

struct attrib_bpf;
struct ring_buffer;
struct bpf_link;

namespace lg {

struct TrackerOptions {
  std::string cgroup;    // the target's cgroup v2 directory; "" with tree = true
  bool tree = false;     // process-tree mode: add_root() names the root, children follow on fork
  bool syscalls = true;  // record creations with stacks; false: only what is alive (residue fallback)
};

// A file-backed code module seen in the target (executable, shared library).
struct ModuleInfo {
  uint32_t id = 0;
  std::string path;      // as /proc/PID/maps named it
  std::string build_id;  // hex (GNU build-id), else a Go program's Go build ID; "" when none
  uint64_t dev = 0, ino = 0;
  int fd = -1;      // held open from /proc/PID/map_files for symbolising later
  std::string cfi;  // ".eh_frame", ".debug_frame" or "" (frame pointers only)
  size_t rows = 0;
  std::string note;  // why it has no rules
};

// Why an object of the target has no creation record.
enum class Unexplained : uint8_t {
  None = 0,
  Stdio,    // fds 0-2 the target got at launch
  NotSeen,  // not created by a call the tracker sees (SCM_RIGHTS, io_uring, ioctl, CLONE_PIDFD), or the table was full
  Before,   // tracking was not on (attribution off)
};

struct FdObs {
  uint32_t tgid = 0;
  int32_t fd = 0;
  uint32_t kind = 0;  // enum census_fd_kind
  uint32_t id = 0;    // BPF object id for map/prog/link fds
  uint64_t cookie = 0;
  uint64_t stack = 0;      // 0: unexplained
  bool inherited = false;  // the record is another process's (same struct file)
  Unexplained why = Unexplained::None;
};

struct ObjObs {
  uint32_t kind = 0, id = 0, type = 0, max_entries = 0;
  uint64_t entries = 0;
  std::string name;
  uint64_t stack = 0;    // where the target created it; 0 when it did not (or unknown)
  bool created = false;  // created by the target (a creation record)
  bool held = false;     // the target holds an fd on it now
  uint32_t tgid = 0;
};

struct NetnsObs {
  uint64_t cookie = 0;
  uint32_t inum = 0;
  uint64_t stack = 0;
  uint32_t tgid = 0;
  bool created = false;  // a creation record (else: only held by an fd)
};

struct PinObs {
  std::string path;
  uint32_t kind = 0, id = 0;
  uint64_t stack = 0;
  uint32_t tgid = 0;
};

struct ZombieObs {
  uint32_t pid = 0, ppid = 0;
  std::string comm, parent_comm;
  uint64_t stack = 0;
};

struct Snapshot {
  double t = 0;  // caller's clock (seconds since launch)
  std::vector<FdObs> fds;
  std::vector<ObjObs> objs;     // BPF objects alive that the target holds or created
  std::vector<NetnsObs> netns;  // network namespaces alive that the target created or holds
  std::vector<PinObs> pins;     // pins the target made that still exist
  std::vector<ZombieObs> zombies;
  bool netns_ok = true;        // the net list walk completed
  std::vector<uint64_t> live;  // every BPF object alive, (kind << 32) | id, sorted
};

struct StackInfo {
  std::vector<uint64_t> frames;  // (module id << 40) | file offset, innermost first
  lga_origin origin{};
};

class Tracker {
 public:
  // Loads and attaches. nullptr with a one-line reason when the kernel does not allow it.
  static std::unique_ptr<Tracker> create(const TrackerOptions& o, std::string& err);
  ~Tracker();
  Tracker(const Tracker&) = delete;
  Tracker& operator=(const Tracker&) = delete;

  // Fills the rules of an executable before it runs, so its first calls unwind well.
  void prefill_executable(const std::string& path);
  void add_root(pid_t pid);  // tree mode

  bool snapshot(Snapshot& out, std::string& err);
  bool stack(uint64_t hash, StackInfo& out) const;
  std::vector<ModuleInfo> modules() const;
  lga_counters counters() const;
  bool syscalls() const { return opts_.syscalls; }
  double setup_seconds() const { return setup_seconds_; }
  size_t rows_used() const {  // the consumer thread adds to it
    std::lock_guard<std::mutex> l(mu_);
    return rows_used_;
  }

 private:
  explicit Tracker(const TrackerOptions& o) : opts_(o) {}
  bool load(std::string& err);
  void consume();
  static int on_request(void* ctx, void* data, size_t size);
  void fill_module(const lga_mod_request& r, bool ours);
  void scan_own_vmas();
  bool read_iter(bpf_link* l, std::vector<char>& buf, std::string& err);

  TrackerOptions opts_;
  attrib_bpf* skel_ = nullptr;
  ring_buffer* rb_ = nullptr;
  bpf_link *files_ = nullptr, *tasks_ = nullptr, *maps_ = nullptr, *progs_ = nullptr, *links_ = nullptr;
  bpf_link *exit_ = nullptr, *fork_ = nullptr;
  std::thread consumer_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;  // modules_, rows_used_
  std::map<uint32_t, ModuleInfo> modules_;
  size_t rows_used_ = 0;
  uint32_t gen_ = 0;
  double setup_seconds_ = 0;
};

}  // namespace lg
