#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every libFuzzer target in FUZZ_BUILD for SECONDS each, two at a time,
# and ends with a table per target: result, executions, executions per
# second, coverage (libFuzzer's cov: edges and ft: features), corpus size
# and peak RSS. With --smoke, a short run (used inside `make test`);
# otherwise `make fuzz` (FUZZ_SECONDS=3600 for an hour per target).
# DECADE_FUZZ_SKIP (comma-separated shape names) is passed to fuzz_verifier.
# FUZZ_TARGETS (comma-separated names such as verifier,jit_diff) runs only
# those targets, so an hour-per-target campaign can be split across runs;
# FUZZ_JOBS sets how many run at once (default: the number of CPUs).
# FUZZ_TIMEOUT (seconds, default 30) is the wall time after which one input
# counts as a hang: fuzz_verifier may explore 200,000 instructions for one
# input, several seconds under ASan and coverage on a loaded 2-core machine.
# Exits non-zero when any target finds a crash, leak or timeout.
set -uo pipefail
FUZZ_BUILD=$(cd "${1:-build-fuzz}" && pwd) || { echo "fuzz: no build directory ${1:-build-fuzz}"; exit 1; }
SECONDS_EACH=${2:-60}
MODE=${3:-}
here=$(cd "$(dirname "$0")/.." && pwd)
out="$FUZZ_BUILD/fuzz-runs"
mkdir -p "$out"
targets=$(find "$FUZZ_BUILD/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x 2>/dev/null | sort)
if [ -n "${FUZZ_TARGETS:-}" ]; then
  chosen=
  for want in ${FUZZ_TARGETS//,/ }; do
    t="$FUZZ_BUILD/fuzz/fuzz_$want"
    if ! grep -qxF "$t" <<<"$targets"; then echo "fuzz: no target named $want (built: $(basename -a $targets | sed 's/^fuzz_//' | tr '\n' ' '))"; exit 1; fi
    chosen="$chosen $t"
  done
  targets=$(printf '%s\n' $chosen)
fi
if [ -z "$targets" ]; then echo "fuzz: no targets built"; exit 1; fi
jobs=${FUZZ_JOBS:-$(nproc)}
# One table row from a libFuzzer log: the final stats and the last status line.
summarise() {
  local name=$1 result=$2 log=$3 stat last
  stat() { grep -m1 -o "stat::$1: *[0-9]*" "$log" | grep -o '[0-9]*$'; }
  last=$(grep -E '^#[0-9]+' "$log" | grep 'cov:' | tail -n1)
  printf '%-10s %-7s %12s %9s %8s %8s %7s %8s\n' "$name" "$result" "$(stat number_of_executed_units)" \
    "$(stat average_exec_per_sec)" "$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*')" \
    "$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*')" "$(grep -o 'corp: [0-9]*' <<<"$last" | grep -o '[0-9]*')" \
    "$(stat peak_rss_mb)"
}
run_one() {
  local t=$1 name corpus seeds result=ok
  name=$(basename "$t"); name=${name#fuzz_}
  corpus="$out/corpus-$name"; mkdir -p "$corpus"
  seeds="$here/fuzz/corpus/$name"
  local args=(-max_total_time="$SECONDS_EACH" -timeout="${FUZZ_TIMEOUT:-30}" -rss_limit_mb=4096 -print_final_stats=1 "$corpus")
  [ -d "$seeds" ] && args+=("$seeds")
  # The smoke run inside `make test` uses a fixed seed, so the same inputs
  # come first on every run; `make fuzz` explores with a random one.
  [ "$MODE" = --smoke ] && args=(-seed=1 "${args[@]}")
  if (cd "$out" && "$t" "${args[@]}") >"$out/$name.log" 2>&1; then
    echo "fuzz $name: ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$out/$name.log" | grep -o '[0-9]*$') runs in ${SECONDS_EACH}s)"
  else
    result=FAILED
    echo "fuzz $name: FAILED (see $out/$name.log)"; tail -n 30 "$out/$name.log"
  fi
  summarise "$name" "$result" "$out/$name.log" >"$out/$name.summary"
  [ "$result" = ok ]
}
export -f run_one summarise; export out here SECONDS_EACH MODE
for t in $targets; do n=$(basename "$t"); rm -f "$out/${n#fuzz_}.summary"; done
status=0
printf '%s\n' $targets | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} || status=1
[ "$MODE" = --smoke ] && echo "fuzz smoke: $(echo $targets | wc -w) targets, ${SECONDS_EACH}s each"
echo
printf '%-10s %-7s %12s %9s %8s %8s %7s %8s\n' target result execs exec/s cov ft corpus rss_mb
for t in $targets; do n=$(basename "$t"); cat "$out/${n#fuzz_}.summary" 2>/dev/null; done
exit $status
