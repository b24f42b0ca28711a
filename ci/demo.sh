#!/usr/bin/env bash
# Installs what is missing, builds, runs the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/install-deps.sh
ci/build.sh
build/bin/leakguard probe
