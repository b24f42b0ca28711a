#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Formats every C and C++ file of the repository with .clang-format, in place.
set -euo pipefail
cd "$(dirname "$0")/.."
find harness reports bpf targets tests bench -type f \( -name '*.cc' -o -name '*.h' -o -name '*.c' \) -print0 |
  xargs -0 clang-format -i
