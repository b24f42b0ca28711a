// signal: send a signal to the target repeatedly (reload churn).
#include "harness/workloads/workload.h"

namespace lg {

const WorkloadKind signal_workload = {
    "signal",
    "send a signal to the target repeatedly: reload churn",
    "signal delivered to the target",
    {
        {"count", FieldType::Count, "100", "signals to send"},
        {"rate", FieldType::Rate, "10/s", "signals per second"},
        {"signal", FieldType::Signal, "HUP", "which signal (HUP, USR1, ...)"},
        {"to", FieldType::Enum, "main", "main: the target's main process; group: every process of the run",
         {"main", "group"}},
    },
    nullptr,
};

}  // namespace lg
