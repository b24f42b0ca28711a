// SPDX-License-Identifier: MIT
// connect: TCP connection churn against a server, as scrapers and health checkers make it.
//
// Design: `concurrency` worker threads, each with one connection at a time: a non-blocking
// socket, connect, write `send`, read (and discard) until the peer closes, close. Every wait is
// a poll() in 20 ms slices, so a stop ends a connection at once, and the whole connection must
// finish within `timeout` (ETIMEDOUT otherwise). A failed connection is not an event and does
// not stop the workload: servers under churn refuse, reset and stall, and that is worth
// knowing rather than fatal. Failures are counted by errno and by step and reported as a
// warning; only a workload in which every connection failed is an error.
// With `in_netns`, each worker enters the run's network namespace before opening sockets (a
// socket stays in the namespace it was made in), and lo is brought up there.
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "harness/base/clock.h"
#include "harness/base/units.h"
#include "harness/workloads/netlink.h"
#include "harness/workloads/kernel_limits.h"
#include "harness/workloads/outcome.h"
#include "harness/workloads/pace.h"
#include "harness/workloads/workload.h"

namespace lg {

namespace {

struct ConnectOpts : Churn {
  std::string address;  // host:port, [v6]:port
  std::string send;     // escapes decoded
  double timeout = 5;
  bool in_netns = false;
};

// Where a connection failed, for the report.
enum Step { kConnect = 0, kSend, kRead, kSteps };
const char* const kStepName[kSteps] = {"connecting", "sending", "reading"};

// "host:port" or "[v6]:port" -> host, port. "" or why it is not one.
std::string split_address(const std::string& a, std::string& host, std::string& port) {
  size_t colon;
  if (!a.empty() && a[0] == '[') {
    size_t close = a.find(']');
    if (close == std::string::npos || close + 1 >= a.size() || a[close + 1] != ':')
      return "address '" + a + "' must be [IPv6]:PORT";
    host = a.substr(1, close - 1);
    colon = close + 1;
  } else {
    colon = a.rfind(':');
    if (colon == std::string::npos || colon == 0) return "address '" + a + "' must be HOST:PORT (127.0.0.1:9100)";
    host = a.substr(0, colon);
    if (host.find(':') != std::string::npos) return "address '" + a + "': write an IPv6 address as [ADDR]:PORT";
  }
  port = a.substr(colon + 1);
  char* end = nullptr;
  long p = port.empty() ? 0 : strtol(port.c_str(), &end, 10);
  if (port.empty() || *end || p < 1 || p > 65535) return "address '" + a + "': port must be 1 to 65535";
  if (host.empty()) return "address '" + a + "': the host is empty";
  return "";
}

// Decodes \r \n \t \0 \\ \xHH. "" or why `in` is not valid (out unchanged then).
std::string decode_escapes(const std::string& in, std::string& out) {
  std::string r;
  for (size_t i = 0; i < in.size(); i++) {
    if (in[i] != '\\') {
      r += in[i];
      continue;
    }
    if (i + 1 >= in.size()) return "a lone \\ at the end";
    char c = in[++i];
    switch (c) {
      case 'r': r += '\r'; break;
      case 'n': r += '\n'; break;
      case 't': r += '\t'; break;
      case '0': r += '\0'; break;
      case '\\': r += '\\'; break;
      case 'x': {
        auto hex = [](char h) { return isdigit((unsigned char)h) ? h - '0' : (tolower(h) - 'a' + 10); };
        if (i + 2 >= in.size() || !isxdigit((unsigned char)in[i + 1]) || !isxdigit((unsigned char)in[i + 2]))
          return "\\x needs two hex digits";
        r += (char)(hex(in[i + 1]) * 16 + hex(in[i + 2]));
        i += 2;
        break;
      }
      default: return std::string("unknown escape \\") + c + " (known: \\r \\n \\t \\0 \\\\ \\xHH)";
    }
  }
  out = r;
  return "";
}

class ConnectWorkload : public Workload {
 public:
  explicit ConnectWorkload(const ConnectOpts& o) : o_(o) {}
  void run(const WorkloadContext& ctx) override;

