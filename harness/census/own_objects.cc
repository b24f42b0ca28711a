// SPDX-License-Identifier: MIT
#include "harness/census/own_objects.h"

#include "harness/base/strings.h"

namespace lg {

// lgc_/census_b.: the census; lga_/attrib_b.: the attribution tracker (harness/attrib).
bool own_bpf_map_name(std::string_view n) {
  return starts_with(n, "libbpf_") || starts_with(n, "lgc_") || starts_with(n, "census_b.") || starts_with(n, "lga_") ||
         starts_with(n, "attrib_b.");
}

bool own_bpf_prog_name(std::string_view n) {
  return starts_with(n, "libbpf_") || starts_with(n, "lgc_") || starts_with(n, "lga_");
}

}  // namespace lg
