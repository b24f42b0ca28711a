// SPDX-License-Identifier: MIT
#pragma once
// Which BPF objects are leakguard's own, left out of sys.bpf_*: the census skeleton's (by name,
// for census objects in this or another leakguard process) and libbpf's feature probes. A
// census also leaves out its own objects by id.
#include <string_view>

namespace lg {

bool own_bpf_map_name(std::string_view name);
bool own_bpf_prog_name(std::string_view name);

}  // namespace lg
