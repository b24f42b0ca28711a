#!/bin/sh
# SPDX-License-Identifier: MIT
# Splits the debug info off an ELF file as Debian's dh_strip does:
#   split-debug.sh OBJCOPY READELF BINARY DEBUG_ROOT
# writes DEBUG_ROOT/.build-id/<first 2 hex digits>/<rest>.debug (compressed debug
# sections), strips BINARY and adds a .gnu_debuglink naming that file.
set -eu
objcopy=$1 readelf=$2 bin=$3 root=$4
id=$(LC_ALL=C "$readelf" -n "$bin" | sed -n 's/^ *Build ID: *\([0-9a-f]*\)$/\1/p')
if [ ${#id} -lt 3 ]; then
  echo "split-debug.sh: $bin has no GNU build-id (link with -Wl,--build-id)" >&2
  exit 1
fi
dir=$root/.build-id/$(echo "$id" | cut -c1-2)
debug=$dir/$(echo "$id" | cut -c3-).debug
mkdir -p "$dir"
"$objcopy" --only-keep-debug --compress-debug-sections=zlib "$bin" "$debug.tmp"
mv "$debug.tmp" "$debug"
"$objcopy" --strip-all --remove-section=.comment "$bin" "$bin.tmp"
"$objcopy" --add-gnu-debuglink="$debug" "$bin.tmp"
mv "$bin.tmp" "$bin"
