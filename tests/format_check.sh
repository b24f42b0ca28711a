#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fails, naming the files, when a C or C++ file of the repository differs from what
# clang-format makes of it. Fix with: clang-format -i FILE (or ci/format.sh).
set -uo pipefail
cf=${1:-clang-format}
cd "$(dirname "$0")/.."
bad=()
while IFS= read -r -d '' f; do
  "$cf" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done < <(find harness reports bpf targets tests bench -type f \( -name '*.cc' -o -name '*.h' -o -name '*.c' \) -print0)
if [[ ${#bad[@]} -gt 0 ]]; then
  echo "not formatted by .clang-format (run ci/format.sh): ${bad[*]}"
  exit 1
fi
echo "every C and C++ file is formatted"
