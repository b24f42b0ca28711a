// SPDX-License-Identifier: MIT
/* raw_netns COUNT [THREADS]: unshare(CLONE_NEWNET) + open the namespace's fd + close it,
 * COUNT times over THREADS threads (default: one per CPU, as the netns workload). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include "raw.h"

static long per_thread;
static int failed;

static void* loop(void* arg) {
  (void)arg;
  for (long i = 0; i < per_thread; i++) {
    if (unshare(CLONE_NEWNET) != 0) {
      failed = raw_fail("raw_netns", "unshare(CLONE_NEWNET)", i);
      break;
    }
    close(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: raw_netns COUNT [THREADS]\n");
    return 2;
  }
  long n = raw_count(argv[1], "raw_netns");
  long threads = argc > 2 ? raw_count(argv[2], "raw_netns") : sysconf(_SC_NPROCESSORS_ONLN);
  if (threads < 1) threads = 1;
  per_thread = n / threads;
  pthread_t t[256];
  if (threads > 256) threads = 256;
  double t0 = raw_now();
  for (long i = 0; i < threads; i++) pthread_create(&t[i], NULL, loop, NULL);
  for (long i = 0; i < threads; i++) pthread_join(t[i], NULL);
  if (failed) return 1;
  return raw_report(per_thread * threads, raw_now() - t0, "netns");
}
