// SPDX-License-Identifier: MIT
#include "harness/workloads/spawner.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

#include "harness/workloads/outcome.h"

extern char** environ;

namespace lg {

namespace {

// ---- the wire: one fixed-size message per packet (config carries strings after it) ----

enum Op : uint32_t { kOpConfig = 1, kOpSpawn, kOpKill, kOpStarted, kOpExited };
enum Flag : uint32_t { kFlagNetns = 1, kFlagExec = 2, kFlagPause = 4, kFlagReportStart = 8, kFlagCgroup = 16 };

struct Wire {
  uint32_t op = 0;
  uint32_t flags = 0;
  uint64_t cookie = 0;
  int64_t lifetime_ns = 0;
  uint32_t threads = 0;
  uint32_t nargs = 0;  // config: path, then argv, NUL-terminated, after the struct
  int32_t pid = 0, status = 0, err = 0, step = 0;
};

constexpr size_t kMaxConfig = 64 * 1024;  // path + argv
constexpr size_t kThreadStack = 64 * 1024;

// Sends `w` (+ `extra` bytes) with up to two fds attached. Returns false with errno.
bool send_wire(int sock, const Wire& w, const char* extra, size_t extra_len, const int* fds, int nfds) {
  iovec iov[2] = {{const_cast<Wire*>(&w), sizeof w}, {const_cast<char*>(extra), extra_len}};
  msghdr m{};
  m.msg_iov = iov;
  m.msg_iovlen = extra_len ? 2 : 1;
  alignas(cmsghdr) char cbuf[CMSG_SPACE(2 * sizeof(int))];
  if (nfds > 0) {
    memset(cbuf, 0, sizeof cbuf);
    m.msg_control = cbuf;
    m.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
    cmsghdr* c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
    memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
  }
  for (;;) {
    ssize_t n = sendmsg(sock, &m, MSG_NOSIGNAL);
    if (n >= 0) return true;
    if (errno != EINTR) return false;
  }
}

// Receives one packet into buf; fds (up to 2, -1 when absent) are close-on-exec.
// Returns the length, 0 at EOF, -1 on error.
ssize_t recv_wire(int sock, char* buf, size_t len, int* fds) {
  iovec iov{buf, len};
  msghdr m{};
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  alignas(cmsghdr) char cbuf[CMSG_SPACE(2 * sizeof(int))];
  m.msg_control = cbuf;
  m.msg_controllen = sizeof cbuf;
  ssize_t n;
  do n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  fds[0] = fds[1] = -1;
  if (n <= 0) return n;
  int got = 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < k; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      if (got < 2)
        fds[got++] = fd;
      else
        close(fd);
    }
  }
  return n;
}

// ---- the spawner process ----
// Only syscalls and mmap'd memory from here on: it may have been forked from a threaded
// process, and its heap must stay untouched so its own forks stay cheap.

constexpr int kMaxSessions = 1024;
constexpr int kMaxChildren = 1 << 16;
constexpr int kHashSize = 1 << 17;  // pid -> child slot, open addressing

struct Session {
  int fd = -1;
  uint32_t flags = 0;
  uint32_t threads = 0;
  int64_t lifetime_ns = 0;
  int netns_fd = -1;
  char* stacks = nullptr;  // threads x kThreadStack, never touched here (each child its own copy)
  size_t stacks_len = 0;
  char* mem = nullptr;  // strings, then the argv array
  size_t mem_len = 0;
  const char* path = nullptr;
  char** argv = nullptr;
};

struct Child {  // in MAP_SHARED memory: the child writes err and step before it dies
  pid_t pid;
  int32_t session;  // -1: its channel is closed, nobody to tell
  uint64_t cookie;
  int32_t err, step;
  int32_t used_pos;  // index in used[]
};

