// SPDX-License-Identifier: MIT
#include "harness/base/libbpf_log.h"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace lg {
namespace {

std::string g_log;

int capture(enum libbpf_print_level level, const char* fmt, va_list args) {
  bool debug = getenv("LEAKGUARD_BPF_DEBUG") != nullptr;
  if (level == LIBBPF_DEBUG && !debug) return 0;
  char buf[1024];
  vsnprintf(buf, sizeof buf, fmt, args);
  g_log += buf;
  if (debug) fputs(buf, stderr);
  return 0;
}

}  // namespace

LibbpfLog::LibbpfLog() {
  g_log.clear();
  old_ = (void*)libbpf_set_print(capture);
}

LibbpfLog::~LibbpfLog() { libbpf_set_print((libbpf_print_fn_t)old_); }

std::string libbpf_reason(const std::string& what, int err) {
  std::string r = what + ": " + strerror(err < 0 ? -err : err);
  size_t pos = g_log.rfind("libbpf: ");
  if (pos != std::string::npos) {
    std::string line = g_log.substr(pos + 8);
    while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
    if (line.size() > 160) line = line.substr(0, 160) + "...";
    r += " (" + line + ")";
  }
  return r;
}

}  // namespace lg
