// SPDX-License-Identifier: MIT
// metricsd answers HTTP scrapes; leaky mode keeps one socket per answered connection.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tests/helpers/free_port.h"
#include "tests/targets/target_proc.h"

namespace {

constexpr int kScrapes = 25;

// One request, the whole reply (until the server closes); "" on failure.
std::string http_get(int port, const std::string& path) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (connect(s, (sockaddr*)&a, sizeof a) == 0) {
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    if (send(s, req.data(), req.size(), MSG_NOSIGNAL) == (ssize_t)req.size()) {
      char buf[4096];
      ssize_t n;
      while ((n = recv(s, buf, sizeof buf, 0)) > 0) reply.append(buf, n);
    }
  }
  close(s);
  return reply;
}

class MetricsdTest : public ::testing::TestWithParam<const char*> {};

TEST_P(MetricsdTest, ScrapesAreAnsweredAndLeakASocketEachOnlyInLeakyMode) {
  std::string mode = GetParam();
  int port = lg::test::free_port();
  ASSERT_GT(port, 0);
  tt::TempDir tmp;
  tt::Target t;
  ASSERT_EQ(t.start("metricsd", {"--mode", mode, "--listen", "127.0.0.1:" + std::to_string(port)}, tmp.path), "");
  std::string ready = t.ready_line();
  ASSERT_EQ(ready, "metricsd ready (" + mode + ") on 127.0.0.1:" + std::to_string(port)) << t.stderr_text();
  int sockets0 = tt::count_fds(t.pid(), "socket:");
  for (int i = 0; i < kScrapes; i++) {
    std::string r = http_get(port, "/metrics");
    ASSERT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
    EXPECT_NE(r.find("metricsd_scrapes_total " + std::to_string(i + 1)), std::string::npos) << r;
  }
  EXPECT_EQ(http_get(port, "/nope").rfind("HTTP/1.1 404", 0), 0u);
  std::string c = t.counters();
  EXPECT_EQ(tt::counter(c, "scrapes "), kScrapes) << c;
  EXPECT_EQ(tt::count_fds(t.pid(), "socket:") - sockets0, mode == "leaky" ? kScrapes + 1 : 0);
  EXPECT_EQ(t.stop(), 0);
}

TEST(Metricsd, AnAddressInUseIsOneLineAndExit1) {
  int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(bind(s, (sockaddr*)&a, sizeof a), 0);
  ASSERT_EQ(listen(s, 1), 0);
  ASSERT_EQ(getsockname(s, (sockaddr*)&a, &len), 0);
  tt::TempDir tmp;
  tt::Target t;
  ASSERT_EQ(t.start("metricsd", {"--listen", "127.0.0.1:" + std::to_string(ntohs(a.sin_port))}, tmp.path), "");
  EXPECT_EQ(t.ready_line(), "");
  std::string err = t.stderr_text();
  EXPECT_EQ(t.wait_exit(), 1);
  EXPECT_NE(err.find("Address already in use"), std::string::npos) << err;
  close(s);
}

INSTANTIATE_TEST_SUITE_P(Modes, MetricsdTest, ::testing::Values("leaky", "fixed"));

}  // namespace
