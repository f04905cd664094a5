#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make fuzz-triage`: programs of the soundness generator that Decade
# accepts, loaded into the running kernel through bpf(); the ones the kernel
# rejects are grouped by its verifier's message in BUILD/kernel-triage.md,
# one example input each under BUILD/kernel-triage/. A report, not a test:
# the kernel is stricter on purpose in places. Skips, saying so, where bpf()
# is refused (not root, no CAP_BPF, a seccomp filter, no kernel support).
#   scripts/kernel_triage.sh [BUILD] [COUNT] [--corpus DIR]
set -uo pipefail
BUILD=${1:-build}
COUNT=${2:-20000}
shift $(( $# < 2 ? $# : 2 ))
tool="$BUILD/decade_kernel_triage"
[ -x "$tool" ] || { echo "kernel triage: $tool is not built (cmake --build $BUILD --target decade_kernel_triage)"; exit 1; }
rm -rf "$BUILD/kernel-triage"
"$tool" --count "$COUNT" --report "$BUILD/kernel-triage.md" --examples "$BUILD/kernel-triage" "$@"