struct State {
  pid_t self;
  int ctl, sfd;
  Session* sessions;    // kMaxSessions
  Child* children;      // kMaxChildren, shared
  int32_t* free_slots;  // stack of free child slots
  int32_t nfree;
  int32_t* used;  // live child slots, unordered
  int32_t nused;
  int32_t* hash_pid;  // kHashSize pids (0: empty)
  int32_t* hash_slot;
  pollfd* pfd;  // kMaxSessions + 2
  int* pfd_session;
  char* rbuf;   // sizeof(Wire) + kMaxConfig
  int top;      // sessions in use are below this index
  bool clone3;  // false once clone3 said ENOSYS
};

State g;

void* map_private(size_t len) {
  void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

unsigned hash_of(pid_t pid) { return ((unsigned)pid * 2654435761u) & (kHashSize - 1); }

void hash_put(pid_t pid, int32_t slot) {
  unsigned i = hash_of(pid);
  while (g.hash_pid[i] != 0) i = (i + 1) & (kHashSize - 1);
  g.hash_pid[i] = pid;
  g.hash_slot[i] = slot;
}

// Removes pid and returns its slot, -1 when unknown. Backward-shift deletion keeps probes short.
int32_t hash_take(pid_t pid) {
  unsigned i = hash_of(pid);
  while (g.hash_pid[i] != 0 && g.hash_pid[i] != pid) i = (i + 1) & (kHashSize - 1);
  if (g.hash_pid[i] == 0) return -1;
  int32_t slot = g.hash_slot[i];
  unsigned hole = i;
  for (unsigned j = (i + 1) & (kHashSize - 1); g.hash_pid[j] != 0; j = (j + 1) & (kHashSize - 1)) {
    unsigned home = hash_of(g.hash_pid[j]);
    // Move j into the hole when its home is not in (hole, j] (cyclically).
    bool between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (!between) {
      g.hash_pid[hole] = g.hash_pid[j];
      g.hash_slot[hole] = g.hash_slot[j];
      hole = j;
    }
  }
  g.hash_pid[hole] = 0;
  return slot;
}

int32_t slot_alloc() {
  if (g.nfree == 0) return -1;
  int32_t s = g.free_slots[--g.nfree];
  g.children[s].used_pos = g.nused;
  g.used[g.nused++] = s;
  return s;
}

void slot_free(int32_t s) {
  int32_t pos = g.children[s].used_pos;
  int32_t last = g.used[--g.nused];
  g.used[pos] = last;
  g.children[last].used_pos = pos;
  g.free_slots[g.nfree++] = s;
}

void reply(int session, const Wire& w) {
  if (session < 0 || g.sessions[session].fd < 0) return;
  send_wire(g.sessions[session].fd, w, nullptr, 0, nullptr, 0);  // a closed peer is not our problem
}

// The extra threads of a child share its TLS (no CLONE_SETTLS): they make raw syscalls only.
#if defined(__SANITIZE_THREAD__)
__attribute__((no_sanitize_thread))
#endif
int idle_thread(void*) {
  for (;;) syscall(SYS_pause);
  return 0;
}

// The clone() that makes those threads: libc's. ThreadSanitizer's clone interceptor takes every
// clone for a fork and runs its fork hooks in the new thread, on the memory it shares with the
// child, which then dies of SIGSEGV. The threads only pause: TSan has nothing to see in them.
// Resolved in the caller before it forks a spawner (dlopen is not for a forked child).
using CloneFn = int (*)(int (*)(void*), void*, int, void*, ...);
CloneFn libc_clone() {
#if defined(__SANITIZE_THREAD__)
  static CloneFn f = [] {
    void* libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
    void* sym = libc ? dlsym(libc, "clone") : nullptr;
    return sym ? reinterpret_cast<CloneFn>(sym) : &clone;
  }();
  return f;
#else
  return &clone;
#endif
}

// struct clone_args of clone3(2) and CLONE_INTO_CGROUP (5.7), declared here: glibc 2.36 has no
// clone3 wrapper, and <linux/sched.h> clashes with <sched.h>.
constexpr uint64_t kCloneIntoCgroup = 0x200000000ULL;
struct CloneArgs {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

[[noreturn]] void child_main(const Session& s, Child* me, int cgroup_fd_to_join) {
  auto fail = [me](int step, int code) {
    me->err = errno, me->step = step;
    _exit(code);
  };
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != g.self) _exit(0);  // the spawner is already gone
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  if (cgroup_fd_to_join >= 0) {  // no clone3 here: join by writing our pid
    int f = openat(cgroup_fd_to_join, "cgroup.procs", O_WRONLY | O_CLOEXEC);
    if (f < 0 || write(f, "0", 1) != 1) fail(kSpawnCgroup, 1);
    close(f);
  }
  if ((s.flags & kFlagNetns) && setns(s.netns_fd, CLONE_NEWNET) != 0) fail(kSpawnSetns, 1);
  for (uint32_t i = 0; i < s.threads; i++) {
    char* top = s.stacks + (i + 1) * kThreadStack;
    int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
    if (libc_clone()(idle_thread, top, flags, nullptr) < 0) fail(kSpawnClone, 1);
  }
  if (s.lifetime_ns > 0) {
    timespec ts{(time_t)(s.lifetime_ns / 1000000000), (long)(s.lifetime_ns % 1000000000)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
  }
  if (s.flags & kFlagExec) {
    execve(s.path, s.argv, environ);
    fail(kSpawnExec, 127);
  }
  if (s.flags & kFlagPause)
    for (;;) pause();
  _exit(0);  // exit_group: takes the extra threads with it
}

void spawn_one(int si, const Wire& w, int cgroup_fd) {
  Session& s = g.sessions[si];
  Wire out;
  out.op = kOpExited;
  out.cookie = w.cookie;
  int32_t slot = slot_alloc();
  if (slot < 0) {
    out.err = EAGAIN, out.step = kSpawnFork;
    reply(si, out);
    return;
  }
  Child* c = &g.children[slot];
  c->pid = 0, c->session = si, c->cookie = w.cookie, c->err = 0, c->step = 0;
  // A raw clone3 (as fork, without glibc's fork handlers: measured faster, bench/spawn_bench),
  // straight into the cgroup when one is given. Where clone3 or CLONE_INTO_CGROUP is missing:
  // fork, and the child joins the cgroup by itself.
  CloneArgs a{};
  a.exit_signal = SIGCHLD;
  if (cgroup_fd >= 0) a.flags = kCloneIntoCgroup, a.cgroup = (uint64_t)cgroup_fd;
  pid_t pid = -1;
  errno = ENOSYS;
  if (g.clone3) pid = (pid_t)syscall(SYS_clone3, &a, sizeof a);
  int join_fd = -1;
  if (pid < 0 && (errno == ENOSYS || (cgroup_fd >= 0 && (errno == E2BIG || errno == EINVAL)))) {
    if (errno == ENOSYS) g.clone3 = false;
    join_fd = cgroup_fd;
    pid = fork();
  }
  if (pid == 0) child_main(s, c, join_fd);
  if (pid < 0) {
    out.err = errno, out.step = cgroup_fd >= 0 && join_fd < 0 ? kSpawnCgroup : kSpawnFork;
    slot_free(slot);
    reply(si, out);
    return;
  }
  c->pid = pid;
  hash_put(pid, slot);
  if (s.flags & kFlagReportStart) {
    Wire st;
    st.op = kOpStarted;
    st.cookie = w.cookie;
    st.pid = pid;
    reply(si, st);
  }
}

void kill_session_children(int si, uint64_t cookie, bool detach) {
  for (int32_t i = 0; i < g.nused; i++) {
    Child& c = g.children[g.used[i]];
    if (c.session != si || (cookie && c.cookie != cookie)) continue;
    if (c.pid > 0) kill(c.pid, SIGKILL);
    if (detach) c.session = -1;
  }
}

void close_session(int si) {
  Session& s = g.sessions[si];
  kill_session_children(si, 0, true);
  close(s.fd);
  if (s.netns_fd >= 0) close(s.netns_fd);
  if (s.stacks) munmap(s.stacks, s.stacks_len);
  if (s.mem) munmap(s.mem, s.mem_len);
  s = Session{};
}

// A new channel: its socket and config arrive on the control socket.
void open_session(ssize_t n, const int* fds) {
  const Wire* w = reinterpret_cast<const Wire*>(g.rbuf);
  int si = -1;
  for (int i = 0; i < kMaxSessions && si < 0; i++)
    if (g.sessions[i].fd < 0) si = i;
  bool ok = si >= 0 && (size_t)n >= sizeof(Wire) && w->op == kOpConfig && fds[0] >= 0;
  ok = ok && (!(w->flags & kFlagNetns) || fds[1] >= 0);
  if (!ok) {
    for (int i = 0; i < 2; i++)
      if (fds[i] >= 0) close(fds[i]);  // the client sees EOF on its channel
    return;
  }
  Session& s = g.sessions[si];
  if (si >= g.top) g.top = si + 1;
  s.fd = fds[0];
  s.flags = w->flags;
  s.threads = w->threads;
  s.lifetime_ns = w->lifetime_ns;
  s.netns_fd = (w->flags & kFlagNetns) ? fds[1] : -1;
  if (!(w->flags & kFlagNetns) && fds[1] >= 0) close(fds[1]);
  int big = 4 * 1024 * 1024;
  setsockopt(s.fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big);  // root only; best effort
  bool bad = false;
  if (s.threads) {
    s.stacks_len = (size_t)s.threads * kThreadStack;
    s.stacks = static_cast<char*>(map_private(s.stacks_len));
    bad |= !s.stacks;
  }
  if (w->flags & kFlagExec) {
    size_t strings = (size_t)n - sizeof(Wire);
    s.mem_len = strings + (w->nargs + 1) * sizeof(char*) + 16;
    s.mem = static_cast<char*>(map_private(s.mem_len));
    if (!s.mem || w->nargs < 2) {
      bad = true;
    } else {
      memcpy(s.mem, g.rbuf + sizeof(Wire), strings);
      s.mem[strings] = 0;
      char** ptrs = reinterpret_cast<char**>(s.mem + ((strings + 16) & ~size_t{7}));
      char* p = s.mem;
      char* end = s.mem + strings;
      for (uint32_t i = 0; i < w->nargs; i++) {
        if (p >= end) {
          bad = true;
          break;
        }
        ptrs[i] = p;
        p += strlen(p) + 1;
      }
      if (!bad) {
        s.path = ptrs[0];
        s.argv = ptrs + 1;
        ptrs[w->nargs] = nullptr;
      }
    }
  }
  if (bad) close_session(si);
}

void on_session(int si) {
  int fds[2];
  ssize_t n = recv_wire(g.sessions[si].fd, g.rbuf, sizeof(Wire) + kMaxConfig, fds);
  if (n <= 0) {
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) close_session(si);
    return;
  }
  if (fds[1] >= 0) close(fds[1]);
  Wire w;
  memcpy(&w, g.rbuf, sizeof w < (size_t)n ? sizeof w : (size_t)n);
  if ((size_t)n < sizeof w) w.op = 0;
  if (w.op == kOpSpawn)
    spawn_one(si, w, (w.flags & kFlagCgroup) ? fds[0] : -1);
  else if (w.op == kOpKill)
    kill_session_children(si, w.cookie, false);
  if (fds[0] >= 0) close(fds[0]);
}

void reap() {
  signalfd_siginfo si;
  while (read(g.sfd, &si, sizeof si) == (ssize_t)sizeof si) {
  }
  int status;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    int32_t slot = hash_take(pid);
    if (slot < 0) continue;
    Child& c = g.children[slot];
    Wire w;
    w.op = kOpExited;
    w.cookie = c.cookie;
    w.pid = pid;
    w.status = status;
    w.err = c.err;
    w.step = c.step;
    int session = c.session;
    slot_free(slot);
    reply(session, w);
  }
}

