// SPDX-License-Identifier: MIT
/* raw_procexit COUNT [LOOPS]: fork + _exit + waitpid, COUNT times, in LOOPS processes at
 * once (default 1) that share the count. */
#include <sys/wait.h>
#include <unistd.h>

#include "raw.h"

static int loop(long n) {
  for (long i = 0; i < n; i++) {
    pid_t p = fork();
    if (p == 0) _exit(0);
    if (p < 0) return raw_fail("raw_procexit", "fork", i);
    if (waitpid(p, NULL, 0) != p) return raw_fail("raw_procexit", "waitpid", i);
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: raw_procexit COUNT [LOOPS]\n");
    return 2;
  }
  long n = raw_count(argv[1], "raw_procexit"), loops = argc > 2 ? raw_count(argv[2], "raw_procexit") : 1;
  double t0 = raw_now();
  if (loops == 1) {
    if (loop(n)) return 1;
  } else {
    for (long j = 0; j < loops; j++) {
      pid_t p = fork();
      if (p == 0) _exit(loop(n / loops + (j < n % loops)));
      if (p < 0) return raw_fail("raw_procexit", "fork", 0);
    }
    int st, bad = 0;
    while (wait(&st) > 0) bad |= !WIFEXITED(st) || WEXITSTATUS(st);
    if (bad) return 1;
  }
  return raw_report(n, raw_now() - t0, "processes");
}
