#!/usr/bin/env bash
# Background imports on Hangfire (docs/decisions/0011), alone: builds Release, starts a private PostgreSQL and
# the published API (its Hangfire servers on, as deployed), then runs the scenario `background_import_1m` of
# bench/SweetsStore.Bench/Scenarios/BackgroundImportScenario.cs: 1,000,000 orders through POST /imports/orders against
# the synchronous import of the same rows in the same run (ratio), the API's peak RSS meanwhile, and its idle CPU
# with the Hangfire servers running. Writes bench/results/background-import/latest.{json,md}. bench/run.sh runs the
# same scenario among all the others.
#   bench/background-import.sh            three alternating pairs, a minute idle
#   bench/background-import.sh --quick    one pair, 20 s idle
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/pg.sh
source bench/lib.sh

quick=()
for arg in "$@"; do
  case $arg in
    --quick) quick=(--quick) ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

started=$(date +%s)
bench_work
bench_build
bench_start_postgres
bench_start_api
mkdir -p "$root/bench/results/background-import"
"${bench[@]}" run "${quick[@]}" --only background_import,idle_cpu --api "$api_url" --db "$connection" --api-pid "$api_pid" \
  --pg-pid "$pg_pid" --wait-quiet "${BENCH_WAIT_QUIET:-0}" --out "$root/bench/results/background-import" --sdk "$(dotnet --version)"
say "done in $(( $(date +%s) - started )) s"
