// SPDX-License-Identifier: MIT
// maps: BPF map churn.
//
// One event: create a map, fill `entries`, delete them (each or in one batch), optionally pin
// and unpin it and load/attach/detach a two-instruction program, close. Maps and programs are
// named "lgw_<pid>" so a test or a census can tell them apart. Workers: one per CPU at most.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "harness/workloads/outcome.h"
#include "harness/workloads/pace.h"
#include "harness/workloads/workload.h"

namespace lg {

namespace {

constexpr long kBpfFsMagic = 0xcafe4a11;

struct MapsOpts : Churn {
  std::string map_type;
  uint64_t entries = 0;
  std::string del;
  bool pin = false, progs = false;
};

bpf_map_type map_type_of(const std::string& s) {
  if (s == "lru_hash") return BPF_MAP_TYPE_LRU_HASH;
  if (s == "percpu_hash") return BPF_MAP_TYPE_PERCPU_HASH;
  if (s == "lpm_trie") return BPF_MAP_TYPE_LPM_TRIE;
  if (s == "array") return BPF_MAP_TYPE_ARRAY;
  return BPF_MAP_TYPE_HASH;
}

std::atomic<uint64_t> g_pin_serial{0};

class MapsWorkload : public Workload {
 public:
  explicit MapsWorkload(const MapsOpts& o) : o_(o) {}
  void run(const WorkloadContext& ctx) override;

 private:
  void worker();
  int one(std::string& call);  // one event; errno or 0

