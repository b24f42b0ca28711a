#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what is missing, builds, runs every test (unit, root and end-to-end).
#   ci/test.sh                   the Release build (build/)
#   ci/test.sh --preset asan     the ASan + UBSan build (build-asan/)
#   ci/test.sh --preset tsan     the ThreadSanitizer build (build-tsan/; see docs/architecture.md)
#   ci/test.sh -L unit           anything else goes to ctest (here: the fast unit tests only)
# As root a skipped test fails the script: every test must run where CI runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
preset=default
if [[ ${1:-} == --preset ]]; then
  preset=${2:?--preset needs a name: default, asan, tsan, debug}
  shift 2
fi
case "$preset" in
  default) dir=build ;;
  *) dir=build-$preset ;;
esac
ci/install-deps.sh
ci/build.sh "$preset"

if [[ $preset == asan ]]; then
  # Leaks and undefined behaviour fail the test that shows them; reports name the line.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi
run=()
if [[ $preset == tsan ]]; then
  # A data race or lock-order inversion makes the test that shows it exit 66.
  export TSAN_OPTIONS=${TSAN_OPTIONS:-second_deadlock_stack=1}
  # TSan's shadow layout needs at most 28 bits of mmap randomisation ("FATAL: ThreadSanitizer:
  # unexpected memory mapping" otherwise, as on kernels that default to 32): without ASLR then.
  if [[ $(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 28) -gt 28 ]]; then
    run=(setarch "$(uname -m)" -R)
  fi
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
"${run[@]}" ctest --test-dir "$dir" --output-on-failure --timeout 600 "$@" 2>&1 | tee "$log" || status=$?
skipped=$(grep -cE '\*\*\*Skipped|\(Skipped\)' "$log" || true)
if [[ $(id -u) -eq 0 && $skipped -gt 0 ]]; then
  echo "test.sh: $skipped tests were skipped although we run as root; every test must run here:" >&2
  grep -E '\(Skipped\)' "$log" >&2 || true
  [[ $status -eq 0 ]] && status=1
fi
exit "$status"
