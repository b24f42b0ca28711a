#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configures and builds leakguard. Used by test.sh and demo.sh.
#   ci/build.sh            the Release build in build/
#   ci/build.sh asan       the ASan + UBSan build in build-asan/ (also: tsan, debug)
# LEAKGUARD_WERROR=ON turns warnings into errors, in C++ and BPF (.ci/run sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-default}
args=()
[[ -n ${LEAKGUARD_WERROR:-} ]] && args+=("-DLEAKGUARD_WERROR=${LEAKGUARD_WERROR}")
cmake --preset "$preset" "${args[@]}" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
