#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Configures and builds leakguard into build/ (Release). Used by test.sh and demo.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)"
