// SPDX-License-Identifier: MIT
#include "harness/census/own_objects.h"

#include "harness/base/strings.h"

namespace lg {

bool own_bpf_map_name(std::string_view n) {
  return starts_with(n, "libbpf_") || starts_with(n, "lgc_") || starts_with(n, "census_b.");
}

bool own_bpf_prog_name(std::string_view n) { return starts_with(n, "libbpf_") || starts_with(n, "lgc_"); }

}  // namespace lg
