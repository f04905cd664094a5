#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The real-world measure of docs/corpus.md: BPF programs of public projects
# Decade was never tuned on, built with clang-19, loaded one by one into the
# running kernel (libbpf, scripts/corpus_kload.c) and verified by Decade
# (`decade verify OBJ --prog NAME --grant read-host-memory`, `--type` where
# the section names no type). Prints, per project, how many programs the kernel loads and how
# many of those Decade verifies, then each program the kernel loads and
# Decade does not, with Decade's error. Not part of `make test`: it needs
# the projects' sources and root (bpf()).
#   scripts/corpus_measure.sh SRC [BUILD] [WORK]
# SRC holds one directory per project, named owner+name, each a checkout
# or holding a bare clone in repo/ (the layout of a mirror of fetched
# repositories); projects that are absent are left out. BUILD is the build
# directory (default build), WORK a scratch directory (default
# /tmp/decade-corpus-measure, emptied first). PROJECTS="a+b c+d" measures
# only those.
set -uo pipefail
SRC=${1:?usage: corpus_measure.sh SRC [BUILD] [WORK]}
BUILD=${2:-build}
WORK=${3:-/tmp/decade-corpus-measure}
HERE=$(cd "$(dirname "$0")" && pwd)
DECADE=$(cd "$BUILD" && pwd)/decade
CLANG=${CLANG:-clang-19}
ARCH=$(uname -m)
[ -x "$DECADE" ] || { echo "corpus_measure: $DECADE is not built"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "corpus_measure: needs root (the kernel's side loads programs with bpf())"; exit 1; }

rm -rf "$WORK" && mkdir -p "$WORK/include/gnu" "$WORK/src" "$WORK/obj"
: > "$WORK/include/gnu/stubs-32.h"  # glibc headers under -target bpf (see tests/corpus/include)
bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$WORK/include/vmlinux.h" || exit 1
# Parsing vmlinux.h is most of a tracing program's compile: once, as a
# precompiled header, for the sources of USE_PCH projects that include it.
$CLANG -target bpf -O2 -g -w -D__TARGET_ARCH_${ARCH/x86_64/x86} -x c-header "$WORK/include/vmlinux.h" \
  -o "$WORK/vmlinux.h.pch" || exit 1
cc -O2 -o "$WORK/kload" "$HERE/corpus_kload.c" -lbpf || exit 1

# project: the sources (globs below its root), the flags its build uses
# (paths below its root), the type of programs whose section names none.
declare -A GLOBS FLAGS DEFTYPE USE_PCH
GLOBS[libbpf+libbpf-bootstrap]="examples/c/*.bpf.c examples/rust/*/src/bpf/*.bpf.c"
FLAGS[libbpf+libbpf-bootstrap]="-I@WORK@/include"
USE_PCH[libbpf+libbpf-bootstrap]=1
GLOBS[cilium+ebpf]="examples/*/*.c"
FLAGS[cilium+ebpf]="-Iexamples/headers"
GLOBS[iovisor+bcc]="libbpf-tools/*.bpf.c"
# The running kernel's vmlinux.h, as libbpf-tools' own is generated (CO-RE).
FLAGS[iovisor+bcc]="-I@WORK@/include -Ilibbpf-tools"
USE_PCH[iovisor+bcc]=1
GLOBS[facebookincubator+katran]="katran/lib/bpf/*.c katran/decap/bpf/*.c katran/decap/tc_bpf/*.c"
FLAGS[facebookincubator+katran]="-I. -Ikatran/lib/bpf -Ikatran/lib/linux_includes -Ikatran/decap/bpf -Ikatran/decap/tc_bpf"
GLOBS[xdp-project+bpf-examples]="*/*_kern.c */*.bpf.c */*_bpf.c"
FLAGS[xdp-project+bpf-examples]="-I@WORK@/include -Iheaders -Ilib/install/include -Iinclude"
DEFTYPE[xdp-project+bpf-examples]=xdp
GLOBS[OISF+suricata]="ebpf/*.c"
FLAGS[OISF+suricata]="-Iebpf/include -Iebpf"
DEFTYPE[OISF+suricata]=socket

