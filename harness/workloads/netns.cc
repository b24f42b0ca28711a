// netns: create network namespaces, hold each for `hold`, release.
#include "harness/workloads/workload.h"

namespace lg {

const WorkloadKind netns_workload = {
    "netns",
    "create network namespaces (unshare on worker threads, held by fd), hold, release",
    "network namespace created and released",
    {
        {"count", FieldType::Count, "1000", "namespaces to create"},
        {"rate", FieldType::Rate, "", "creations per second (absent: as fast as possible)"},
        {"concurrency", FieldType::Count, "64", "namespaces alive at once, at most"},
        {"hold", FieldType::Duration, "0ms", "how long each namespace is kept"},
        {"bind_mount", FieldType::Bool, "false", "bind-mount each under /run/netns/ as `ip netns add` does"},
        {"process", FieldType::Bool, "false", "keep a sleeping process inside each (a pod's pause container)"},
        {"loopback_up", FieldType::Bool, "false", "bring lo up inside each"},
        {"veth", FieldType::Bool, "false", "add a veth pair to the host namespace for each"},
        {"max_live", FieldType::Count, "", "pace on sys.netns: wait while this many namespaces are alive kernel-wide"},
    },
    nullptr,
};

}  // namespace lg
