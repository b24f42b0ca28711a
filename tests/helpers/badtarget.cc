// SPDX-License-Identifier: MIT
// badtarget: a misbehaving target for the run tests.
//   badtarget MODE [--pids FILE] [--ready-file FILE]
// Modes:
//   ignore-term   print "ready", ignore SIGTERM, fork 2 children that each double-fork a
//                 daemon (setsid, SIGTERM ignored); all sleep forever
//   crash AFTER   print "ready", raise SIGSEGV after AFTER milliseconds
//   never-ready   fork a child, never print "ready", sleep forever
//   exit-early    print a line to stderr and exit with status 3 before ready
//   serve         print "ready", exit 0 on SIGTERM (a well-behaved target)
//   exit-on-term N  print "ready", exit with status N on SIGTERM
//   hold-netns N  hold N network namespaces by fd, print "ready", exit 0 on SIGTERM
//   ready-stderr MS  after MS milliseconds log a "Listening on" line to stderr (nothing on stdout)
//   listen PORT   accept TCP connections on 127.0.0.1:PORT after 300 ms, print nothing
//   escape PROCS  print "ready", serve; a child setsid()s and double-forks a daemon that writes
//                 its pid into PROCS (another cgroup's cgroup.procs; "-": stays) and re-executes
//                 itself as `hold 5` with an empty environment
//   hold N        rename itself lg-escapee, open N eventfds, sleep forever
//   ready-exit    print "ready" and exit 0 at once
//   flood MIB     print "ready", then MIB MiB of numbered lines to stdout, then serve
// --pids appends the pid of every process it makes to FILE, one per line, so a test can
// check every one of them is gone. --ready-file creates FILE when ready.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <string>

namespace {

std::string g_pids;

void note_pid() {
  if (g_pids.empty()) return;
  int fd = open(g_pids.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return;
  std::string s = std::to_string(getpid()) + "\n";
  if (write(fd, s.data(), s.size()) < 0) {
  }
  close(fd);
}

[[noreturn]] void sleep_forever() {
  while (true) pause();
}

void ready(const std::string& file) {
  printf("ready\n");
  fflush(stdout);
  if (!file.empty()) close(open(file.c_str(), O_WRONLY | O_CREAT, 0644));
}

// A child that stays (SIGTERM ignored, inherited) and double-forks a daemon that detaches
// (setsid) and outlives the intermediate process.
void fork_daemon() {
  if (fork() != 0) return;
  note_pid();
  pid_t mid = fork();
  if (mid == 0) {
    setsid();
    if (fork() == 0) {
      note_pid();
      sleep_forever();
    }
    _exit(0);
  }
  if (mid > 0) waitpid(mid, nullptr, 0);
  sleep_forever();
}

}  // namespace

// The escape: out of the session (setsid), out of the parent chain (double fork), out of the
// cgroup (its pid written into another cgroup.procs), out of its name and environment (exec
// with none, then renamed).
void escape(const std::string& procs, const std::string& self) {
  if (fork() != 0) return;
  setsid();
  if (fork() != 0) _exit(0);
  if (procs != "-") {
    int fd = open(procs.c_str(), O_WRONLY);
    if (fd < 0 || write(fd, "0", 1) != 1) {
      fprintf(stderr, "badtarget: cannot write %s: %s\n", procs.c_str(), strerror(errno));
      _exit(1);
    }
    close(fd);
  }
  std::string pids = g_pids;
  const char* args[] = {"badtarget", "hold", "5", "--pids", pids.c_str(), nullptr};
  const char* no_env[] = {nullptr};
  execve(self.c_str(), const_cast<char**>(args), const_cast<char**>(no_env));
  _exit(127);
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: badtarget MODE [--pids FILE] [--ready-file FILE]\n");
    return 2;
  }
  std::string mode = argv[1], ready_file, word;
  long arg = 0;
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--pids") && i + 1 < argc)
      g_pids = argv[++i];
    else if (!strcmp(argv[i], "--ready-file") && i + 1 < argc)
      ready_file = argv[++i];
    else
      arg = atol(argv[i]), word = argv[i];
  }
  note_pid();
  if (mode == "ignore-term") {
    signal(SIGTERM, SIG_IGN);
    fork_daemon();
    fork_daemon();
    ready(ready_file);
    sleep_forever();
  }
  if (mode == "crash") {
    ready(ready_file);
    fprintf(stderr, "badtarget: about to crash\n");
    usleep(arg * 1000);
    raise(SIGSEGV);
    return 1;
  }
  if (mode == "never-ready") {
    if (fork() == 0) {
      note_pid();
      sleep_forever();
    }
    fprintf(stderr, "badtarget: waiting for nothing\n");
    sleep_forever();
  }
  if (mode == "exit-early") {
    fprintf(stderr, "badtarget: fatal: cannot open config\n");
    return 3;
  }
  if (mode == "serve") {
    signal(SIGTERM, [](int) { _exit(0); });
    ready(ready_file);
    sleep_forever();
  }
  if (mode == "hold-netns") {  // holds ARG network namespaces by fd; they are freed (late) when it exits
    signal(SIGTERM, [](int) { _exit(0); });
    int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    for (long i = 0; i < arg; i++) {
      if (unshare(CLONE_NEWNET) != 0 || open("/proc/self/ns/net", O_RDONLY) < 0) {
        perror("badtarget: unshare");
        return 1;
      }
    }
    if (setns(self, CLONE_NEWNET) != 0) return 1;
    ready(ready_file);
    sleep_forever();
  }
  if (mode == "exit-on-term") {  // exits with status ARG on SIGTERM, as atop does with 15
    static int code = (int)arg;
    signal(SIGTERM, [](int) { _exit(code); });
    ready(ready_file);
    sleep_forever();
  }
  if (mode == "ready-stderr") {  // logs its readiness on stderr only, as most daemons do
    signal(SIGTERM, [](int) { _exit(0); });
    usleep(arg * 1000);
    fprintf(stderr, "level=info msg=\"Listening on\" address=:9100\n");
    fflush(stderr);
    sleep_forever();
  }
  if (mode == "listen") {  // accepts TCP connections on 127.0.0.1:ARG after 300 ms, says nothing
    signal(SIGTERM, [](int) { _exit(0); });
    usleep(300 * 1000);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)arg);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (sockaddr*)&a, sizeof a) != 0 || listen(s, 16) != 0) {
      perror("badtarget: listen");
      return 1;
    }
    while (true) {
      int c = accept(s, nullptr, nullptr);
      if (c >= 0) close(c);
    }
  }
  if (mode == "escape") {
    signal(SIGTERM, [](int) { _exit(0); });
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return 1;
    self[n] = 0;
    escape(word, self);
    ready(ready_file);
    while (true) {
      while (waitpid(-1, nullptr, 0) > 0) {
      }
      pause();
    }
  }
  if (mode == "hold") {
    prctl(PR_SET_NAME, "lg-escapee");
    for (long i = 0; i < arg; i++) eventfd(0, 0);
    sleep_forever();
  }
  if (mode == "ready-exit") {
    ready(ready_file);
    return 0;
  }
  if (mode == "flood") {
    signal(SIGTERM, [](int) { _exit(0); });
    ready(ready_file);
    char line[64];
    for (long written = 0, i = 0; written < arg << 20; i++) {
      int k = snprintf(line, sizeof line, "line %ld of the flood\n", i);
      fwrite(line, 1, k, stdout);
      written += k;
    }
    fflush(stdout);
    sleep_forever();
  }
  fprintf(stderr, "badtarget: unknown mode %s\n", mode.c_str());
  return 2;
}
