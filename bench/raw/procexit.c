// SPDX-License-Identifier: MIT
/* raw_procexit COUNT [LOOPS]: fork + _exit + waitpid, COUNT times, in LOOPS processes at
 * once (default 1) that share the count. */
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
  if (raw_in_loops(n, loops, loop, "raw_procexit")) return 1;
  return raw_report(n, raw_now() - t0, "processes");
}
