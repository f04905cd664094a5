#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What the run-control stop checks cost the compute programs
# (docs/runtime-control.md): bench_compute of BUILD against the same
# sources built with -DDECADE_BENCH_NO_STOP_CHECKS=ON in NOSTOP_BUILD (the
# engines without the interpreter's back-edge check and without the JIT's
# checks at entries and after calls), each program alternated ROUNDS times
# between the two binaries so both see the same load; the best of each is
# kept. Prints ns per run (CPU time) and with/without ratios, with their
# geometric means, for the JIT and the interpreter.
# Usage: scripts/bench-run-control.sh [BUILD_DIR [NOSTOP_BUILD_DIR]]
#   ROUNDS  alternations per program (default 10)
#   MIN_MS  milliseconds per measurement (default 50)
set -euo pipefail
BUILD=${1:-build}
NOSTOP=${2:-build-nostop}
ROUNDS=${ROUNDS:-10}
MIN_MS=${MIN_MS:-50}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

# The same warning flags as BUILD, so that ccache serves every object the
# option does not change from BUILD's.
werror=$(sed -n 's/^DECADE_WERROR:[A-Z]*=//p' "$BUILD/CMakeCache.txt" 2>/dev/null || true)
[ -f "$NOSTOP/build.ninja" ] || cmake -S . -B "$NOSTOP" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DDECADE_WERROR="$werror" -DDECADE_BENCH_NO_STOP_CHECKS=ON -DDECADE_TESTS=OFF -DDECADE_EXAMPLES=OFF >/dev/null
cmake --build "$BUILD" --target bench_compute >/dev/null
cmake --build "$NOSTOP" --target bench_compute >/dev/null

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
progs=$(ls "$BUILD/bpf/bench/progs/" | sed -n 's/\.bpf\.o$//p')
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for p in $progs; do
  for i in $(seq "$ROUNDS"); do
    for b in "$BUILD" "$NOSTOP"; do
      "$b/bench/bench_compute" --no-kernel --no-load-times --dir "$BUILD/bpf/bench/progs" --only "$p" --trials 2 \
        --min-ms "$MIN_MS" |
        awk -v b="$b" -v p="$p" '$1 == p && !seen { print b, p, $3, $4; seen = 1 }' >>"$out"
    done
  done
done
python3 - "$out" "$BUILD" "$NOSTOP" <<'PY'
import math, sys
best = {}
for line in open(sys.argv[1]):
    b, p, jit, interp = line.split()
    for eng, v in (("jit", jit), ("interp", interp)):
        try:
            x = float(v.rstrip("*"))
        except ValueError:
            continue
        k = (b, p, eng)
        best[k] = min(best.get(k, x), x)
with_, without = sys.argv[2], sys.argv[3]
progs = sorted({p for (_, p, _) in best})
print(f"{'program':<10} {'jit':>9} {'jit-nostop':>11} {'ratio':>7} {'interp':>9} {'interp-nostop':>14} {'ratio':>7}")
ratios = {"jit": [], "interp": []}
for p in progs:
    cells = []
    for eng in ("jit", "interp"):
        a, b = best.get((with_, p, eng)), best.get((without, p, eng))
        r = a / b if a and b else None
        if r: ratios[eng].append(r)
        cells += [f"{a:.0f}" if a else "-", f"{b:.0f}" if b else "-", f"{r:.3f}" if r else "-"]
    print(f"{p:<10} {cells[0]:>9} {cells[1]:>11} {cells[2]:>7} {cells[3]:>9} {cells[4]:>14} {cells[5]:>7}")
gm = lambda v: math.exp(sum(map(math.log, v)) / len(v)) if v else float("nan")
print(f"{'geomean':<10} {'':>9} {'':>11} {gm(ratios['jit']):>7.3f} {'':>9} {'':>14} {gm(ratios['interp']):>7.3f}")
print("ns per run, CPU time, best of all rounds; ratio = with stop checks / without (above 1: what they cost)")
PY
