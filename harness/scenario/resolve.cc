// SPDX-License-Identifier: MIT
// Diagnostic text and target command lookup.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "harness/base/fs.h"
#include "harness/base/strings.h"
#include "harness/scenario/scenario.h"

namespace lg {

std::string Diagnostic::str() const {
  std::string s = file;
  if (line > 0) {
    s.append(":").append(std::to_string(line)).append(":").append(std::to_string(col));
  }
  s.append(severity == Error ? ": error: " : ": warning: ");
  s.append(message);
  return s;
}

namespace {
bool executable_file(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(p.c_str(), X_OK) == 0;
}
}  // namespace

std::string resolve_command(const std::string& word, const std::string& binary_dir) {
  if (word.empty()) return "";
  if (word.find('/') != std::string::npos) return executable_file(word) ? word : "";
  // The reference targets ship next to leakguard: they win over a same-named tool in PATH.
  if (!binary_dir.empty() && executable_file(binary_dir + "/" + word)) return binary_dir + "/" + word;
  const char* path = getenv("PATH");
  for (const auto& dir : split(path ? path : "/usr/local/bin:/usr/bin:/bin", ':')) {
    std::string p = (dir.empty() ? "." : dir) + "/" + word;
    if (executable_file(p)) return p;
  }
  return "";
}

}  // namespace lg
