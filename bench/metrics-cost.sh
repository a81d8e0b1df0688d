#!/usr/bin/env bash
# What metrics cost (docs/decisions/0015), alone: builds Release, starts a private PostgreSQL, the published API and
# two more processes of it that differ only in Telemetry__Metrics (on as shipped, off; no Hangfire server), loads the
# 1M pool and the GET scenario's couriers through the first, then runs the rows metrics_cost_get_courier and metrics_cost_assign_concurrent of
# bench/SweetsStore.Bench/Scenarios/MetricsCostScenario.cs (runs alternate between the two processes). Writes
# bench/results/metrics-cost/latest.{json,md}. bench/run.sh runs the same rows among all the others.
#   bench/metrics-cost.sh            five alternating pairs, 10 s per GET run
#   bench/metrics-cost.sh --quick    two pairs, 4 s per GET run
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
bench_ensure_wrk
bench_build
bench_start_postgres
bench_start_api
bench_start_api_twin on
bench_start_api_twin off
mkdir -p "$root/bench/results/metrics-cost"
"${bench[@]}" run "${quick[@]}" --only metrics_cost --api "$api_url" --db "$connection" --api-pid "$api_pid" --pg-pid "$pg_pid" \
  --api-metrics-on "$api_on_url" --api-metrics-on-pid "$api_on_pid" --api-metrics-off "$api_off_url" --api-metrics-off-pid "$api_off_pid" \
  --wait-quiet "${BENCH_WAIT_QUIET:-0}" --out "$root/bench/results/metrics-cost" --sdk "$(dotnet --version)"
say "done in $(( $(date +%s) - started )) s"
