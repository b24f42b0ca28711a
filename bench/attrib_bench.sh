#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What attribution costs a target, measured the way a user gets it: build/bin/openloop (a
# standalone open+close loop) run raw, as the target of `leakguard run` with attribution off
# and on, and under `valgrind --track-fds=yes`; and what it costs a process outside the
# target while leakguard tracks another one. Prints medians of REPS runs (default 5) and the
# ratios, plus the machine's load. Needs root and a build (ci/build.sh).
#   sudo bench/attrib_bench.sh [COUNT]        COUNT open+close pairs per run (default 200000)
set -euo pipefail
cd "$(dirname "$0")/.."
B=$PWD/build/bin
N=${1:-200000}
REPS=${REPS:-5}
OUT=$(mktemp -d /tmp/attrib-bench-XXXXXX)
trap 'rm -rf "$OUT"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]; else print "nan"}'; }
rate() { grep -o '[0-9]* pairs/s' | head -1 | awk '{print $1}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

cat >"$OUT/loop.yaml" <<EOF
name: openloop
target:
  command: [openloop, "$N", --linger]
  ready: {stdout: "pairs/s", timeout: 600s}
phases:
  - name: idle
    duration: 100ms
checks:
  - metric: fd.total
    max: 1000000
EOF

echo "machine: $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
raw=$(for i in $(seq "$REPS"); do "$B/openloop" "$N" | rate; done | median)
echo "raw openloop, $N pairs: $raw pairs/s (median of $REPS)"

through() {  # $1: on|off
  for i in $(seq "$REPS"); do
    "$B/leakguard" run "$OUT/loop.yaml" --out "$OUT/run" --quiet --attribution "$1" >/dev/null 2>&1 || true
    rate <"$OUT/run/openloop/target.stdout.log"
  done | median
}
off=$(through off)
on=$(through on)
echo "leakguard run, attribution off: $off pairs/s ($(ratio "$off" "$raw")x raw)"
echo "leakguard run, attribution on:  $on pairs/s ($(ratio "$on" "$raw")x raw, $(ratio "$on" "$off")x off)"

# A process outside the target while leakguard tracks another target (idle, lingering).
cat >"$OUT/idle.yaml" <<EOF
name: idle
target:
  command: [openloop, "1", --linger]
  ready: {stdout: "pairs/s", timeout: 10s}
phases:
  - name: idle
    duration: 600s
checks:
  - metric: fd.total
    max: 1000000
EOF
"$B/leakguard" run "$OUT/idle.yaml" --out "$OUT/idle" --quiet --attribution on >/dev/null 2>&1 &
LG=$!
sleep 3
outside=$(for i in $(seq "$REPS"); do "$B/openloop" "$N" | rate; done | median)
kill -INT "$LG" 2>/dev/null || true
wait "$LG" 2>/dev/null || true
echo "outside the target while leakguard tracks another: $outside pairs/s ($(ratio "$outside" "$raw")x raw)"

# valgrind --track-fds=yes on the same loop with a leak (every 1,000th fd kept), fewer pairs.
if command -v valgrind >/dev/null; then
  V=$((N / 10))
  vraw=$(for i in $(seq 3); do "$B/openloop" "$V" --leak 1000 | rate; done | median)
  vg=$(for i in $(seq 3); do valgrind -q --track-fds=yes --log-file="$OUT/vg.log" "$B/openloop" "$V" --leak 1000 | rate; done | median)
  echo "valgrind --track-fds=yes, $V pairs with a leak every 1,000: $vg pairs/s ($(ratio "$vg" "$vraw")x raw $vraw)"
  echo "  valgrind names: $(grep -m1 -o 'open_one (openloop.c:[0-9]*)' "$OUT/vg.log" || echo '?') ($(grep -c 'Open file descriptor' "$OUT/vg.log") fds reported at exit)"
  sed -i "s/command: \[openloop, \"$N\", --linger\]/command: [openloop, \"$V\", --leak, \"1000\", --linger]/" "$OUT/loop.yaml"
  "$B/leakguard" run "$OUT/loop.yaml" --out "$OUT/leak" --quiet --attribution on >/dev/null 2>&1 || true
  lrate=$(rate <"$OUT/leak/openloop/target.stdout.log")
  echo "leakguard run, attribution on, same leak: $lrate pairs/s ($(ratio "$lrate" "$vraw")x raw)"
  echo "  leakguard names: $(grep -o 'created at open_one (openloop.c:[0-9]*)' "$OUT/leak/openloop/attribution.json" | head -1 || echo '?')"
fi
