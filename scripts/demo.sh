#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Decade's showcase, end to end: an XDP packet filter written in C against
# libbpf's headers (demo/packet_filter.bpf.c), compiled by clang-19 during the
# build, inspected, verified, configured through its .rodata, run over the
# sample packets in demo/packets, with verdicts and map contents at the end.
set -euo pipefail
BUILD=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
decade="$BUILD/decade"
obj="$BUILD/bpf/demo/packet_filter.bpf.o"
host="$BUILD/examples/packet_filter_host"
for f in "$decade" "$obj" "$host"; do
  [ -e "$f" ] || { echo "demo: $f is missing; run 'make' first" >&2; exit 1; }
done

step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }

step "The object clang-19 produced: programs and maps" "$decade" prog list "$obj"
step "The verifier proves it safe (processed instructions, states)" "$decade" verify "$obj"
step "One packet from the command line, like bpftool prog run" \
  "$decade" run "$obj" --data-hex demo/packets/01_tcp_syn.hex --repeat 100000
step "The same with ICMP dropped through the .rodata configuration" \
  "$decade" run "$obj" --set drop_icmp=1 --data-hex demo/packets/03_icmp_echo.hex
step "A C++ host embeds it: configure, load, block 203.0.113.0/24, run every sample packet" \
  "$host" --drop-icmp "$obj" demo/packets/*.hex
