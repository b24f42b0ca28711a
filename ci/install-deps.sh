#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages leakguard needs to build, test and run. Idempotent; when
# everything is present it runs no apt-get at all.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  clang llvm libbpf-dev bpftool libelf-dev libdw-dev zlib1g-dev
  libboost-dev libboost-filesystem-dev libpugixml-dev libyaml-cpp-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libxml2-utils iproute2 procps util-linux python3 clang-format
  binutils
  # Go reference targets (targets/go), built offline in GOPATH mode from Debian's packages
  golang-go golang-golang-x-sys-dev golang-github-vishvananda-netns-dev golang-github-cilium-ebpf-dev
)
# Extra packages for optional steps: ci/install-deps.sh --with fuzz|browser|compare
for arg in "$@"; do
  case "$arg" in
    --with=fuzz|fuzz) packages+=(libclang-rt-14-dev) ;;
    --with=browser|browser) packages+=(chromium) ;;
    --with=compare|compare) packages+=(stress-ng) ;;
    --with) ;;
    *) echo "install-deps.sh: unknown option '$arg' (use: fuzz, browser, compare)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps.sh: missing packages: ${missing[*]}; run as root or install them" >&2
  exit 3
fi
echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
