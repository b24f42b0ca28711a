// SPDX-License-Identifier: MIT
/* What the standalone raw programs share: arguments, the clock, the one output line.
 * Each raw program does one kind's syscalls in a tight loop, alone in a small process, so
 * that workload_bench compares leakguard with what the kernel allows, not with itself. */
#ifndef LG_RAW_H
#define LG_RAW_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static inline double raw_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static inline long raw_count(const char* s, const char* prog) {
  char* end = NULL;
  long n = strtol(s, &end, 10);
  if (!*s || *end || n < 1) {
    fprintf(stderr, "%s: '%s' is not a count >= 1\n", prog, s);
    exit(2);
  }
  return n;
}

/* "rate N events/s in S s": workload_bench reads the number after "rate". */
static inline int raw_report(long n, double seconds, const char* unit) {
  printf("rate %.1f %s/s (%ld in %.3f s)\n", (double)n / seconds, unit, n, seconds);
  return 0;
}

static inline int raw_fail(const char* prog, const char* call, long done) {
  fprintf(stderr, "%s: %s: %s after %ld\n", prog, call, strerror(errno), done);
  return 1;
}

/* Runs loop(n) in this process (loops == 1), or in `loops` processes at once that share n.
 * 0 when every loop returned 0. */
static inline int raw_in_loops(long n, long loops, int (*loop)(long), const char* prog) {
  if (loops == 1) return loop(n);
  for (long j = 0; j < loops; j++) {
    pid_t p = fork();
    if (p == 0) _exit(loop(n / loops + (j < n % loops)));
    if (p < 0) return raw_fail(prog, "fork", 0);
  }
  int st, bad = 0;
  while (wait(&st) > 0) bad |= !WIFEXITED(st) || WEXITSTATUS(st);
  return bad;
}

#endif