[[noreturn]] void shutdown_all() {
  for (int32_t i = 0; i < g.nused; i++)
    if (g.children[g.used[i]].pid > 0) kill(g.children[g.used[i]].pid, SIGKILL);
  while (waitpid(-1, nullptr, 0) > 0 || errno == EINTR) {
  }
  _exit(0);
}

[[noreturn]] void spawner_main(int ctl, pid_t parent) {
  // Out of the terminal's process group (Ctrl-C is for leakguard, which then stops us), and
  // dead with the thread that forked us.
  setpgid(0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(0);
  prctl(PR_SET_NAME, "lg-spawner");
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_SETMASK, &chld, nullptr);
  // stdin and stdout on /dev/null (churn output has no place in leakguard's report on stdout);
  // stderr stays, so a program that cannot run still says why.
  ctl = fcntl(ctl, F_DUPFD_CLOEXEC, 10);  // out of the way of 0-3 (stdin may have been closed)
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
  }
  if (ctl < 0 || dup2(ctl, 3) < 0) _exit(1);
  close_range(4, ~0U, 0);
  fcntl(3, F_SETFD, FD_CLOEXEC);
  g.self = getpid();
  g.ctl = 3;
  g.clone3 = true;
  g.sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  g.sessions = static_cast<Session*>(map_private(kMaxSessions * sizeof(Session)));
  void* shared = mmap(nullptr, kMaxChildren * sizeof(Child), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  g.children = shared == MAP_FAILED ? nullptr : static_cast<Child*>(shared);
  g.free_slots = static_cast<int32_t*>(map_private(kMaxChildren * sizeof(int32_t)));
  g.used = static_cast<int32_t*>(map_private(kMaxChildren * sizeof(int32_t)));
  g.hash_pid = static_cast<int32_t*>(map_private(kHashSize * sizeof(int32_t)));
  g.hash_slot = static_cast<int32_t*>(map_private(kHashSize * sizeof(int32_t)));
  g.pfd = static_cast<pollfd*>(map_private((kMaxSessions + 2) * sizeof(pollfd)));
  g.pfd_session = static_cast<int*>(map_private((kMaxSessions + 2) * sizeof(int)));
  g.rbuf = static_cast<char*>(map_private(sizeof(Wire) + kMaxConfig + 1));
  if (g.sfd < 0 || !g.sessions || !g.children || !g.free_slots || !g.used || !g.hash_pid || !g.hash_slot || !g.pfd ||
      !g.pfd_session || !g.rbuf)
    _exit(1);  // the caller sees EOF on every channel
  for (int i = 0; i < kMaxSessions; i++) new (&g.sessions[i]) Session{};
  for (int32_t i = 0; i < kMaxChildren; i++) g.free_slots[i] = kMaxChildren - 1 - i;
  g.nfree = kMaxChildren;
  for (;;) {
    int n = 0;
    g.pfd[n] = {g.ctl, POLLIN, 0}, g.pfd_session[n++] = -1;
    g.pfd[n] = {g.sfd, POLLIN, 0}, g.pfd_session[n++] = -1;
    while (g.top > 0 && g.sessions[g.top - 1].fd < 0) g.top--;
    for (int i = 0; i < g.top; i++)
      if (g.sessions[i].fd >= 0) g.pfd[n] = {g.sessions[i].fd, POLLIN, 0}, g.pfd_session[n++] = i;
    if (poll(g.pfd, n, -1) < 0) {
      if (errno == EINTR) continue;
      shutdown_all();
    }
    if (g.pfd[1].revents) reap();
    for (int i = 2; i < n; i++)
      if (g.pfd[i].revents && g.sessions[g.pfd_session[i]].fd == g.pfd[i].fd) on_session(g.pfd_session[i]);
    if (g.pfd[0].revents) {
      int fds[2];
      ssize_t k = recv_wire(g.ctl, g.rbuf, sizeof(Wire) + kMaxConfig, fds);
      if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) shutdown_all();  // leakguard is done
      if (k > 0) open_session(k, fds);
    }
  }
}

}  // namespace