export_project() {  # $1 project -> prints its source root, or nothing
  local p=$1 dst="$WORK/src/$1"
  local g="$SRC/$p/repo"
  if [ -d "$g" ] && git --git-dir="$g" rev-parse HEAD >/dev/null 2>&1; then
    mkdir -p "$dst"
    # A snapshot may lack its largest blobs: those files are skipped.
    if ! git --git-dir="$g" archive HEAD 2>/dev/null | tar -x -C "$dst" 2>/dev/null; then
      local tops=() t
      for t in ${GLOBS[$p]}; do [[ ${t%%/*} == *[*?]* ]] || tops+=("${t%%/*}"); done
      git --git-dir="$g" ls-tree -r HEAD -- "${tops[@]}" | while read -r mode kind sha path; do
        [ "$kind" = blob ] || continue
        mkdir -p "$dst/$(dirname "$path")"
        if [ "$mode" = 120000 ]; then
          ln -sf "$(git --git-dir="$g" cat-file blob "$sha" 2>/dev/null)" "$dst/$path"
        else
          git --git-dir="$g" cat-file blob "$sha" > "$dst/$path" 2>/dev/null || rm -f "$dst/$path"
        fi
      done
    fi
    echo "$dst"
  elif [ -d "$SRC/$p" ]; then
    echo "$SRC/$p"
  fi
}

# Decade's verdict on each program the kernel loaded ($WORK/kernel.txt) as
# NAME<TAB>accepted or NAME<TAB>ERROR: one `decade verify --json` for the
# object, else (a program needing --type, or an error that stops the whole
# object) one call per program. Root's bpftool has CAP_PERFMON: the
# tracing helpers that read memory are granted.
verdicts() {
  local o=$1 out
  if ! grep -q $'\t+' "$WORK/kernel.txt" &&
     out=$("$DECADE" verify "$o" --grant read-host-memory --json 2>/dev/null; true) && [ "${out:0:1}" = "[" ]; then
    printf '%s\n' "$out" | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    e = r.get("error", {})
    print(r["program"] + "\t" + ("accepted" if r["accepted"] else "E%03d %s at insn %s: %s" % (
        e["code"], e["name"], e["insn"], e["message"][:150])))'
    return
  fi
  while IFS=$'\t' read -r name sec type verdict reason; do
    [ "$verdict" = ok ] || continue
    local targs=()
    [[ $type == +* ]] && targs=(--type "${type#+}")
    if out=$("$DECADE" verify "$o" --prog "$name" --grant read-host-memory "${targs[@]}" 2>&1); then
      printf '%s\taccepted\n' "$name"
    else
      printf '%s\t%s\n' "$name" "$(printf '%s\n' "$out" | grep -m1 -o 'E[0-9]\{3\} [A-Za-z]*.*' | cut -c1-200)"
    fi
  done < "$WORK/kernel.txt"
}

printf '%-28s %8s %9s %8s %8s %8s %7s\n' project sources built programs kernel decade share
: > "$WORK/failures.txt"
tk=0; td=0
for p in ${PROJECTS:-libbpf+libbpf-bootstrap cilium+ebpf iovisor+bcc facebookincubator+katran xdp-project+bpf-examples OISF+suricata}; do
  root=$(export_project "$p")
  [ -n "$root" ] || continue
  flags=${FLAGS[$p]//@WORK@/$WORK}
  nsrc=0; nbuilt=0; nprog=0; nk=0; nd=0
  for g in ${GLOBS[$p]}; do
    for f in $(cd "$root" && compgen -G "$g"); do
      nsrc=$((nsrc + 1))
      o="$WORK/obj/$p/${f//\//_}.o"
      mkdir -p "$WORK/obj/$p"
      pch=()
      [ -n "${USE_PCH[$p]:-}" ] && grep -q 'vmlinux\.h' "$root/$f" && pch=(-include-pch "$WORK/vmlinux.h.pch")
      (cd "$root" && $CLANG -target bpf -O2 -g -w -D__TARGET_ARCH_${ARCH/x86_64/x86} -I"$WORK/include/.." \
         -I"$WORK/include" -I/usr/include/$ARCH-linux-gnu $flags "${pch[@]}" -I"$(dirname "$f")" -c "$f" -o "$o") \
         2>>"$WORK/compile-errors.txt" || continue
      nbuilt=$((nbuilt + 1))
      "$WORK/kload" "$o" ${DEFTYPE[$p]:-} > "$WORK/kernel.txt"
      verdicts "$o" > "$WORK/decade.txt"
      while IFS=$'\t' read -r name sec type verdict reason; do
        [ "$name" = - ] && continue
        nprog=$((nprog + 1))
        [ "$verdict" = ok ] || continue
        nk=$((nk + 1))
        why=$(awk -F'\t' -v n="$name" '$1 == n { print $2; exit }' "$WORK/decade.txt")
        # Not in the object's report (a "?sec" program is not autoloaded): on its own.
        [ -n "$why" ] || why=$("$DECADE" verify "$o" --prog "$name" --grant read-host-memory >/dev/null 2>"$WORK/err.txt" &&
                               echo accepted || grep -m1 -o 'E[0-9]\{3\} [A-Za-z]*.*' "$WORK/err.txt" | cut -c1-200)
        if [ "$why" = accepted ]; then
          nd=$((nd + 1))
        else
          printf '%s\t%s\t%s\t%s\t%s\n' "$p" "$f" "$name" "$sec" "${why:-no verdict}" >> "$WORK/failures.txt"
        fi
      done < "$WORK/kernel.txt"
    done
  done
  tk=$((tk + nk)); td=$((td + nd))
  share=$([ $nk -gt 0 ] && awk "BEGIN{printf \"%.1f%%\", 100*$nd/$nk}" || echo -)
  printf '%-28s %8d %9d %8d %8d %8d %7s\n' "$p" "$nsrc" "$nbuilt" "$nprog" "$nk" "$nd" "$share"
done
printf '%-28s %8s %9s %8s %8d %8d %7s\n' total "" "" "" "$tk" "$td" \
  "$([ $tk -gt 0 ] && awk "BEGIN{printf \"%.1f%%\", 100*$td/$tk}" || echo -)"
echo
echo "programs the kernel loads and Decade does not (project, source, program, section, Decade's error):"
cat "$WORK/failures.txt"
