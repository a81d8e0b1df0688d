#!/usr/bin/env bash
# runpre.sh TREE PREBUILT OUT [API env NAME=VALUE ...]: bench/run.sh --quick --only=assign_concurrent of TREE's scripts with
# the API and bench published once in PREBUILT/{api,bench} (no rebuild per run); extra env goes to the API only.
set -euo pipefail
tree=$1; pre=$2; out=$3; shift 3
cd "$tree"
root=$PWD
source scripts/pg.sh
source bench/lib.sh
bench_work
if [[ ! -d $pre/api ]]; then
  mkdir -p "$pre"
  dotnet publish SweetsStore.Api -c Release -o "$pre/api" --nologo -clp:ErrorsOnly -v quiet >/dev/null
  dotnet publish bench/SweetsStore.Bench -c Release -o "$pre/bench" --nologo -clp:ErrorsOnly -v quiet >/dev/null
fi
ln -s "$pre/api" "$work/api"
bench=(dotnet "$pre/bench/SweetsStore.Bench.dll")
bench_start_postgres
bench_start_api "$@"
bench_start_api_metrics_off
mkdir -p "$out"
"${bench[@]}" run --quick --api "$api_url" --db "$connection" --api-pid "$api_pid" --pg-pid "$pg_pid" \
  --api-metrics-off "$api_off_url" --api-metrics-off-pid "$api_off_pid" \
  --wait-quiet 0 --out "$out" --sdk "$(dotnet --version)" --only "${ONLY:-assign_concurrent}"
