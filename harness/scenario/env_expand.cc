// SPDX-License-Identifier: MIT
#include "harness/scenario/env_expand.h"

#include <cstdlib>

#include "harness/workloads/cgroup_parent.h"

namespace lg {

namespace {
bool valid_var(const std::string& s) {
  if (s.empty() || isdigit((unsigned char)s[0])) return false;
  for (char c : s)
    if (!isalnum((unsigned char)c) && c != '_') return false;
  return true;
}
}  // namespace

bool expand_env(const std::string& in, std::string& out, std::string& err) {
  out.clear();
  size_t i = 0;
  while (i < in.size()) {
    size_t d = in.find("${", i);
    if (d == std::string::npos) {
      out.append(in, i, std::string::npos);
      break;
    }
    if (d > i && in[d - 1] == '$') {  // "$${": a literal "${"
      out.append(in, i, d - 1 - i);
      out += "${";
      i = d + 2;
      continue;
    }
    out.append(in, i, d - i);
    size_t close = in.find('}', d + 2);
    if (close == std::string::npos) {
      err = "unterminated '${' in '" + in + "'";
      return false;
    }
    std::string inner = in.substr(d + 2, close - d - 2);
    std::string name = inner, def;
    bool has_def = false;
    size_t colon = inner.find(":-");
    if (colon != std::string::npos) {
      name = inner.substr(0, colon);
      def = inner.substr(colon + 2);
      has_def = true;
    }
    if (!valid_var(name)) {
      err = "bad variable name '" + name + "' in '${" + inner + "}'";
      return false;
    }
    const char* v = getenv(name.c_str());
    std::string own;
    if (!v && name == "LEAKGUARD_CGROUP_PARENT") {  // leakguard's own (docs/scenarios.md)
      own = default_cgroup_parent();
      v = own.c_str();
    }
    if (v && *v) {
      out += v;
    } else if (has_def) {
      out += def;  // as in the shell, ':-' also covers a variable set to ""
    } else {
      err = "environment variable " + name + " is not set (write ${" + name + ":-default} to give a default)";
      return false;
    }
    i = close + 1;
  }
  return true;
}

}  // namespace lg
