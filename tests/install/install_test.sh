#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The installed package, used as a host would (ctest: install.package):
#   1. cmake --install into a temporary prefix; only public headers and the
#      public symbols are installed and exported;
#   2. the examples built outside the tree with find_package(decade), linked
#      to libdecade.so and libdecade.a (tests/install/consumer), and run;
#   3. hello_c.c compiled with cc and pkg-config, shared and static, and run;
#      packet_filter_host.cpp with c++ and pkg-config;
#   4. add_subdirectory(decade) configured from a host project (configure
#      only: building would compile the library a second time).
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -eu
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/decade-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
obj=$build/bpf/examples/event_counter.bpf.o
filter=$build/bpf/demo/packet_filter.bpf.o
packets=$(ls "$src"/demo/packets/*.hex | sort)
fail() { echo "install_test: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(dirname "$(find "$prefix" -name libdecade.so -print -quit)")
[ -n "$libdir" ] || fail "no libdecade.so installed"
for f in "$libdir/libdecade.a" "$libdir/pkgconfig/decade.pc" "$libdir/cmake/decade/decadeConfig.cmake" \
         "$libdir/cmake/decade/decadeConfigVersion.cmake" "$prefix/bin/decade" \
         "$prefix/share/man/man1/decade.1" "$prefix/share/doc/decade/embedding.md"; do
  [ -e "$f" ] || fail "missing $f"
done
readelf -d "$libdir/libdecade.so" | grep -q 'SONAME.*libdecade\.so\.0' || fail "soname is not libdecade.so.0"
# Headers: include/decade only, nothing of src/.
extra=$(cd "$prefix/include" && find . -type f | grep -v '^\./decade/[a-z_]*\.hp\{0,2\}$' || true)
[ -z "$extra" ] || fail "unexpected headers: $extra"
# Exports: the C API and the public C++ classes, nothing internal.
public='^(decade_|DECADE_0$|_ZN6decade(9BpfObject|10BpfProgram|6BpfMap|10RingBuffer|10PerfBuffer|8FibTable|6IpAddr|11CancelToken|9ProbeLink|7engines|10extensions|15error_code_name|5Error9to_string|19set_jit_stop_signal|15jit_stop_signal))'
public_const='^_ZNK6decade(9BpfObject|10BpfProgram|6BpfMap|10RingBuffer|10PerfBuffer|8FibTable|6IpAddr|11CancelToken|9ProbeLink|5Error9to_string)'
leaked=$(nm -D --defined-only "$libdir/libdecade.so" | awk '{print $3}' | grep -v -E "$public" | grep -v -E "$public_const" || true)
[ -z "$leaked" ] || fail "internal symbols exported: $(echo "$leaked" | head -5)"
# The same without the version script: compiled with -fvisibility=hidden,
# the library's objects give default visibility only to what the headers
# mark DECADE_API, so no other symbol of namespace decade is visible.
visible=$(readelf -sW "$libdir/libdecade.a" | awk '$5 != "LOCAL" && $6 == "DEFAULT" && $7 != "UND" {print $8}' |
  grep -E '^_Z(N|NK|T[VIS]N)6decade' | grep -v -E "$public" | grep -v -E "$public_const" | sort -u || true)
[ -z "$visible" ] || fail "internal symbols with default visibility in libdecade.a: $(echo "$visible" | head -5)"
"$prefix/bin/decade" --version >/dev/null || fail "installed CLI does not run"
export LD_LIBRARY_PATH="$libdir"

# 2. CMake.
cmake -S "$src/tests/install/consumer" -B "$tmp/consumer" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" -DDECADE_EXAMPLES_DIR="$src/examples" >/dev/null
cmake --build "$tmp/consumer" -j 2 >/dev/null
for host in hello_c_shared hello_c_static; do
  "$tmp/consumer/$host" "$obj" | grep -q 'hello_c: ok' || fail "$host"
done
readelf -d "$tmp/consumer/hello_c_shared" | grep -q 'NEEDED.*libdecade\.so\.0' || fail "hello_c_shared: not linked to libdecade.so.0"
readelf -d "$tmp/consumer/hello_c_static" | grep -q 'libdecade' && fail "hello_c_static: linked to libdecade.so"
for host in filter_cxx20_shared filter_cxx23_static; do
  # shellcheck disable=SC2086
  "$tmp/consumer/$host" --drop-icmp "$filter" $packets >"$tmp/$host.out" || fail "$host"
  grep -q '03_icmp_echo.hex *64 bytes  DROP' "$tmp/$host.out" || fail "$host: verdicts"
done

# 3. pkg-config.
export PKG_CONFIG_PATH="$libdir/pkgconfig"
cc -std=c11 -Wall -o "$tmp/hello_pc" "$src/examples/hello_c.c" $(pkg-config --cflags --libs decade)
"$tmp/hello_pc" "$obj" | grep -q 'hello_c: ok' || fail "hello_c (pkg-config, shared)"
static_libs=$(pkg-config --static --libs decade | sed 's/-ldecade\b//')
cc -std=c11 -Wall -o "$tmp/hello_pc_static" "$src/examples/hello_c.c" $(pkg-config --cflags decade) \
  "$libdir/libdecade.a" $static_libs
"$tmp/hello_pc_static" "$obj" | grep -q 'hello_c: ok' || fail "hello_c (pkg-config, static)"
c++ -std=c++20 -o "$tmp/filter_pc" "$src/examples/packet_filter_host.cpp" $(pkg-config --cflags --libs decade)
# shellcheck disable=SC2086
"$tmp/filter_pc" --drop-icmp "$filter" $packets | grep -q '03_icmp_echo.hex *64 bytes  DROP' ||
  fail "packet_filter_host (pkg-config)"

# 4. add_subdirectory, configure only.
cmake -S "$src/tests/install/subdir" -B "$tmp/subdir" -G Ninja -DDECADE_SOURCE="$src" >"$tmp/subdir.log" 2>&1 ||
  { cat "$tmp/subdir.log" >&2; fail "add_subdirectory"; }
grep -q 'decade as a subproject: ok' "$tmp/subdir.log" || fail "add_subdirectory"
echo "install_test: ok"
