// SPDX-License-Identifier: MIT
#pragma once
// Signal names, both ways: what scenarios write (target.stop.signal, the signal workload) and
// what messages print.
#include <string>

namespace lg {

// "SIGTERM"; "signal 42" for a number without a name.
std::string signal_name(int sig);
// Signal number for "HUP", "SIGHUP", "hup" or "1" (1-64); 0 when unknown.
int signal_number(const std::string& s);

}  // namespace lg
