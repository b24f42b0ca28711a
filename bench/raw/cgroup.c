// SPDX-License-Identifier: MIT
/* raw_cgroup DIR COUNT: mkdir DIR/x + rmdir DIR/x, COUNT times. DIR (a cgroup v2 directory)
 * is made first and removed at the end. */
#include <sys/stat.h>
#include <unistd.h>

#include "raw.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: raw_cgroup DIR COUNT\n");
    return 2;
  }
  long n = raw_count(argv[2], "raw_cgroup");
  char path[4096];
  snprintf(path, sizeof path, "%s/x", argv[1]);
  if (mkdir(argv[1], 0755) != 0) return raw_fail("raw_cgroup", "mkdir(DIR)", 0);
  double t0 = raw_now();
  int rc = 0;
  for (long i = 0; i < n && !rc; i++) {
    if (mkdir(path, 0755) != 0)
      rc = raw_fail("raw_cgroup", "mkdir", i);
    else if (rmdir(path) != 0)
      rc = raw_fail("raw_cgroup", "rmdir", i);
  }
  double secs = raw_now() - t0;
  rmdir(argv[1]);
  return rc ? rc : raw_report(n, secs, "cgroups");
}
