#!/usr/bin/env bash
# SweetsStore benchmarks: builds Release, starts a private PostgreSQL (stock, durable settings) and the published API
# on free ports in a temporary folder, runs every scenario, prints a table, writes bench/results/latest.json and
# latest.md, and cleans up (processes and folder) however it ends.
#   bench/run.sh            full run (< 20 min)
#   bench/run.sh --quick    smaller and fewer repetitions (~3 min)
#   bench/run.sh [--quick] --only=idempotency,preview   only the scenarios whose rows start so (no engine); writes
#                           bench/results/only-LIST/latest.{json,md} (commas in LIST become +)
# Environment: BENCH_OUT=DIR writes latest.json and latest.md there instead; BENCH_KEEP=1 keeps the temporary folder (logs of the API and PostgreSQL) for a look afterwards;
#   BENCH_WAIT_QUIET=SECONDS: before each scenario, wait up to this long for other processes on this shared machine
#   to go quiet (default 60, 0 with --quick). How busy others were is recorded with every result either way.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/pg.sh
source bench/lib.sh

quick=()
only=()
out_dir=$root/bench/results
wait_quiet=${BENCH_WAIT_QUIET:-60}
for arg in "$@"; do
  case $arg in
    --quick) quick=(--quick); wait_quiet=${BENCH_WAIT_QUIET:-0} ;;
    --only=*) list=${arg#--only=}; only=(--only "$list"); out_dir=$root/bench/results/only-${list//,/+} ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

out_dir=${BENCH_OUT:-$out_dir}
started=$(date +%s)
bench_work
bench_ensure_wrk
bench_build
say "built in $(( $(date +%s) - started )) s"

# The engine first, while nothing else of ours runs (not with --only: its rows are then left out).
if [[ ${#only[@]} == 0 ]]; then
  "${bench[@]}" engine "${quick[@]}" --out "$work/engine.json" --artifacts "$work/bdn"
fi

say "engine done at $(( $(date +%s) - started )) s"
bench_start_postgres ${BENCH_PG_SETTINGS:-}
bench_start_api
bench_start_api_twin on # the metrics_cost rows' two sides
bench_start_api_twin off

mkdir -p "$root/bench/results"
"${bench[@]}" run "${quick[@]}" --api "$api_url" --db "$connection" --api-pid "$api_pid" --pg-pid "$pg_pid" \
  --api-metrics-on "$api_on_url" --api-metrics-on-pid "$api_on_pid" --api-metrics-off "$api_off_url" --api-metrics-off-pid "$api_off_pid" \
  --wait-quiet "$wait_quiet" --out "$out_dir" --engine "$work/engine.json" --sdk "$(dotnet --version)" "${only[@]}"
say "done in $(( $(date +%s) - started )) s"
