// SPDX-License-Identifier: MIT
#include "harness/base/signals.h"

#include <csignal>
#include <cstring>

#include "harness/base/fs.h"
#include "harness/base/strings.h"
#include "harness/base/units.h"

namespace lg {

namespace {

struct SignalName {
  const char* name;
  int number;
};
const SignalName kSignals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},     {"QUIT", SIGQUIT}, {"ILL", SIGILL},   {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT}, {"BUS", SIGBUS},     {"FPE", SIGFPE},   {"KILL", SIGKILL}, {"USR1", SIGUSR1},
    {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},   {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"CHLD", SIGCHLD}, {"CONT", SIGCONT},   {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU}, {"URG", SIGURG},     {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},     {"PWR", SIGPWR},   {"SYS", SIGSYS},
};

}  // namespace

std::string signal_name(int sig) {
  const char* a = sigabbrev_np(sig);
  return a ? std::string("SIG") + a : "signal " + std::to_string(sig);
}

int signal_number(const std::string& s) {
  std::string n = s;
  if (all_digits(n)) {
    auto v = parse_count(n);
    return v && *v >= 1 && *v <= 64 ? (int)*v : 0;
  }
  for (auto& c : n) c = (char)toupper((unsigned char)c);
  if (starts_with(n, "SIG")) n = n.substr(3);
  for (const auto& sig : kSignals)
    if (n == sig.name) return sig.number;
  return 0;
}

}  // namespace lg
