// SPDX-License-Identifier: MIT
#pragma once
// The columns of a census: the whole catalogue in MetricId order, then one sys.slab.<cache>
// column per configured cache, each with why this backend cannot measure it here ("" when it
// can). Both backends build theirs here.
#include <string>
#include <string_view>
#include <vector>

#include "harness/base/backend.h"
#include "harness/census/census.h"

namespace lg {

// Column names and reasons for a backend (Bpf or Procfs). `slabs` gets the cache names, in
// column order; the first slab column is kMetricCount.
void build_columns(Backend backend, const CensusScope& scope, const CensusOptions& opts,
                   std::vector<std::string>& names, std::vector<std::string>& unavailable,
                   std::vector<std::string>& slabs);
int column(const std::vector<std::string>& names, std::string_view name);  // -1 when absent

}  // namespace lg
