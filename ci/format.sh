#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Formats every C and C++ file of the repository with .clang-format, and every Go file
# with gofmt, in place.
set -euo pipefail
cd "$(dirname "$0")/.."
find harness reports bpf targets tests bench -type f \( -name '*.cc' -o -name '*.h' -o -name '*.c' \) -print0 |
  xargs -0 clang-format -i
if command -v gofmt >/dev/null || [[ -x /usr/lib/go/bin/gofmt ]]; then
  "$(command -v gofmt || echo /usr/lib/go/bin/gofmt)" -w targets/go/src
fi
