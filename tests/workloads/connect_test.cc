// SPDX-License-Identifier: MIT
// connect workload: exact counts and bytes, errors counted by errno (refused, reset, timed
// out), stop, connections from the run's network namespace, field checks.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

#include "harness/workloads/netlink.h"
#include "tests/workloads/wl_util.h"

namespace lg::test {
namespace {

// A small HTTP-like server on 127.0.0.1 (of the namespace it is made in): for each
// connection it reads up to an empty line, then does what `mode` says.
class Server {
 public:
  enum Mode { Reply, Reset, Silent };
  explicit Server(Mode m, int netns_fd = -1) : mode_(m) {
    std::thread([&] {  // the listening socket belongs to the namespace it is made in
      if (netns_fd >= 0 && (setns(netns_fd, CLONE_NEWNET) != 0 || loopback_up() != 0)) return;
      ls_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      socklen_t len = sizeof a;
      if (bind(ls_, (sockaddr*)&a, sizeof a) == 0 && listen(ls_, 512) == 0 &&
          getsockname(ls_, (sockaddr*)&a, &len) == 0)
        port_ = ntohs(a.sin_port);
    })
        .join();
    if (port_) th_ = std::thread([this] { serve(); });
  }
  ~Server() {
    stop_ = true;
    if (th_.joinable()) th_.join();
    if (ls_ >= 0) close(ls_);
    for (int fd : held_) close(fd);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  uint64_t requests() const { return requests_; }
  std::string last_request() {
    std::lock_guard<std::mutex> l(mu_);
    return last_;
  }

 private:
  void serve() {
    uint64_t n = 0;
    while (!stop_) {
      pollfd p{ls_, POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      int c = accept4(ls_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos) {
        pollfd q{c, POLLIN, 0};
        if (poll(&q, 1, 2000) <= 0) break;
        ssize_t k = recv(c, buf, sizeof buf, 0);
        if (k <= 0) break;
        req.append(buf, (size_t)k);
      }
      {
        std::lock_guard<std::mutex> l(mu_);
        last_ = req;
      }
      requests_++;
      n++;
      if (mode_ == Silent) {
        held_.push_back(c);  // never answers, never closes
        continue;
      }
      if (mode_ == Reset && n % 2 == 0) {
        linger lg{1, 0};  // close with RST
        setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(c);
        continue;
      }
      std::string body(1000 + n % 7, 'x');
      std::string r = "HTTP/1.0 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
      (void)!send(c, r.data(), r.size(), MSG_NOSIGNAL);
      close(c);
    }
  }

  Mode mode_;
  int ls_ = -1, port_ = 0;
  std::thread th_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> requests_{0};
  std::mutex mu_;
  std::string last_;
  std::vector<int> held_;
};

const char* kGet = "GET /metrics HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n";

TEST(Connect, ExactCountAndTheRequestBytes) {
  Server s(Server::Reply);
  ASSERT_GT(s.port(), 0);
  int fds = count_fds();
  Ran r = run_kind("connect", P({{"address", s.address()}, {"send", std::string(kGet)}, {"count", int64_t{300}}}));
  EXPECT_EQ(r.out.error, "");
  EXPECT_TRUE(r.out.warnings.empty()) << r.out.warnings[0];
  EXPECT_EQ(r.out.achieved, 300u);
  EXPECT_EQ(r.events, 300u);
  EXPECT_TRUE(r.monotonic);
  EXPECT_EQ(s.requests(), 300u);
  EXPECT_EQ(s.last_request(), "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n");
  EXPECT_EQ(count_fds(), fds) << "every socket closed";
}

TEST(Connect, RefusedEverywhereIsAnErrorWithItsErrno) {
  int port;
  {
    Server s(Server::Reply);
    port = s.port();
  }  // closed: nobody listens there now
  Ran r = run_kind("connect", P({{"address", "127.0.0.1:" + std::to_string(port)}, {"count", int64_t{20}}}));
  EXPECT_EQ(r.out.error_errno, ECONNREFUSED);
  EXPECT_EQ(r.out.error, "connect 127.0.0.1:" + std::to_string(port) +
                             ": all 20 connections failed: 20 ECONNREFUSED (Connection refused) connecting");
  EXPECT_EQ(r.out.achieved, 0u);
}

TEST(Connect, ResetsAreCountedAndReportedNotFatal) {
  Server s(Server::Reset);
  ASSERT_GT(s.port(), 0);
  Ran r = run_kind(
      "connect",
      P({{"address", s.address()}, {"send", std::string(kGet)}, {"count", int64_t{40}}, {"concurrency", int64_t{1}}}));
  EXPECT_EQ(r.out.error, "");
  EXPECT_EQ(r.out.achieved, 20u);
  ASSERT_EQ(r.out.warnings.size(), 1u);
  EXPECT_EQ(r.out.warnings[0],
            "20 of 40 connections to " + s.address() + " failed: 20 ECONNRESET (Connection reset by peer) reading");
}

TEST(Connect, ASilentPeerTimesOut) {
  Server s(Server::Silent);
  ASSERT_GT(s.port(), 0);
  Ran r = run_kind("connect", P({{"address", s.address()},
                                 {"send", std::string(kGet)},
                                 {"count", int64_t{3}},
                                 {"timeout", 0.1},
                                 {"concurrency", int64_t{3}}}));
  EXPECT_EQ(r.out.error_errno, ETIMEDOUT);
  EXPECT_NE(r.out.error.find("3 ETIMEDOUT (Connection timed out) reading"), std::string::npos) << r.out.error;
}

TEST(Connect, StopEndsOpenConnectionsAtOnce) {
  int fds = count_fds();
  {
    Server s(Server::Silent);
    ASSERT_GT(s.port(), 0);
    auto t0 = std::chrono::steady_clock::now();
    Ran r = run_kind("connect", P({{"address", s.address()}, {"count", int64_t{10}}, {"timeout", 60.0}}), {}, 0.2);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_LT(secs, 5);
    EXPECT_EQ(r.out.error, "") << "a stop is not a failure";
    EXPECT_EQ(r.out.achieved, 0u);
  }
  EXPECT_EQ(count_fds(), fds) << "the workload's sockets are closed";
}

TEST(Connect, FromTheRunNetns) {
  if (!is_root()) GTEST_SKIP() << "needs root (unshare(CLONE_NEWNET))";
  int nsfd = -1;
  std::thread([&] {
    if (unshare(CLONE_NEWNET) == 0) nsfd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  }).join();
  ASSERT_GE(nsfd, 0);
  {
    Server s(Server::Reply, nsfd);  // listens on the namespace's own 127.0.0.1
    ASSERT_GT(s.port(), 0);
    WorkloadContext ctx;
    ctx.run_netns_fd = nsfd;
    Ran r = run_kind(
        "connect",
        P({{"address", s.address()}, {"send", std::string(kGet)}, {"count", int64_t{25}}, {"in_netns", true}}), ctx);
    EXPECT_EQ(r.out.error, "");
    EXPECT_EQ(r.out.achieved, 25u);
    EXPECT_EQ(s.requests(), 25u);
    // From the host's namespace that port is (almost surely) closed.
    r = run_kind("connect", P({{"address", s.address()}, {"send", std::string(kGet)}, {"count", int64_t{2}}}));
    EXPECT_EQ(r.out.achieved, 0u);
    EXPECT_EQ(s.requests(), 25u);
  }
  close(nsfd);
}

TEST(Connect, InNetnsWithoutRunNetnsIsAnError) {
  Ran r = run_kind("connect", P({{"address", std::string("127.0.0.1:1")}, {"count", int64_t{2}}, {"in_netns", true}}));
  EXPECT_NE(r.out.error.find("no network namespace"), std::string::npos) << r.out.error;
}

TEST(Connect, PacingWithinTolerance) {
  Server s(Server::Reply);
  ASSERT_GT(s.port(), 0);
  Ran r = run_kind("connect",
                   P({{"address", s.address()}, {"send", std::string(kGet)}, {"count", int64_t{1000}}, {"rate", 50.0}}),
                   {}, 1.0);
  EXPECT_EQ(r.out.error, "");
  EXPECT_GE(r.out.achieved, 40u);
  EXPECT_LE(r.out.achieved, 60u);
}

TEST(Connect, FieldChecks) {
  auto check = [&](const std::string& addr, const std::string& send, std::string& field) {
    return check_error("connect", P({{"address", addr}, {"send", send}}), field);
  };
  std::string f;
  EXPECT_EQ(check("127.0.0.1:9100", "GET / HTTP/1.0\\r\\n\\r\\n", f), "");
  EXPECT_EQ(check("[::1]:80", "", f), "");
  EXPECT_EQ(check("localhost:8080", "\\x41\\t\\\\", f), "");
  EXPECT_NE(check("127.0.0.1", "", f), "");
  EXPECT_EQ(f, "address");
  EXPECT_NE(check("127.0.0.1:0", "", f), "");
  EXPECT_NE(check("127.0.0.1:70000", "", f), "");
  EXPECT_NE(check("::1:80", "", f), "");
  EXPECT_NE(check(":80", "", f), "");
  EXPECT_NE(check("127.0.0.1:80", "\\q", f), "");
  EXPECT_EQ(f, "send");
  EXPECT_NE(check("127.0.0.1:80", "\\x4", f), "");
  EXPECT_NE(check("127.0.0.1:80", "abc\\", f), "");
  EXPECT_NE(check_error("connect", P({{"address", std::string("127.0.0.1:80")}, {"timeout", 0.0}}), f), "");
  EXPECT_EQ(f, "timeout");
}

}  // namespace
}  // namespace lg::test
