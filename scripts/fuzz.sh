#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every libFuzzer target in FUZZ_BUILD for SECONDS each, two at a time.
# With --smoke, a short run (used inside `make test`); otherwise `make fuzz`.
# Exits non-zero when any target finds a crash, leak or timeout.
set -uo pipefail
FUZZ_BUILD=$(cd "${1:-build-fuzz}" && pwd) || { echo "fuzz: no build directory ${1:-build-fuzz}"; exit 1; }
SECONDS_EACH=${2:-60}
MODE=${3:-}
here=$(cd "$(dirname "$0")/.." && pwd)
out="$FUZZ_BUILD/fuzz-runs"
mkdir -p "$out"
targets=$(find "$FUZZ_BUILD/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x 2>/dev/null | sort)
if [ -z "$targets" ]; then echo "fuzz: no targets built"; exit 1; fi
jobs=$(nproc)
run_one() {
  local t=$1 name corpus seeds
  name=$(basename "$t"); name=${name#fuzz_}
  corpus="$out/corpus-$name"; mkdir -p "$corpus"
  seeds="$here/fuzz/corpus/$name"
  local args=(-max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 "$corpus")
  [ -d "$seeds" ] && args+=("$seeds")
  # The smoke run inside `make test` uses a fixed seed, so the same inputs
  # come first on every run; `make fuzz` explores with a random one.
  [ "$MODE" = --smoke ] && args=(-seed=1 "${args[@]}")
  if (cd "$out" && "$t" "${args[@]}") >"$out/$name.log" 2>&1; then
    echo "fuzz $name: ok ($(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$out/$name.log" | grep -o '[0-9]*$') runs in ${SECONDS_EACH}s)"
  else
    echo "fuzz $name: FAILED (see $out/$name.log)"; tail -n 30 "$out/$name.log"; return 1
  fi
}
export -f run_one; export out here SECONDS_EACH MODE
status=0
printf '%s\n' $targets | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} || status=1
[ "$MODE" = --smoke ] && echo "fuzz smoke: $(echo $targets | wc -w) targets, ${SECONDS_EACH}s each"
exit $status