unsigned spawners_per_run() { return std::min(cpu_count(), 8u); }

const char* spawn_step_call(int step) {
  switch (step) {
    case kSpawnFork: return "fork";
    case kSpawnSetns: return "setns(run netns) in the child";
    case kSpawnClone: return "clone(thread) in the child";
    case kSpawnExec: return "execve";
    case kSpawnCgroup: return "clone3(CLONE_INTO_CGROUP)";
    default: return "spawn";
  }
}

// ---- the caller's side ----

SpawnChannel::~SpawnChannel() { close(fd_); }

bool SpawnChannel::spawn(uint64_t cookie, int cgroup_fd) {
  Wire w;
  w.op = kOpSpawn;
  w.cookie = cookie;
  if (cgroup_fd >= 0) w.flags = kFlagCgroup;
  return send_wire(fd_, w, nullptr, 0, &cgroup_fd, cgroup_fd >= 0 ? 1 : 0);
}

bool SpawnChannel::kill(uint64_t cookie) {
  Wire w;
  w.op = kOpKill;
  w.cookie = cookie;
  return send_wire(fd_, w, nullptr, 0, nullptr, 0);
}

int SpawnChannel::next(SpawnEvent& ev, int timeout_ms) {
  if (timeout_ms >= 0) {
    pollfd p{fd_, POLLIN, 0};
    int r = poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) return 0;
    if (r <= 0) return r;
  }
  Wire w;
  ssize_t n;
  do n = recv(fd_, &w, sizeof w, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  if (n != (ssize_t)sizeof w || (w.op != kOpStarted && w.op != kOpExited)) {
    errno = EPIPE;  // EOF: the spawner is gone
    return -1;
  }
  ev.started = w.op == kOpStarted;
  ev.cookie = w.cookie;
  ev.pid = w.pid;
  ev.status = w.status;
  ev.err = w.err;
  ev.step = w.step;
  return 1;
}

