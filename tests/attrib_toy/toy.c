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

// Twenty distinct call sites, each its own function with its own body (so no compiler folds
// them into one), for the symbolisation benchmark: 2,000 fds from 20 sites.
static volatile int site_sink;
#define SITE(n)                                          \
  __attribute__((noinline)) static void site_##n(void) { \
    keep(open("/dev/null", O_RDONLY));                   \
    site_sink = n;                                       \
  }                                                      \
  extern int site_decl_
SITE(0);
SITE(1);
SITE(2);
SITE(3);
SITE(4);
SITE(5);
SITE(6);
SITE(7);
SITE(8);
SITE(9);
SITE(10);
SITE(11);
SITE(12);
SITE(13);
SITE(14);
SITE(15);
SITE(16);
SITE(17);
SITE(18);
SITE(19);
static void (*const sites[20])(void) = {site_0,  site_1,  site_2,  site_3,  site_4,  site_5,  site_6,
                                        site_7,  site_8,  site_9,  site_10, site_11, site_12, site_13,
                                        site_14, site_15, site_16, site_17, site_18, site_19};

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
    for (int i = 0; i < count; i++) sites[i % 20]();
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
