// SPDX-License-Identifier: MIT
// fdzoo: holds a known number of fds of each kind, N extra threads and M zombie children,
// prints "ready" and waits until stdin closes or SIGTERM; then reaps its zombies and exits.
// Census tests and bench/census_bench compare the census against the flags.
//
//   fdzoo [--regular N] [--dir N] [--socket N] [--pipe N] [--chr N] [--netns N] [--nsfs N]
//         [--bpf-map N] [--bpf-prog N] [--bpf-link N] [--perf N] [--eventfd N] [--epoll N]
//         [--timerfd N] [--signalfd N] [--pidfd N] [--threads N] [--zombies N]
//         [--hash N] [--lru N] [--percpu-hash N] [--lpm N] [--dstate N] [--hold]
//
// --hold waits for SIGTERM only (a target under leakguard has /dev/null as stdin).
// Every count is of fds (--pipe 3 opens two pipes and closes one end). --bpf-map makes array
// maps of one entry; --hash/--lru/--percpu-hash/--lpm make one map each holding N elements.
// --dstate N makes N threads that each clone(CLONE_VM | CLONE_VFORK) a child that waits on a
// pipe before it exits: the threads stay in D state (wait_for_vfork_done) until fdzoo stops;
// it adds N threads, N child processes and the pipe's 2 fds.
// The fds it starts with (0, 1, 2) are not counted. Exit 3 when the kernel refuses something.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

[[noreturn]] void fail(const char* what) {
  fprintf(stderr, "fdzoo: %s: %s\n", what, strerror(errno));
  exit(3);
}

int check(int fd, const char* what) {
  if (fd < 0) fail(what);
  return fd;
}

