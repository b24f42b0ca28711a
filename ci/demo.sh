#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs what is missing, builds, then runs the bundled demo: scenarios/netns-churn.yaml
# against the reference network tuner, first in its leaky mode, then fixed.
# Exits 0 when leakguard caught the leak (leaky run failed) and passed the fix.
set -uo pipefail
cd "$(dirname "$0")/.."
ci/install-deps.sh || exit $?
ci/build.sh || exit $?

out=${LEAKGUARD_DEMO_OUT:-leakguard-out/demo}
rm -rf "$out"
run() {  # run MODE
  echo
  echo "=== netns-churn against nstuner --mode $1"
  build/bin/leakguard run scenarios/netns-churn.yaml --out "$out/$1" \
    --set "target.command=[nstuner, --mode, $1]"
}
run leaky; leaky=$?
run fixed; fixed=$?

echo
echo "=== demo result"
echo "leaky run: exit $leaky (1 expected: the leak was caught)"
echo "fixed run: exit $fixed (0 expected: every check passed)"
echo "reports:   $out/leaky/netns-churn/report.html, $out/fixed/netns-churn/report.html"
echo "junit:     $out/leaky/netns-churn/junit.xml, $out/fixed/netns-churn/junit.xml"
if [[ $leaky -eq 1 && $fixed -eq 0 ]]; then
  echo "demo: ok"
  exit 0
fi
echo "demo: FAILED (expected leaky=1 fixed=0)"
exit 1
