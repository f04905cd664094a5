#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages Decade needs, skipping what is already there.
# Idempotent. Without root it prints the apt-get line and exits non-zero.
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkg-config ccache
  clang-19 llvm-19 lld-19 libclang-rt-19-dev clang-22
  libelf-dev zlib1g-dev libfmt-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libasmjit-dev libzydis-dev
  bpftool dwarves libbpf-dev linux-libc-dev systemtap-sdt-dev
  python3
  linux-source-6.12
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages; run as root:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if ! apt-get install -y -qq "${missing[@]}"; then
  # Optional: clang-22 comes from bookworm-security (jump-table tests skip
  # without it); linux-source-6.12 (the kernel's verifier selftests, from
  # bookworm-security or -backports) only feeds `make selftests-verifier`
  # and its ctest slice, which skip without it.
  rest=()
  for p in "${missing[@]}"; do [ "$p" != clang-22 ] && [ "$p" != linux-source-6.12 ] && rest+=("$p"); done
  apt-get install -y -qq "${rest[@]}"
  for p in clang-22 linux-source-6.12; do
    apt-get install -y -qq "$p" || echo "install-deps: $p unavailable; tests that need it will be skipped" >&2
  done
fi
