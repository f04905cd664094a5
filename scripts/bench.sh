#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every benchmark reproducibly and prints the tables:
#   1. map operations (bench_maps, Google Benchmark): ns per lookup / update,
#      1 and 2 threads, with the kernel's reference figures beside them, and
#      the same operations inside a program under Decade and, when bpf()
#      works, under the running kernel;
#   2. compute programs (bench_compute): native (gcc -O2), Decade's JIT and
#      interpreter, and the kernel's JIT through bpftool when bpf() works;
#   3. verification (bench_verify): time, processed instructions, states and
#      processed instructions per second for large programs;
#   4. user-space probes (bench_uprobe) and the CLI's cold start
#      (bench_coldstart: fresh `decade verify` / `decade run` processes).
# Usage: scripts/bench.sh [BUILD_DIR]
#   BENCH_MIN_TIME   seconds per map case (default 0.2)
#   BENCH_MIN_MS     milliseconds per compute measurement (default 200)
#   BENCH_ONLY       maps | compute | verify | uprobe | coldstart (default all)
#   BENCH_NO_BUILD=1 run the binaries already built
set -euo pipefail
BUILD=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
MIN_TIME=${BENCH_MIN_TIME:-0.2}
MIN_MS=${BENCH_MIN_MS:-200}
ONLY=${BENCH_ONLY:-}

if [ -z "${BENCH_NO_BUILD:-}" ]; then
  cmake --build "$BUILD" --target bench_maps bench_compute bench_verify bench_coldstart bpf_objects bench_kernel_objects >/dev/null
  cmake --build "$BUILD" --target bench_uprobe >/dev/null 2>&1 || true
fi

echo "== machine =="
echo "$(uname -r), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

if [ -z "$ONLY" ] || [ "$ONLY" = maps ]; then
echo "== map operations: ns per operation (CPU time per thread) =="
json=$(mktemp)
trap 'rm -f "$json"' EXIT
"$BUILD/bench/bench_maps" --benchmark_min_time="$MIN_TIME" --benchmark_format=json --benchmark_out="$json" \
  --benchmark_out_format=json >/dev/null
python3 - "$json" <<'PY'
import json, sys
# The kernel's published figures (bpf selftests' map benchmarks, JIT on):
# array lookup inlined by the verifier, hash lookup, hash update.
kernel = {("lookup", "array"): "0.4 (inlined)", ("jit_lookup", "array"): "0.4 (inlined)",
          ("jit_lookup_net", "array"): "0.4 (inlined)", ("lookup", "hash"): "10", ("update", "hash"): "50"}
rows = {}
prog = {}  # in-program operations: (op, map) -> {(engine, threads): ns}
skipped = {}
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    parts = b["name"].split("/")
    t = parts[-1].split(":")[1]
    if parts[0] == "prog_op":
        _, op, kind, engine, _ = parts
        if b.get("error_occurred"):
            skipped[engine] = b.get("error_message", "skipped")
            continue
        prog.setdefault((op, kind), {})[(engine, t)] = b["ns_per_op"]
        continue
    op, kind = parts[0], parts[1]
    # jit_lookup reports ns per lookup inside a program run (ns_per_op), not per run.
    rows.setdefault((op, kind), {})[t] = b.get("ns_per_op", b["cpu_time"])
# The inlined lookup's own cost: the lookup loop minus the same loop without it.
lk, base = rows.get(("jit_lookup", "array"), {}), rows.get(("jit_loop_baseline", "array"), {})
net = {t: max(lk[t] - base[t], 0.0) for t in lk if t in base}
if net:
    rows[("jit_lookup_net", "array")] = net
print(f"{'operation':<14} {'map':<16} {'1 thread':>10} {'2 threads':>10} {'kernel':>14}")
for (op, kind), v in rows.items():
    f = lambda t: f"{v[t]:.1f}" if t in v else "-"
    print(f"{op:<14} {kind:<16} {f('1'):>10} {f('2'):>10} {kernel.get((op, kind), ''):>14}")
if prog:
    print()
    print("in-program: ns per helper call inside an XDP program (bench/map_progs/map_ops.bpf.c),")
    print("the same object under Decade and under the kernel's JIT on this machine (each engine's test-run duration)")
    print(f"{'operation':<14} {'map':<16} {'decade 1T':>10} {'decade 2T':>10} {'kernel 1T':>10} {'kernel 2T':>10}")
    for (op, kind), v in prog.items():
        f = lambda e, t: f"{v[(e, t)]:.1f}" if (e, t) in v else "-"
        print(f"{op:<14} {kind:<16} {f('decade', '1'):>10} {f('decade', '2'):>10} {f('kernel', '1'):>10} {f('kernel', '2'):>10}")
    for engine, why in skipped.items():
        print(f"{engine}: not measured: {why}")
PY
echo
fi

if [ -z "$ONLY" ] || [ "$ONLY" = compute ]; then
  echo "== compute programs: ns per run =="
  "$BUILD/bench/bench_compute" --min-ms "$MIN_MS"
fi

if [ -z "$ONLY" ] || [ "$ONLY" = verify ]; then
  echo
  echo "== verification: best of 3, CPU time =="
  "$BUILD/bench/bench_verify"
fi

if [ -z "$ONLY" ] || [ "$ONLY" = uprobe ]; then
  echo
  echo "== user-space probes: ns per hit, against the kernel's uprobe =="
  if [ -x "$BUILD/bench/bench_uprobe" ]; then
    "$BUILD/bench/bench_uprobe" --benchmark_min_time="$MIN_TIME"
  else
    echo "bench_uprobe not built (needs x86-64 and Google Benchmark)"
  fi
fi

if [ -z "$ONLY" ] || [ "$ONLY" = coldstart ]; then
  echo
  "$BUILD/bench/bench_coldstart" --runs "${BENCH_COLDSTART_RUNS:-200}"
fi
