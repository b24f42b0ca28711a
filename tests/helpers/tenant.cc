// SPDX-License-Identifier: MIT
// tenant: another user of a shared CI machine. Until killed (or stdin closes), it creates and
// frees BPF maps and programs and network namespaces, holding a varying number of each, so
// machine-wide counts (sys.bpf_*, sys.netns) move all the time. The e2e tests run leakguard's
// default checks beside it: they must not notice.
//   tenant [--quiet]      prints "ready" once it has started churning
#include <linux/bpf.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include <cstdio>
#include <cstring>
#include <deque>
#include <random>

namespace {

int load_prog() {
  // r0 = 0; exit: the smallest socket filter.
  struct bpf_insn insns[] = {{BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0}, {BPF_JMP | BPF_EXIT, 0, 0, 0, 0}};
  return bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "tenant_prog", "GPL", insns, 2, nullptr);
}

// A child that lives in a fresh network namespace for `ms` milliseconds.
pid_t netns_child(int ms) {
  pid_t p = fork();
  if (p != 0) return p;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (unshare(CLONE_NEWNET) != 0) _exit(1);
  usleep(ms * 1000);
  _exit(0);
}

}  // namespace

int main() {
  std::mt19937 rng(getpid());
  std::deque<int> maps, progs;
  std::deque<pid_t> kids;
  bool said = false;
  for (unsigned long i = 0;; i++) {
    pollfd in{0, POLLIN, 0};
    if (poll(&in, 1, 5) > 0) {  // stdin closed (or any input): stop
      char c;
      if (read(0, &c, 1) <= 0) break;
    }
    // Hold between 0 and 40 maps and 0 and 10 programs, changing every few milliseconds.
    size_t want_maps = rng() % 41, want_progs = rng() % 11;
    while (maps.size() < want_maps) {
      int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "tenant_map", 4, 8, 64, nullptr);
      if (fd < 0) break;
      maps.push_back(fd);
    }
    while (maps.size() > want_maps) close(maps.front()), maps.pop_front();
    while (progs.size() < want_progs) {
      int fd = load_prog();
      if (fd < 0) break;
      progs.push_back(fd);
    }
    while (progs.size() > want_progs) close(progs.front()), progs.pop_front();
    // A network namespace every 20 ms, living 20-200 ms.
    if (i % 4 == 0) kids.push_back(netns_child(20 + rng() % 180));
    while (!kids.empty()) {
      if (waitpid(kids.front(), nullptr, WNOHANG) == 0) break;
      kids.pop_front();
    }
    if (!said) {
      printf("ready\n");
      fflush(stdout);
      said = true;
    }
  }
  for (int fd : maps) close(fd);
  for (int fd : progs) close(fd);
  for (pid_t p : kids) kill(p, SIGKILL), waitpid(p, nullptr, 0);
  return 0;
}
