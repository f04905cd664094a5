#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make selftests-verifier`: the kernel's verifier selftests
# (tools/testing/selftests/bpf/progs/verifier_*.c of Debian's
# linux-source-6.12) built with clang-19 and the selftests' own flags, then
# every test program verified one at a time by `decade verify OBJ --prog
# NAME` and, where bpf() works, loaded by the running kernel; prints the
# agreement table (tests/selftests/ explains the columns).
#   scripts/selftests_verifier.sh [BUILD] [--files a,b,...] [TOOL OPTIONS...]
# --files keeps only those files (names without verifier_ and .c). Other
# options go to decade_selftests (--strict, --list, --no-kernel, ...).
# Exits 77 (ctest's skip) with a message where the sources, clang-19,
# bpftool or /sys/kernel/btf/vmlinux are missing.
set -uo pipefail
BUILD=${1:-build}
shift $(( $# < 1 ? $# : 1 ))
files=""
if [ "${1:-}" = "--files" ]; then files=$2; shift 2; fi
TARBALL=${SELFTESTS_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
CLANG=${SELFTESTS_CLANG:-clang-19}
ST="$BUILD/selftests"
SRC="$ST/src/linux-source-6.12"
skip() { echo "selftests-verifier: SKIP: $*"; exit 77; }

[ -f "$TARBALL" ] || skip "$TARBALL is missing (apt-get install linux-source-6.12)"
command -v "$CLANG" >/dev/null || skip "$CLANG is missing"
command -v bpftool >/dev/null || skip "bpftool is missing"
[ -r /sys/kernel/btf/vmlinux ] || skip "/sys/kernel/btf/vmlinux is missing (kernel without BTF): no vmlinux.h"
for t in decade decade_selftests; do
  [ -x "$BUILD/$t" ] || { echo "selftests-verifier: $BUILD/$t is not built"; exit 1; }
done

# Only what the tests need: the test sources and headers, the tools/ copies
# of the uapi and filter.h headers, libbpf's headers (as <bpf/...>) and
# the script that generates its helper declarations; libbpf's sources for
# the kernel side, which must know every section the tests use (the
# system's libbpf may be older than the tests).
if [ ! -e "$ST/.unpacked" ] || [ "$TARBALL" -nt "$ST/.unpacked" ]; then
  echo "selftests-verifier: unpacking the selftests from $TARBALL"
  rm -rf "$ST/src" "$ST/include" && mkdir -p "$ST/src" "$ST/include/bpf"
  p=linux-source-6.12
  tar -xJf "$TARBALL" -C "$ST/src" --no-wildcards-match-slash --wildcards \
      "$p/tools/testing/selftests/bpf/progs/verifier_*.c" "$p/tools/testing/selftests/bpf/progs/*.h" \
      "$p/tools/testing/selftests/bpf/*.h" "$p/tools/lib/bpf/*.[ch]" "$p/tools/include" \
      "$p/tools/arch/x86/include" \
      "$p/scripts/bpf_doc.py" \
    || { echo "selftests-verifier: unpacking failed"; exit 1; }
  cp "$SRC"/tools/lib/bpf/*.h "$ST/include/bpf/"
  # libbpf's build generates bpf_helper_defs.h from the uapi header's comments.
  python3 "$SRC/scripts/bpf_doc.py" --header --file "$SRC/tools/include/uapi/linux/bpf.h" \
    > "$ST/include/bpf/bpf_helper_defs.h" || { echo "selftests-verifier: bpf_doc.py failed"; exit 1; }
  # glibc's headers pick stubs-32.h for a target without __x86_64__ (bpf);
  # it only lists unimplemented functions, so an empty one serves.
  mkdir -p "$ST/include/gnu" && : > "$ST/include/gnu/stubs-32.h"
  touch "$ST/.unpacked"
fi
# The running kernel's types; dumped once per boot of a new kernel.
if [ ! -s "$ST/include/vmlinux.h" ] || [ /sys/kernel/btf/vmlinux -nt "$ST/include/vmlinux.h" ]; then
  bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$ST/include/vmlinux.h.tmp" \
    && mv "$ST/include/vmlinux.h.tmp" "$ST/include/vmlinux.h" || skip "bpftool could not dump /sys/kernel/btf/vmlinux"
fi

# The selftests Makefile's BPF_CFLAGS and CLANG_SYS_INCLUDES, with the
# cpu-v4 runner's -mcpu=v4 and test_progs' -DENABLE_ATOMICS_TESTS. -Werror
# is left out: a warning of a newer clang must not lose a whole file.
sys_includes=$("$CLANG" -v -E - </dev/null 2>&1 | sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
sel="$SRC/tools/testing/selftests/bpf"
CFLAGS="-g -O2 --target=bpf -mcpu=v4 -Wall -D__TARGET_ARCH_x86 -mlittle-endian -I$ST/include -I$sel \
 -I$SRC/tools/include/uapi -I$SRC/tools/include -Wno-compare-distinct-pointer-types -DENABLE_ATOMICS_TESTS $sys_includes"
mkdir -p "$ST/obj"
srcs=()
for c in "$sel"/progs/verifier_*.c; do
  n=$(basename "$c" .c)
  if [ -n "$files" ] && [[ ",$files," != *",${n#verifier_},"* ]]; then continue; fi
  srcs+=("$c")
done
[ ${#srcs[@]} -gt 0 ] || { echo "selftests-verifier: no file matches --files $files"; exit 1; }
export CLANG CFLAGS ST
printf '%s\n' "${srcs[@]}" | xargs -P "$(nproc)" -I{} sh -c '
  o="$ST/obj/$(basename {} .c).o"
  [ "$o" -nt {} ] && exit 0
  $CLANG $CFLAGS -c {} -o "$o.tmp" 2>"$o.log" && mv "$o.tmp" "$o" || { rm -f "$o" "$o.tmp"; echo "selftests-verifier: $(basename {}) does not compile (see $o.log)"; }'
# The kernel side: tests/selftests/kernel_verdicts.c on this tree's libbpf.
KV="$ST/selftests_kernel_verdicts"
kv_src="$(cd "$(dirname "$0")/.." && pwd)/tests/selftests/kernel_verdicts.c"
if [ ! -x "$KV" ] || [ "$kv_src" -nt "$KV" ] || [ "$ST/.unpacked" -nt "$KV" ]; then
  mkdir -p "$ST/libbpf" "$ST/uapi" && ln -sfn "$(cd "$SRC/tools/include/uapi/linux" && pwd)" "$ST/uapi/linux"
  lb="$SRC/tools/lib/bpf"
  export LB_FLAGS="-O1 -I$lb -I$SRC/tools/include -I$ST/uapi -I$SRC/tools/arch/x86/include -D_LARGEFILE64_SOURCE -D_FILE_OFFSET_BITS=64 -D_GNU_SOURCE"
  ls "$lb"/*.c | xargs -P "$(nproc)" -I{} sh -c 'cc $LB_FLAGS -w -c {} -o "$ST/libbpf/$(basename {} .c).o"' \
    && cc -O1 -Wall -o "$KV" "$kv_src" -I"$ST/include" -I"$ST/uapi" "$ST"/libbpf/*.o -lelf -lz \
    || { echo "selftests-verifier: building libbpf and $KV failed"; exit 1; }
fi

objs=()
for c in "${srcs[@]}"; do
  o="$ST/obj/$(basename "$c" .c).o"
  [ -f "$o" ] && objs+=("$o")
done
"$BUILD/decade_selftests" --decade "$BUILD/decade" --kernel "$KV" --sources "${#srcs[@]}" "$@" "${objs[@]}"
