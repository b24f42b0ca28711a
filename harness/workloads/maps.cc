// maps: BPF map churn.
#include "harness/workloads/workload.h"

namespace lg {

const WorkloadKind maps_workload = {
    "maps",
    "BPF map churn: create, fill, delete, close; optionally pin/unpin and attach a program",
    "BPF map created, filled and closed",
    {
        {"count", FieldType::Count, "1000", "maps to create"},
        {"rate", FieldType::Rate, "", "maps per second (absent: as fast as possible)"},
        {"concurrency", FieldType::Count, "1", "maps alive at once, at most"},
        {"map_type", FieldType::Enum, "hash", "kind of map",
         {"hash", "lru_hash", "percpu_hash", "lpm_trie", "array"}},
        {"entries", FieldType::Count, "16", "elements filled into each map", {}, 0},
        {"delete", FieldType::Enum, "each", "how elements are removed before close",
         {"none", "each", "batch"}},
        {"pin", FieldType::Bool, "false", "pin each map under the run's private bpffs path, then unpin"},
        {"progs", FieldType::Bool, "false", "also load a tiny tracepoint program, attach and detach a link"},
    },
    nullptr,
};

}  // namespace lg
