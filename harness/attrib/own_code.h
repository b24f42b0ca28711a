// SPDX-License-Identifier: MIT
#pragma once
// Which frames of a stack are the target's own code: the innermost of them heads a site
// ("created at visit_netns (nstuner.cc:145)"), the frames below it (libc, the Go runtime, a
// library) stay in the stack. docs/attribution.md states the rules.
#include <string>

#include "harness/base/diagnosis.h"

namespace lg {

// `f.file` is the path the debug info names (not yet cut to its base name). C and C++: code
// outside system directories (/usr, /lib, /nix/store) and not a generated libbpf skeleton.
// Go (`go`: the frame is in a Go program, which holds its runtime and every library in one
// module): a function whose package is not the standard library, with its source outside
// system directories (Debian's GOROOT and /usr/share/gocode), the module cache (.../pkg/mod/,
// or a "module@version" path under -trimpath) and vendor/ directories.
bool own_code(const Frame& f, bool go);

// The package of a Go function: "github.com/vishvananda/netns" for
// "github.com/vishvananda/netns.Get", "internal/poll" for "internal/poll.(*FD).Init",
// "main" for "main.(*tuner).visit.func1"; "" when there is none.
std::string go_package(const std::string& function);

// A package of Go's standard library (and the runtime): the first element of its import path
// has no dot ("runtime", "internal/poll", "syscall"), "main" excepted.
bool go_standard_package(const std::string& package);

}  // namespace lg