 private:
  void worker(const WorkloadContext& ctx);
  // One connection. 0, or the errno and step of the failure; -1: stopped (neither).
  int once(int& step);
  // Waits for `events` on fd until the connection's deadline. 1 ready, 0 deadline, -1 stopped.
  int await_fd(int fd, short events, double deadline);
  void count_failure(int err, int step);

  ConnectOpts o_;
  Pacer* pacer_ = nullptr;
  FirstError err_;
  sockaddr_storage sa_{};
  socklen_t salen_ = 0;
  std::mutex mu_;
  std::map<std::pair<int, int>, uint64_t> failures_;  // (errno, step) -> count, under mu_
  uint64_t failed_ = 0;                               // under mu_
};

int ConnectWorkload::await_fd(int fd, short events, double deadline) {
  for (;;) {
    if (pacer_->stopped()) return -1;
    double left = deadline - monotonic_seconds();
    if (left <= 0) return 0;
    pollfd p{fd, events, 0};
    int ms = (int)std::min(20.0, left * 1000 + 1);
    int r = poll(&p, 1, ms);
    if (r > 0) return 1;
    if (r < 0 && errno != EINTR) return 1;  // let the next call report it
  }
}

int ConnectWorkload::once(int& step) {
  double deadline = monotonic_seconds() + o_.timeout;
  step = kConnect;
  int fd = socket(sa_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  int err = 0;
  auto done = [&](int e) {
    close(fd);
    return e;
  };
  if (connect(fd, (const sockaddr*)&sa_, salen_) != 0) {
    if (errno != EINPROGRESS) return done(errno);
    int w = await_fd(fd, POLLOUT, deadline);
    if (w < 0) return done(-1);
    if (w == 0) return done(ETIMEDOUT);
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return done(errno);
    if (err) return done(err);
  }
  step = kSend;
  size_t off = 0;
  while (off < o_.send.size()) {
    ssize_t n = ::send(fd, o_.send.data() + off, o_.send.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += (size_t)n;
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return done(errno);
    int w = await_fd(fd, POLLOUT, deadline);
    if (w < 0) return done(-1);
    if (w == 0) return done(ETIMEDOUT);
  }
  step = kRead;
  char buf[65536];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n == 0) return done(0);  // the peer closed: the reply is complete
    if (n > 0) continue;
    if (errno != EAGAIN && errno != EINTR) return done(errno);
    int w = await_fd(fd, POLLIN, deadline);
    if (w < 0) return done(-1);
    if (w == 0) return done(ETIMEDOUT);
  }
}

void ConnectWorkload::count_failure(int err, int step) {
  std::lock_guard<std::mutex> l(mu_);
  failures_[{err, step}]++;
  failed_++;
}

void ConnectWorkload::worker(const WorkloadContext& ctx) {
  int home = -1;
  if (o_.in_netns) {
    home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (home < 0 || setns(ctx.run_netns_fd, CLONE_NEWNET) != 0) {
      err_.failed(errno, "setns(run netns)");
      pacer_->abort();
      if (home >= 0) close(home);
      return;
    }
  }
  while (pacer_->next()) {
    int step = 0;
    int e = once(step);
    if (e < 0) break;  // stopped mid-connection
    if (e > 0) {
      count_failure(e, step);
      continue;
    }
    count_event();
  }
  if (home >= 0) {
    setns(home, CLONE_NEWNET);
    close(home);
  }
}

void ConnectWorkload::run(const WorkloadContext& ctx) {
  Pacer pacer(o_.count, o_.rate, ctx.stop);
  pacer_ = &pacer;
  auto finish = [&] {
    uint64_t ok = events(), failed;
    std::string detail;
    {
      std::lock_guard<std::mutex> l(mu_);
      failed = failed_;
      // Most frequent first: "300 ECONNREFUSED (Connection refused) connecting, 12 ETIMEDOUT ..."
      std::vector<std::pair<uint64_t, std::pair<int, int>>> v;
      for (const auto& [k, n] : failures_) v.push_back({n, k});
      std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
      for (const auto& [n, k] : v) {
        const char* name = strerrorname_np(k.first);
        detail += (detail.empty() ? "" : ", ") + format_number((double)n) + " " + (name ? name : "errno") + " (" +
                  strerror(k.first) + ") " + kStepName[k.second];
      }
      if (failed && ok == 0 && !err_.any()) {
        int e = v.front().second.first;
        err_.set(e,
                 "connect " + o_.address + ": all " + format_number((double)failed) + " connections failed: " + detail);
      }
    }
    finish_run(err_, ok, pacer, last_event(), ctx, "connections");
    if (failed && ok > 0)
      outcome_.warnings.push_back(format_number((double)failed) + " of " + format_number((double)(failed + ok)) +
                                  " connections to " + o_.address + " failed: " + detail);
  };
  if (o_.in_netns && ctx.run_netns_fd < 0) {
    err_.set(0, "connect in_netns: the run has no network namespace to enter");
    finish();
    return;
  }
  std::string host, port;
  std::string why = split_address(o_.address, host, port);
  if (!why.empty()) {
    err_.set(EINVAL, "connect: " + why);
    finish();
    return;
  }
  // Resolved once (in the namespace the connections are made from: names in /etc/hosts do
  // not depend on it, but a resolver that answers over the network would).
  int gai = 0;
  auto resolve = [&] {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* res = nullptr;
    gai = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
    if (gai == 0) {
      memcpy(&sa_, res->ai_addr, res->ai_addrlen);
      salen_ = res->ai_addrlen;
      freeaddrinfo(res);
    }
  };
  std::string setup_err;
  int setup_errno = 0;
  std::thread([&] {  // a thread of its own: it may enter the run's namespace and just end there
    if (o_.in_netns) {
      if (setns(ctx.run_netns_fd, CLONE_NEWNET) != 0) {
        setup_errno = errno;
        setup_err = std::string("setns(run netns): ") + strerror(errno);
        return;
      }
      if (int e = loopback_up()) {
        setup_errno = e;
        setup_err = std::string("ioctl(SIOCSIFFLAGS, lo up) in the run netns: ") + strerror(e);
        return;
      }
    }
    resolve();
  })
      .join();
  if (!setup_err.empty() || gai != 0) {
    err_.set(
        setup_err.empty() ? EINVAL : setup_errno,
        setup_err.empty() ? "connect: cannot resolve " + host + ": " + gai_strerror(gai) : "connect: " + setup_err);
    finish();
    return;
  }
  uint64_t workers = o_.concurrency;
  if (o_.count) workers = std::min(workers, o_.count);
  std::vector<std::thread> threads;
  for (uint64_t i = 0; i < workers; i++) threads.emplace_back([this, &ctx] { worker(ctx); });
  for (auto& t : threads) t.join();
  finish();
}

std::unique_ptr<Workload> make_connect(const Params& p) {
  ConnectOpts o;
  o.address = p.str("address");
  decode_escapes(p.str("send"), o.send);
  static_cast<Churn&>(o) = churn_of(p);
  o.timeout = p.number("timeout");
  o.in_netns = p.flag("in_netns");
  return std::make_unique<ConnectWorkload>(o);
}

std::vector<FieldProblem> check_connect(const Params& p) {
  std::vector<FieldProblem> out;
  std::string host, port, decoded;
  std::string why = split_address(p.str("address"), host, port);
  if (!why.empty()) out.push_back({"address", why});
  why = decode_escapes(p.str("send"), decoded);
  if (!why.empty()) out.push_back({"send", "send: " + why});
  if (p.has("timeout") && p.number("timeout") <= 0) out.push_back({"timeout", "timeout must be above 0"});
  return out;
}

}  // namespace

extern const WorkloadKind connect_workload = {
    "connect",
    "TCP connection churn: connect, send a request, read the reply until the peer closes, close",
    "TCP connection made, request sent, reply read to the end, closed",
    churn_fields(
        {
            {"address", FieldType::String, nullptr, "HOST:PORT or [IPv6]:PORT to connect to"},
            {"send", FieldType::String, "", "bytes written after connecting; \\r \\n \\t \\0 \\\\ \\xHH are decoded"},
        },
        {.things = "connections",
         .verb = "make",
         .per_second = "connections started",
         .alive = "open",
         .count = "1000",
         .concurrency = "4",
         .count_zero = false},
        {
            {"timeout", FieldType::Duration, "5s", "how long one connection may take, connect to close"},
            {"in_netns", FieldType::Bool, "false",
             "connect from inside the run's network namespace (lo is brought up)"},
        }),
    make_connect,
    check_connect,
    needs_in_netns,
};

}  // namespace lg
