// SPDX-License-Identifier: MIT
#pragma once
// What the reference targets share: option parsing, --mode, the ready line and signals.
// Header-only because targets/CMakeLists.txt builds each targets/<name>.cc on its own.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace tgt {

// The one switch every target has: the same code with the bug on (leaky) or off (fixed).
enum class Mode { Leaky, Fixed };

struct Opt {
  const char* name;  // "interval" for --interval
  const char* arg;   // "DUR" when it takes a value, nullptr for a flag
  const char* help;
  std::string value;  // the default, replaced by what was given
  bool given = false;
};

struct Cli {
  const char* prog;
  const char* summary;  // first lines of --help
  const char* signals;  // what each signal does, for --help
  std::vector<Opt> opts;

  Opt* find(const std::string& n) {
    for (auto& o : opts)
      if (n == o.name) return &o;
    return nullptr;
  }
  const std::string& get(const char* n) { return find(n)->value; }
  // A directory option without its trailing slashes ("/" stays "/").
  std::string dir(const char* n) {
    std::string d = get(n);
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    return d;
  }
  bool flag(const char* n) { return find(n)->given; }

  void usage(FILE* f) {
    fprintf(f, "usage: %s [options]\n%s\n\noptions:\n", prog, summary);
    for (auto& o : opts) {
      std::string left = std::string("--") + o.name + (o.arg ? std::string(" ") + o.arg : "");
      fprintf(f, "  %-22s %s", left.c_str(), o.help);
      if (o.arg && !o.value.empty()) fprintf(f, " (default %s)", o.value.c_str());
      fputc('\n', f);
    }
    fprintf(f, "  %-22s %s\n", "--help", "print this and exit");
    fprintf(f, "\nsignals: %s\n", signals);
  }

  // Exits 2 with one line on a bad option, 0 after --help.
  void parse(int argc, char** argv) {
    for (int i = 1; i < argc; i++) {
      std::string a = argv[i];
      if (a == "--help" || a == "-h") {
        usage(stdout);
        exit(0);
      }
      if (a.rfind("--", 0) != 0) fail("unexpected argument '" + a + "'");
      std::string name = a.substr(2), val;
      bool inline_val = false;
      if (size_t eq = name.find('='); eq != std::string::npos) {
        val = name.substr(eq + 1);
        name.resize(eq);
        inline_val = true;
      }
      Opt* o = find(name);
      if (!o) fail("unknown option --" + name);
      if (o->arg && !inline_val) {
        if (i + 1 >= argc) fail("--" + name + " needs a value (" + o->arg + ")");
        val = argv[++i];
      } else if (!o->arg && inline_val) {
        fail("--" + name + " takes no value");
      }
      o->value = val;
      o->given = true;
    }
  }

  [[noreturn]] void fail(const std::string& msg) {
    fprintf(stderr, "%s: %s (see --help)\n", prog, msg.c_str());
    exit(2);
  }

  Mode mode() {
    const std::string& m = get("mode");
    if (m == "leaky") return Mode::Leaky;
    if (m == "fixed") return Mode::Fixed;
    fail("--mode must be leaky or fixed, not '" + m + "'");
  }

  // "100ms", "2s", "500us" -> microseconds.
  long long duration_us(const char* n) {
    const std::string& s = get(n);
    char* end = nullptr;
    double v = strtod(s.c_str(), &end);
    std::string unit = end ? end : "";
    double mul = unit == "us" ? 1 : unit == "ms" ? 1e3 : unit == "s" ? 1e6 : -1;
    if (end == s.c_str() || mul < 0 || v < 0)
      fail("--" + std::string(n) + " must be a duration like 100ms or 2s, not '" + s + "'");
    return (long long)(v * mul);
  }

  long long count(const char* n, long long min) {
    const std::string& s = get(n);
    char* end = nullptr;
    long long v = strtoll(s.c_str(), &end, 10);
    if (end == s.c_str() || *end || v < min)
      fail("--" + std::string(n) + " must be an integer >= " + std::to_string(min) + ", not '" + s + "'");
    return v;
  }
};

// Every target's command line: --mode, then the target's own options, parsed at once (exits 2
// with one line on a bad option, 0 after --help).
inline Cli parse_cli(int argc, char** argv, const char* prog, const char* summary, const char* signals,
                     std::vector<Opt> own) {
  Cli cli{prog, summary, signals, {{"mode", "leaky|fixed", "leaky: the bug is on; fixed: the bug is off", "fixed"}}};
  for (auto& o : own) cli.opts.push_back(std::move(o));
  cli.parse(argc, argv);
  return cli;
}

// Blocks `sigs` and returns a signalfd for them, so the main loop can poll signals with its
// other fds instead of doing work in handlers. Exits 1 on failure.
inline int signal_fd(const char* prog, std::initializer_list<int> sigs) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : sigs) sigaddset(&set, s);
  if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) {
    fprintf(stderr, "%s: sigprocmask: %s\n", prog, strerror(errno));
    exit(1);
  }
  int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) {
    fprintf(stderr, "%s: signalfd: %s\n", prog, strerror(errno));
    exit(1);
  }
  return fd;
}

// Next pending signal on a signalfd, 0 when none.
inline int next_signal(int sfd) {
  signalfd_siginfo si;
  ssize_t n = read(sfd, &si, sizeof si);
  return n == (ssize_t)sizeof si ? (int)si.ssi_signo : 0;
}

// Blocks until a signal is pending on `sfd` (the loop of a target that only acts on signals).
// Exits 1 when poll fails.
inline void wait_signal(const char* prog, int sfd) {
  pollfd p{sfd, POLLIN, 0};
  if (poll(&p, 1, -1) < 0 && errno != EINTR) {
    fprintf(stderr, "%s: poll: %s\n", prog, strerror(errno));
    exit(1);
  }
}

// Children must not inherit the blocked signals the targets use for their signalfd.
inline void unblock_all_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigprocmask(SIG_SETMASK, &set, nullptr);
}

// stdout is a pipe under leakguard: a line must not sit in a buffer.
inline void say(const std::string& line) {
  fputs(line.c_str(), stdout);
  fputc('\n', stdout);
  fflush(stdout);
}

}  // namespace tgt