bool Spawner::start(std::string& err, unsigned processes) {
  libc_clone();  // resolved here, before the fork
  for (unsigned i = 0; i < std::max(1u, processes); i++) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
      err = std::string("spawner: socketpair: ") + strerror(errno);
      stop();
      return false;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
      err = std::string("spawner: fork: ") + strerror(errno);
      close(sv[0]);
      close(sv[1]);
      stop();
      return false;
    }
    if (pid == 0) spawner_main(sv[1], parent);
    close(sv[1]);
    ctl_.push_back(sv[0]);
    pids_.push_back(pid);
  }
  return true;
}

bool Spawner::owns(pid_t p) const {
  for (pid_t q : pids_)
    if (q == p) return true;
  return false;
}

void Spawner::stop() {
  for (int fd : ctl_) close(fd);
  for (pid_t p : pids_)
    while (waitpid(p, nullptr, 0) < 0 && errno == EINTR) {
    }
  ctl_.clear();
  pids_.clear();
}

std::unique_ptr<SpawnChannel> Spawner::open(const SpawnSpec& spec, std::string& err) {
  Wire w;
  w.op = kOpConfig;
  w.threads = spec.threads;
  w.lifetime_ns = (int64_t)(spec.lifetime * 1e9);
  if (spec.netns_fd >= 0) w.flags |= kFlagNetns;
  if (spec.pause) w.flags |= kFlagPause;
  if (spec.report_start) w.flags |= kFlagReportStart;
  std::string strings;
  if (!spec.path.empty()) {
    w.flags |= kFlagExec;
    strings.append(spec.path).push_back('\0');
    for (const auto& a : spec.argv) strings.append(a).push_back('\0');
    w.nargs = (uint32_t)(1 + spec.argv.size());
    if (strings.size() > kMaxConfig) {
      err = "exec: the argv is longer than " + std::to_string(kMaxConfig) + " bytes";
      return nullptr;
    }
  }
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    err = std::string("spawner channel: socketpair: ") + strerror(errno);
    return nullptr;
  }
  int fds[2] = {sv[1], spec.netns_fd};
  bool ok;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (ctl_.empty()) {
      ok = false;
      errno = EPIPE;
    } else {
      int ctl = ctl_[next_++ % ctl_.size()];
      ok = send_wire(ctl, w, strings.data(), strings.size(), fds, spec.netns_fd >= 0 ? 2 : 1);
    }
  }
  int e = errno;
  close(sv[1]);
  if (!ok) {
    close(sv[0]);
    err = std::string("spawner: ") + strerror(e);
    return nullptr;
  }
  return std::make_unique<SpawnChannel>(sv[0]);
}

}  // namespace lg