const bpf_insn kReturn0[] = {
    {BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0},  // r0 = 0
    {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
};

int load_prog(bpf_prog_type type) { return bpf_prog_load(type, "fdzoo", "GPL", kReturn0, 2, nullptr); }

void fill_map(bpf_map_type type, long n) {
  int ncpu = libbpf_num_possible_cpus();
  bool lpm = type == BPF_MAP_TYPE_LPM_TRIE;
  bool percpu = type == BPF_MAP_TYPE_PERCPU_HASH;
  uint32_t key_size = lpm ? 8 : 4;
  uint32_t max = (uint32_t)(type == BPF_MAP_TYPE_LRU_HASH ? n * 4 + 256 : n + 16);
  LIBBPF_OPTS(bpf_map_create_opts, o);
  if (lpm) o.map_flags = BPF_F_NO_PREALLOC;
  int fd = check(bpf_map_create(type, "fdzoo", key_size, 8, max, &o), "bpf_map_create");
  std::vector<uint64_t> value(percpu ? ncpu : 1, 7);
  for (long i = 0; i < n; i++) {
    struct {
      uint32_t prefixlen;
      uint32_t addr;
    } lk = {32, (uint32_t)i};
    uint32_t k = (uint32_t)i;
    void* key = lpm ? (void*)&lk : (void*)&k;
    if (bpf_map_update_elem(fd, key, value.data(), BPF_NOEXIST) != 0) fail("bpf_map_update_elem");
  }
}

void* idle_thread(void*) {
  while (true) pause();
  return nullptr;
}

// --dstate: the child waits for EOF on the pipe (fdzoo's write end closing), then exits.
int g_wait_rd = -1;
int vfork_child(void*) {
  syscall(SYS_close_range, 0u, (unsigned)g_wait_rd - 1, 0u);
  syscall(SYS_close_range, (unsigned)g_wait_rd + 1, ~0u, 0u);
  char c;
  while (read(g_wait_rd, &c, 1) > 0) {
  }
  _exit(0);
}

void* dstate_thread(void*) {
  static const size_t kStack = 64 * 1024;
  void* stack = mmap(nullptr, kStack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) fail("mmap");
  pid_t c = clone(vfork_child, static_cast<char*>(stack) + kStack, CLONE_VM | CLONE_VFORK | SIGCHLD, nullptr);
  if (c < 0) fail("clone");
  waitpid(c, nullptr, 0);
  munmap(stack, kStack);
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, long> n;
  const char* keys[] = {"regular",  "dir",      "socket", "pipe",    "chr",         "netns",   "nsfs",     "bpf-map",
                        "bpf-prog", "bpf-link", "perf",   "eventfd", "epoll",       "timerfd", "signalfd", "pidfd",
                        "threads",  "zombies",  "hash",   "lru",     "percpu-hash", "lpm",     "dstate"};
  bool hold = false;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--hold") {
      hold = true;
      continue;
    }
    bool ok = false;
    for (const char* k : keys)
      if (a == std::string("--") + k && i + 1 < argc) {
        char* end;
        long v = strtol(argv[++i], &end, 10);
        if (*end || v < 0) break;
        n[k] = v;
        ok = true;
      }
    if (!ok) {
      fprintf(stderr, "fdzoo: bad argument '%s' (see the comment at the top of fdzoo.cc)\n", a.c_str());
      return 2;
    }
  }
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGPIPE, SIG_IGN);

  // Namespaces first, from the one thread there is.
  if (n["netns"]) {
    int home = check(open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), "open /proc/self/ns/net");
    for (long i = 0; i < n["netns"]; i++) {
      if (unshare(CLONE_NEWNET) != 0) fail("unshare(CLONE_NEWNET)");
      check(open("/proc/thread-self/ns/net", O_RDONLY), "open the new netns");
      if (setns(home, CLONE_NEWNET) != 0) fail("setns back");
    }
    close(home);
  }
  for (long i = 0; i < n["nsfs"]; i++) check(open("/proc/self/ns/uts", O_RDONLY), "open /proc/self/ns/uts");
  for (long i = 0; i < n["regular"]; i++) check(open("/proc/self/exe", O_RDONLY), "open /proc/self/exe");
  for (long i = 0; i < n["dir"]; i++) check(open("/", O_RDONLY | O_DIRECTORY), "open /");
  for (long i = 0; i < n["chr"]; i++) check(open("/dev/null", O_RDONLY), "open /dev/null");
  for (long i = 0; i < n["socket"]; i++) check(socket(AF_UNIX, SOCK_DGRAM, 0), "socket");
  for (long i = 0; i < n["pipe"]; i += 2) {
    int p[2];
    if (pipe(p) != 0) fail("pipe");
    if (i + 1 == n["pipe"]) close(p[1]);
  }
  for (long i = 0; i < n["bpf-map"]; i++)
    check(bpf_map_create(BPF_MAP_TYPE_ARRAY, "fdzoo", 4, 8, 1, nullptr), "bpf_map_create");
  for (long i = 0; i < n["bpf-prog"]; i++) check(load_prog(BPF_PROG_TYPE_SOCKET_FILTER), "bpf_prog_load");
  if (n["bpf-link"]) {
    // Raw tracepoint links need no tracefs; they keep the program alive without its fd.
    int prog = check(load_prog(BPF_PROG_TYPE_RAW_TRACEPOINT), "bpf_prog_load raw_tracepoint");
    for (long i = 0; i < n["bpf-link"]; i++)
      check(bpf_raw_tracepoint_open("task_newtask", prog), "bpf_raw_tracepoint_open");
    close(prog);
  }
  for (long i = 0; i < n["perf"]; i++) {
    perf_event_attr pa{};
    pa.type = PERF_TYPE_SOFTWARE;
    pa.size = sizeof pa;
    pa.config = PERF_COUNT_SW_DUMMY;
    pa.disabled = 1;
    check((int)syscall(SYS_perf_event_open, &pa, 0, -1, -1, 0), "perf_event_open");
  }
  for (long i = 0; i < n["eventfd"]; i++) check(eventfd(0, 0), "eventfd");
  for (long i = 0; i < n["epoll"]; i++) check(epoll_create1(0), "epoll_create1");
  for (long i = 0; i < n["timerfd"]; i++) check(timerfd_create(CLOCK_MONOTONIC, 0), "timerfd_create");
  if (n["signalfd"]) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    for (long i = 0; i < n["signalfd"]; i++) check(signalfd(-1, &set, 0), "signalfd");
  }
  for (long i = 0; i < n["pidfd"]; i++) check((int)syscall(SYS_pidfd_open, getpid(), 0), "pidfd_open");
  if (n["hash"]) fill_map(BPF_MAP_TYPE_HASH, n["hash"]);
  if (n["lru"]) fill_map(BPF_MAP_TYPE_LRU_HASH, n["lru"]);
  if (n["percpu-hash"]) fill_map(BPF_MAP_TYPE_PERCPU_HASH, n["percpu-hash"]);
  if (n["lpm"]) fill_map(BPF_MAP_TYPE_LPM_TRIE, n["lpm"]);

  std::vector<pid_t> kids;
  for (long i = 0; i < n["zombies"]; i++) {
    pid_t c = fork();
    if (c < 0) fail("fork");
    if (c == 0) _exit(0);
    kids.push_back(c);
    siginfo_t si{};
    waitid(P_PID, c, &si, WEXITED | WNOWAIT);  // a zombie now, left unreaped
  }
  for (long i = 0; i < n["threads"]; i++) {
    pthread_t t;
    if (pthread_create(&t, nullptr, idle_thread, nullptr) != 0) fail("pthread_create");
  }

  int wait_wr = -1;
  std::vector<pthread_t> stuck;
  if (n["dstate"]) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) fail("pipe2");
    g_wait_rd = p[0];
    wait_wr = p[1];
    for (long i = 0; i < n["dstate"]; i++) {
      pthread_t t;
      if (pthread_create(&t, nullptr, dstate_thread, nullptr) != 0) fail("pthread_create");
      stuck.push_back(t);
    }
    // Ready once every one of them waits in the kernel.
    for (int tries = 0; tries < 500; tries++) {
      long d = 0;
      for (const auto& e : std::filesystem::directory_iterator("/proc/self/task")) {
        FILE* f = fopen((e.path() / "stat").c_str(), "r");
        if (!f) continue;
        char b[512];
        size_t len = fread(b, 1, sizeof b - 1, f);
        fclose(f);
        b[len] = 0;
        const char* close_paren = strrchr(b, ')');
        d += close_paren && close_paren[1] == ' ' && close_paren[2] == 'D';
      }
      if (d == n["dstate"]) break;
      usleep(10000);
    }
  }

  printf("ready\n");
  fflush(stdout);
  char buf[64];
  while (!g_stop) {
    if (hold) {
      pause();
      continue;
    }
    ssize_t r = read(0, buf, sizeof buf);
    if (r == 0 || (r < 0 && errno != EINTR)) break;
  }
  for (pid_t c : kids) waitpid(c, nullptr, 0);
  if (wait_wr >= 0) close(wait_wr);  // the children read EOF and exit; their parents resume
  for (pthread_t t : stuck) pthread_join(t, nullptr);
  return 0;
}
