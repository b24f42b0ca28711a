// SPDX-License-Identifier: MIT
#pragma once
// libbpf prints its reasons (a verifier message, a missing BTF type) through a callback.
// While a LibbpfLog lives they are kept, so a failure can be one line with libbpf's own
// reason instead of a bare errno. LEAKGUARD_BPF_DEBUG=1 also echoes every message,
// debug level included, to stderr.
#include <string>

namespace lg {

class LibbpfLog {
 public:
  LibbpfLog();   // starts an empty log and installs the capture
  ~LibbpfLog();  // puts back the previous printer
  LibbpfLog(const LibbpfLog&) = delete;
  LibbpfLog& operator=(const LibbpfLog&) = delete;

 private:
  void* old_;  // the previous libbpf_print_fn_t
};

// "WHAT: strerror(err) (the last line libbpf printed)"; err may be negative.
std::string libbpf_reason(const std::string& what, int err);

}  // namespace lg
