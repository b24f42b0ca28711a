// SPDX-License-Identifier: MIT
#pragma once
// A TCP port nobody listens on right now, on 127.0.0.1 (the kernel picks it), for tests and
// benchmarks that start a server: other runs share the machine, so no fixed port.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace lg::test {

inline int free_port() {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (bind(s, (sockaddr*)&a, sizeof a) == 0 && getsockname(s, (sockaddr*)&a, &len) == 0) port = ntohs(a.sin_port);
  close(s);
  return port;
}

}  // namespace lg::test
