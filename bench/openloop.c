// SPDX-License-Identifier: MIT
// openloop: the raw program of the attribution benchmark (bench/attrib_bench.sh). Opens and
// closes /dev/null COUNT times as fast as it can and prints the rate; with --leak N it keeps
// every Nth fd open (a leak at a known line for the comparison with valgrind --track-fds).
// Waits for SIGTERM (or stdin EOF with --wait-stdin) before exiting when --linger is given,
// so it can run as a leakguard target.
//   openloop COUNT [--leak N] [--linger]
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static long opened;

__attribute__((noinline)) static int open_one(void) {
  int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);  // LEAK-SITE: openloop-open
  opened++;
  return fd;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s COUNT [--leak N] [--linger]\n", argv[0]);
    return 2;
  }
  long count = atol(argv[1]), leak = 0;
  int linger = 0;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--leak") == 0 && i + 1 < argc) leak = atol(argv[++i]);
    if (strcmp(argv[i], "--linger") == 0) linger = 1;
  }
  double t0 = now();
  long kept = 0;
  for (long i = 0; i < count; i++) {
    int fd = open_one();
    if (fd < 0) {
      perror("open");
      return 1;
    }
    if (leak && i % leak == 0)
      kept++;
    else
      close(fd);
  }
  double dt = now() - t0;
  printf("openloop: %ld pairs in %.3f s: %.0f pairs/s (%ld kept)\n", count, dt, count / dt, kept);
  fflush(stdout);
  if (linger) {
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGTERM);
    sigprocmask(SIG_BLOCK, &s, NULL);
    int sig;
    sigwait(&s, &sig);
  }
  return 0;
}
