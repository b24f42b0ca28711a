// SPDX-License-Identifier: MIT
// attrib_toy: creates fds from known source lines for the attribution tests, built with and
// without frame pointers, stripped with separate debug info, and through a shared library.
// Waits for one byte on stdin, creates COUNT objects in MODE, prints "done", waits for EOF.
//   attrib_toy_* MODE COUNT     MODE: main | lib | thread | socket | sites
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int toylib_open(const char* path);

static int count;
static int kept[8192];  // the fds are kept (leaked), as a real leak keeps them
static int nkept;

static void keep(int fd) {
  if (nkept < 8192) kept[nkept++] = fd;
}

__attribute__((noinline)) static void open_here(void) {
  int fd = open("/dev/null", O_RDONLY);  // LEAK-SITE: toy-open
  keep(fd);
}

static inline void socket_inline(void) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);  // LEAK-SITE: toy-socket
  keep(fd);
}

// Twenty distinct call sites, one per line (for the symbolisation benchmark: 2,000 fds from
// 20 sites).
__attribute__((noinline)) static void open_at_site(int i) {
  switch (i % 20) {
    case 0: keep(open("/dev/null", O_RDONLY)); break;
    case 1: keep(open("/dev/null", O_RDONLY)); break;
    case 2: keep(open("/dev/null", O_RDONLY)); break;
    case 3: keep(open("/dev/null", O_RDONLY)); break;
    case 4: keep(open("/dev/null", O_RDONLY)); break;
    case 5: keep(open("/dev/null", O_RDONLY)); break;
    case 6: keep(open("/dev/null", O_RDONLY)); break;
    case 7: keep(open("/dev/null", O_RDONLY)); break;
    case 8: keep(open("/dev/null", O_RDONLY)); break;
    case 9: keep(open("/dev/null", O_RDONLY)); break;
    case 10: keep(open("/dev/null", O_RDONLY)); break;
    case 11: keep(open("/dev/null", O_RDONLY)); break;
    case 12: keep(open("/dev/null", O_RDONLY)); break;
    case 13: keep(open("/dev/null", O_RDONLY)); break;
    case 14: keep(open("/dev/null", O_RDONLY)); break;
    case 15: keep(open("/dev/null", O_RDONLY)); break;
    case 16: keep(open("/dev/null", O_RDONLY)); break;
    case 17: keep(open("/dev/null", O_RDONLY)); break;
    case 18: keep(open("/dev/null", O_RDONLY)); break;
    case 19: keep(open("/dev/null", O_RDONLY)); break;
  }
}

static void* thread_main(void* arg) {
  (void)arg;
  for (int i = 0; i < count; i++) open_here();
  return NULL;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s main|lib|thread|socket COUNT\n", argv[0]);
    return 2;
  }
  count = atoi(argv[2]);
  char c;
  if (read(0, &c, 1) != 1) return 1;
  if (strcmp(argv[1], "main") == 0) {
    for (int i = 0; i < count; i++) open_here();
  } else if (strcmp(argv[1], "lib") == 0) {
    for (int i = 0; i < count; i++) toylib_open("/dev/null");
  } else if (strcmp(argv[1], "thread") == 0) {
    pthread_t t;
    pthread_create(&t, NULL, thread_main, NULL);
    pthread_join(t, NULL);
  } else if (strcmp(argv[1], "sites") == 0) {
    for (int i = 0; i < count; i++) open_at_site(i);
  } else if (strcmp(argv[1], "socket") == 0) {
    for (int i = 0; i < count; i++) socket_inline();
  } else {
    return 2;
  }
  printf("done\n");
  fflush(stdout);
  while (read(0, &c, 1) > 0) {
  }
  return 0;
}
