// SPDX-License-Identifier: MIT
#pragma once
// Slab caches (sys.slab.<cache>): which names can be counted on this kernel, and the procfs
// reading of /proc/slabinfo (the BPF census reads iter/kmem_cache, census.bpf.c).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace lg {

// Why a slab cache cannot be counted on this kernel ("" when it exists on its own).
std::string slab_cache_gap(const std::string& cache);
// Active objects per cache name from /proc/slabinfo text; -1 when the cache is not listed.
int64_t slabinfo_active(std::string_view text, std::string_view cache);
// Reads /proc/slabinfo once and calls set(i, active objects) for each caches[i] it lists.
void slabs_from_procfs(const std::vector<std::string>& caches, const std::function<void(size_t, double)>& set);

}  // namespace lg
