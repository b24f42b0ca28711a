// SPDX-License-Identifier: MIT
/* raw_connect ADDR PORT COUNT REQUEST [LOOPS]: connect to ADDR:PORT (IPv4), send REQUEST
 * (\r and \n decoded), read until the peer closes, close; COUNT times, in LOOPS processes at
 * once (default 1) that share the count. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "raw.h"

static struct sockaddr_in sa;
static char req[4096];
static size_t req_len;

static int loop(long n) {
  char buf[65536];
  for (long i = 0; i < n; i++) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) return raw_fail("raw_connect", "socket", i);
    if (connect(s, (struct sockaddr*)&sa, sizeof sa) != 0) return raw_fail("raw_connect", "connect", i);
    if (send(s, req, req_len, MSG_NOSIGNAL) != (ssize_t)req_len) return raw_fail("raw_connect", "send", i);
    ssize_t k;
    while ((k = recv(s, buf, sizeof buf, 0)) > 0) {
    }
    if (k < 0) return raw_fail("raw_connect", "recv", i);
    close(s);
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 5 || argc > 6) {
    fprintf(stderr, "usage: raw_connect ADDR PORT COUNT REQUEST [LOOPS]\n");
    return 2;
  }
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)raw_count(argv[2], "raw_connect"));
  if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
    fprintf(stderr, "raw_connect: '%s' is not an IPv4 address\n", argv[1]);
    return 2;
  }
  long n = raw_count(argv[3], "raw_connect"), loops = argc > 5 ? raw_count(argv[5], "raw_connect") : 1;
  for (const char* p = argv[4]; *p && req_len < sizeof req; p++) {
    if (p[0] == '\\' && (p[1] == 'r' || p[1] == 'n')) {
      req[req_len++] = p[1] == 'r' ? '\r' : '\n';
      p++;
    } else {
      req[req_len++] = *p;
    }
  }
  double t0 = raw_now();
  if (raw_in_loops(n, loops, loop, "raw_connect")) return 1;
  return raw_report(n, raw_now() - t0, "connections");
}
