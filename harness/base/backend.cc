// SPDX-License-Identifier: MIT
#include "harness/base/backend.h"

namespace lg {

namespace {
struct BackendRow {
  Backend backend;
  const char* name;
};
constexpr BackendRow kBackends[] = {{Backend::Auto, "auto"}, {Backend::Bpf, "bpf"}, {Backend::Procfs, "procfs"}};
}  // namespace

const char* backend_name(Backend b) {
  for (const auto& r : kBackends)
    if (r.backend == b) return r.name;
  return "?";
}

std::optional<Backend> parse_backend(std::string_view name) {
  for (const auto& r : kBackends)
    if (name == r.name) return r.backend;
  return std::nullopt;
}

const std::vector<std::string>& backend_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& r : kBackends) v.push_back(r.name);
    return v;
  }();
  return names;
}

}  // namespace lg
