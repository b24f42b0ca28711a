// SPDX-License-Identifier: MIT
#pragma once
// Text of `leakguard list metrics` and `leakguard list workloads`, built from the catalogues
// (harness/base/metrics.h, harness/workloads/workload.h) so they cannot drift from the code.
#include <string>

namespace lg {

std::string list_metrics_text();    // one aligned line per metric, then sys.slab.<cache>
std::string list_workloads_text();  // each kind, its event, then one line per field

// "count", "duration", ... as written in docs and listings.
const char* field_type_name(int type);  // a FieldType value

}  // namespace lg
