// SPDX-License-Identifier: MIT
// metricsd: a metrics exporter with an HTTP endpoint, as node agents ship them. One thread,
// epoll: accept, read the request, answer, close. It imitates exporters that "closed" a
// scraped connection with shutdown() and lost the descriptor: the scraper sees the reply end
// (a FIN) and is happy, while the exporter keeps one socket per scrape until it runs out of
// descriptors and stops answering.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dirent.h>

#include <string>
#include <unordered_map>

#include "targets/common.h"

namespace {

const char* kProg = "metricsd";
const char* kSummary =
    "Serves Prometheus metrics over HTTP (GET /metrics), one connection per request\n"
    "(Connection: close). Leaky mode ends each connection with shutdown() and never\n"
    "closes it: one socket fd per scrape.";
const char* kSignals = "SIGUSR1 prints counters on stderr; SIGTERM/SIGINT stop (exit 0)";

struct Conn {
  std::string in;   // request bytes so far
  std::string out;  // reply not yet written
  size_t sent = 0;
};

unsigned long long g_scrapes = 0, g_requests = 0, g_accepted = 0, g_leaked = 0, g_errors = 0;

int open_fds() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  if (!d) return -1;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n - 1;
}

std::string metrics_text() {
  std::string m;
  auto add = [&](const char* name, const char* type, const char* help, double v) {
    m += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
         std::to_string((long long)v) + "\n";
  };
  add("metricsd_scrapes_total", "counter", "Scrapes of /metrics answered.", (double)g_scrapes);
  add("metricsd_requests_total", "counter", "HTTP requests answered.", (double)g_requests);
  add("metricsd_connections_accepted_total", "counter", "Connections accepted.", (double)g_accepted);
  add("process_open_fds", "gauge", "Open file descriptors.", open_fds());
  return m;
}

std::string reply(const std::string& req) {
  g_requests++;
  size_t sp1 = req.find(' '), sp2 = sp1 == std::string::npos ? sp1 : req.find(' ', sp1 + 1);
  std::string method = sp1 == std::string::npos ? "" : req.substr(0, sp1);
  std::string path = sp2 == std::string::npos ? "" : req.substr(sp1 + 1, sp2 - sp1 - 1);
  int code = 200;
  std::string type = "text/plain; version=0.0.4", body;
  if (method != "GET" && method != "HEAD") {
    code = 405, body = "method not allowed\n";
  } else if (path == "/metrics") {
    g_scrapes++;
    body = metrics_text();
  } else if (path == "/") {
    type = "text/html", body = "<html><body><a href=\"/metrics\">metrics</a></body></html>\n";
  } else {
    code = 404, body = "not found\n";
  }
  const char* status = code == 200 ? "OK" : code == 404 ? "Not Found" : "Method Not Allowed";
  std::string head = "HTTP/1.1 " + std::to_string(code) + " " + status + "\r\nContent-Type: " + type +
                     "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
  return method == "HEAD" ? head : head + body;
}

}  // namespace

int main(int argc, char** argv) {
  tgt::Cli cli = tgt::parse_cli(argc, argv, kProg, kSummary, kSignals,
                                {{"listen", "ADDR:PORT", "where to listen", "127.0.0.1:19100"}});
  bool fixed = cli.mode() == tgt::Mode::Fixed;
  const std::string& listen_at = cli.get("listen");
  size_t colon = listen_at.rfind(':');
  if (colon == std::string::npos) cli.fail("--listen must be ADDR:PORT, not '" + listen_at + "'");
  std::string host = listen_at.substr(0, colon), port = listen_at.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  if (int e = getaddrinfo(host.c_str(), port.c_str(), &hints, &res))
    cli.fail("--listen " + listen_at + ": " + gai_strerror(e));

  int sfd = tgt::signal_fd(kProg, {SIGTERM, SIGINT, SIGUSR1});
  int ls = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  if (ls >= 0) setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (ls < 0 || bind(ls, res->ai_addr, res->ai_addrlen) != 0 || listen(ls, 1024) != 0) {
    fprintf(stderr, "%s: listen on %s: %s\n", kProg, listen_at.c_str(), strerror(errno));
    return 1;
  }
  freeaddrinfo(res);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = ls;
  epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
  ev.data.fd = sfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
  std::unordered_map<int, Conn> conns;
  tgt::say(std::string("metricsd ready (") + cli.get("mode") + ") on " + listen_at);

  // Done with a connection: the fix closes it; the bug half-closes it and forgets it.
  auto finish = [&](int fd, bool answered) {
    epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
    conns.erase(fd);
    if (fixed || !answered) {
      close(fd);
    } else {
      shutdown(fd, SHUT_WR);
      g_leaked++;
    }
  };
  auto write_some = [&](int fd, Conn& c) {
    while (c.sent < c.out.size()) {
      ssize_t n = send(fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
      if (n > 0) {
        c.sent += (size_t)n;
        continue;
      }
      if (n < 0 && errno == EAGAIN) {
        ev.events = EPOLLOUT;
        ev.data.fd = fd;
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
        return;
      }
      g_errors++;
      finish(fd, false);
      return;
    }
    finish(fd, true);
  };

  epoll_event evs[64];
  for (;;) {
    int n = epoll_wait(ep, evs, 64, -1);
    if (n < 0 && errno != EINTR) {
      fprintf(stderr, "%s: epoll_wait: %s\n", kProg, strerror(errno));
      return 1;
    }
    for (int i = 0; i < n; i++) {
      int fd = evs[i].data.fd;
      if (fd == sfd) {
        while (int sig = tgt::next_signal(sfd)) {
          if (sig == SIGUSR1) {
            fprintf(stderr, "%s: accepted %llu, requests %llu, scrapes %llu, open %zu, leaked %llu, errors %llu\n",
                    kProg, g_accepted, g_requests, g_scrapes, conns.size(), g_leaked, g_errors);
            continue;
          }
          if (fixed) {
            for (auto& [c, _] : conns) close(c);
            close(ls);
          }
          fprintf(stderr, "%s: stopping after %llu scrapes\n", kProg, g_scrapes);
          return 0;
        }
      } else if (fd == ls) {
        for (;;) {
          int c = accept4(ls, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) {
            // EMFILE: out of descriptors (what the leak ends in): the queue waits, scrapers time out.
            if (errno != EAGAIN && errno != EINTR) g_errors++;
            break;
          }
          g_accepted++;
          conns[c];
          ev.events = EPOLLIN;
          ev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
        }
      } else {
        auto it = conns.find(fd);
        if (it == conns.end()) continue;
        Conn& c = it->second;
        if (!c.out.empty()) {
          write_some(fd, c);
          continue;
        }
        char buf[4096];
        ssize_t k = recv(fd, buf, sizeof buf, 0);
        if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
          finish(fd, false);  // the client went away before asking anything
          continue;
        }
        if (k < 0) continue;
        c.in.append(buf, (size_t)k);
        if (c.in.find("\r\n\r\n") == std::string::npos && c.in.find("\n\n") == std::string::npos) {
          if (c.in.size() > 16384) finish(fd, false);  // no end of headers in sight
          continue;
        }
        c.out = reply(c.in);
        write_some(fd, c);
      }
    }
  }
}