  MapsOpts o_;
  const WorkloadContext* ctx_ = nullptr;
  Pacer* pacer_ = nullptr;
  FirstError err_;
  bpf_map_type type_ = BPF_MAP_TYPE_HASH;
  bool lpm_ = false, array_ = false;
  unsigned key_size_ = 4, value_size_ = 8;  // value_size_ per CPU for percpu maps
  unsigned ncpus_ = 1;
  char name_[16] = {};
  std::vector<char> keys_;    // every key, packed: filled once, shared read-only
  std::vector<char> values_;  // one value (per-CPU values for percpu maps)
};

int MapsWorkload::one(std::string& call) {
  LIBBPF_OPTS(bpf_map_create_opts, mo);
  if (lpm_) mo.map_flags = BPF_F_NO_PREALLOC;  // the kernel requires it for LPM tries
  unsigned max_entries = (unsigned)std::max<uint64_t>(1, o_.entries);
  int fd = bpf_map_create(type_, name_, key_size_, value_size_, max_entries, &mo);
  if (fd < 0) {
    call = "bpf(BPF_MAP_CREATE)";
    return errno;
  }
  int e = 0;
  for (uint64_t i = 0; i < o_.entries && !e; i++)
    if (bpf_map_update_elem(fd, &keys_[i * key_size_], values_.data(), BPF_ANY) != 0)
      e = errno, call = "bpf(BPF_MAP_UPDATE_ELEM)";
  // Array elements cannot be deleted (documented; run() adds a warning).
  if (!e && !array_ && o_.entries && o_.del == "each") {
    for (uint64_t i = 0; i < o_.entries && !e; i++)
      if (bpf_map_delete_elem(fd, &keys_[i * key_size_]) != 0) e = errno, call = "bpf(BPF_MAP_DELETE_ELEM)";
  } else if (!e && !array_ && o_.entries && o_.del == "batch") {
    __u32 n = (__u32)o_.entries;
    if (bpf_map_delete_batch(fd, keys_.data(), &n, nullptr) != 0) e = errno, call = "bpf(BPF_MAP_DELETE_BATCH)";
  }
  if (!e && o_.pin) {
    char path[4200];
    snprintf(path, sizeof path, "%s/lgw_%d_%llu", ctx_->bpffs_dir.c_str(), (int)getpid(),
             (unsigned long long)g_pin_serial++);
    if (bpf_obj_pin(fd, path) != 0) {
      e = errno, call = std::string("bpf(BPF_OBJ_PIN, ") + path + ")";
    } else if (unlink(path) != 0) {
      e = errno, call = std::string("unlink ") + path;
    }
  }
  if (!e && o_.progs) {
    // r0 = 0; exit: the smallest program the verifier accepts.
    const bpf_insn insns[] = {
        {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},
        {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
    };
    int pfd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, name_, "GPL", insns, 2, nullptr);
    if (pfd < 0) {
      e = errno, call = "bpf(BPF_PROG_LOAD)";
    } else {
      int lfd = bpf_raw_tracepoint_open("sys_enter", pfd);
      if (lfd < 0)
        e = errno, call = "bpf(BPF_RAW_TRACEPOINT_OPEN, sys_enter)";
      else
        close(lfd);
      close(pfd);
    }
  }
  close(fd);
  return e;
}

void MapsWorkload::worker() {
  while (pacer_->next()) {
    std::string call;
    if (int e = one(call); e != 0) {
      err_.failed(e, call);
      pacer_->abort();
      break;
    }
    count_event();
  }
}

void MapsWorkload::run(const WorkloadContext& ctx) {
  ctx_ = &ctx;
  Pacer pacer(o_.count, o_.rate, ctx.stop);
  pacer_ = &pacer;
  auto finish = [&] { finish_run(err_, events(), pacer, last_event(), ctx, "maps"); };
  if (o_.pin) {
    struct statfs sf;
    if (ctx.bpffs_dir.empty()) {
      err_.set(0, "maps pin: the run has no bpffs directory to pin in");
    } else if (statfs(ctx.bpffs_dir.c_str(), &sf) != 0) {
      err_.set(errno, "maps pin: " + ctx.bpffs_dir + ": " + strerror(errno));
    } else if ((long)sf.f_type != kBpfFsMagic) {
      err_.set(0, "maps pin: " + ctx.bpffs_dir + " is not on a bpf filesystem (mount -t bpf)");
    }
    if (err_.any()) {
      finish();
      return;
    }
  }
  type_ = map_type_of(o_.map_type);
  lpm_ = type_ == BPF_MAP_TYPE_LPM_TRIE;
  array_ = type_ == BPF_MAP_TYPE_ARRAY;
  if (array_ && o_.del != "none" && o_.entries)
    outcome_.warnings.push_back("delete: " + o_.del + " ignored: array map elements cannot be deleted");
  snprintf(name_, sizeof name_, "lgw_%d", (int)getpid());
  // LPM keys: struct bpf_lpm_trie_key (prefixlen) followed by an IPv4 address.
  key_size_ = lpm_ ? 8 : 4;
  keys_.assign(o_.entries * key_size_, 0);
  for (uint64_t i = 0; i < o_.entries; i++) {
    char* k = &keys_[i * key_size_];
    if (lpm_) {
      uint32_t plen = 32, addr = (uint32_t)i;
      memcpy(k, &plen, 4);
      memcpy(k + 4, &addr, 4);
    } else {
      uint32_t v = (uint32_t)i;
      memcpy(k, &v, 4);
    }
  }
  if (type_ == BPF_MAP_TYPE_PERCPU_HASH) {
    int n = libbpf_num_possible_cpus();
    ncpus_ = n > 0 ? (unsigned)n : 1;
  }
  values_.assign(8 * ncpus_, 1);
  uint64_t workers = std::min<uint64_t>(cpu_count(), o_.concurrency);
  if (o_.count) workers = std::min(workers, o_.count);
  std::vector<std::thread> threads;
  for (uint64_t i = 0; i < workers; i++) threads.emplace_back([this] { worker(); });
  for (auto& t : threads) t.join();
  finish();
}

std::unique_ptr<Workload> make_maps(const Params& p) {
  MapsOpts o;
  static_cast<Churn&>(o) = churn_of(p);
  o.map_type = p.str("map_type");
  o.entries = (uint64_t)std::max<int64_t>(0, p.count("entries"));
  o.del = p.str("delete");
  o.pin = p.flag("pin");
  o.progs = p.flag("progs");
  return std::make_unique<MapsWorkload>(o);
}

std::vector<FieldProblem> check_maps(const Params& p) {
  std::vector<FieldProblem> out;
  if (p.str("map_type") == "lpm_trie" && p.str("delete") == "batch")
    out.push_back({"delete", "delete: batch is not supported by lpm_trie maps (use each)"});
  if (p.count("entries") > 1000000)
    out.push_back({"entries", "entries " + std::to_string(p.count("entries")) + " is more than 1000000 per map"});
  return out;
}

std::vector<KernelNeed> needs_maps(const Params& p) {
  if (p.flag("progs")) return {{"prog.tp_btf", " (progs: true) needs BTF tracepoint programs"}};
  return {};
}

}  // namespace

// extern: a namespace-scope const has internal linkage otherwise; registry.cc refers to it.
extern const WorkloadKind maps_workload = {
    "maps",
    "BPF map churn: create, fill, delete, close; optionally pin/unpin and attach a program",
    "BPF map created, filled and closed",
    churn_fields(
        {},
        {.things = "maps",
         .verb = "create",
         .per_second = "maps",
         .alive = "alive",
         .count = "1000",
         .concurrency = "1"},
        {
            {"map_type",
             FieldType::Enum,
             "hash",
             "kind of map",
             {"hash", "lru_hash", "percpu_hash", "lpm_trie", "array"}},
            {"entries", FieldType::Count, "16", "elements filled into each map", {}, 0},
            {"delete", FieldType::Enum, "each", "how elements are removed before close", {"none", "each", "batch"}},
            {"pin", FieldType::Bool, "false", "pin each map under the run's private bpffs path, then unpin"},
            {"progs", FieldType::Bool, "false", "also load a tiny tracepoint program, attach and detach a link"},
        }),
    make_maps,
    check_maps,
    needs_maps,
};

}  // namespace lg
