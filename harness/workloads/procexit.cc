// procexit: short-lived processes that exit.
#include "harness/workloads/workload.h"

namespace lg {

const WorkloadKind procexit_workload = {
    "procexit",
    "short-lived processes: fork and _exit, or exec an argv; optionally with threads",
    "process exited and reaped",
    {
        {"count", FieldType::Count, "1000", "processes to start"},
        {"rate", FieldType::Rate, "", "starts per second (absent: as fast as possible)"},
        {"concurrency", FieldType::Count, "4", "processes alive at once, at most"},
        {"exec", FieldType::Argv, "", "argv to exec in each process (absent: fork and _exit)"},
        {"threads", FieldType::Count, "0", "extra threads per process; they exit with exit_group", {}, 0},
        {"lifetime", FieldType::Duration, "0ms", "how long each process lives before exiting"},
        {"in_netns", FieldType::Bool, "false", "run the processes inside the run's network namespace"},
    },
    nullptr,
};

}  // namespace lg
