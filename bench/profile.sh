#!/usr/bin/env bash
# Where the time of the slow scenarios goes. Same set-up as bench/run.sh, but PostgreSQL loads pg_stat_statements
# (statement counts and server time per request) and the API is measured in four configurations on the same data:
#   1. as shipped;  2. per-request log line off;  3. point reads not multiplexed (Database:MultiplexPointReads=false);
#   4. as shipped, with synchronous_commit=off (what waiting for the commit's WAL flush costs).
# Writes bench/results/profile.md.   bench/profile.sh [--quick]
# Environment: BENCH_PG_SETTINGS="-c name=value ..." adds server settings (e.g. auto_explain); BENCH_KEEP=1 keeps logs;
#   BENCH_PROFILE_VARIANTS="1 2 3 4" chooses configurations (default all; 1 always runs first, it loads the data).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/pg.sh
source bench/lib.sh

quick=()
[[ ${1:-} == --quick ]] && quick=(--quick)
out=$root/bench/results/profile.md

bench_work
bench_build
# shellcheck disable=SC2086
bench_start_postgres -c shared_preload_libraries=pg_stat_statements,auto_explain -c pg_stat_statements.track=all ${BENCH_PG_SETTINGS:-}
{
  echo "# Where the time goes (bench/profile.sh)"
  echo
  echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') (stock settings plus pg_stat_statements), .NET $(dotnet --list-runtimes | awk '/NETCore.App/{v=$2} END{print v}'), $(nproc) cores, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo); API, PostgreSQL and the load generator share the cores."
  echo "Generated $(date -u +%Y-%m-%dT%H:%MZ). Every figure below comes from this run."
  echo
} >"$out"

# variant N wanted? (BENCH_PROFILE_VARIANTS; the first always runs)
want() { [[ " ${BENCH_PROFILE_VARIANTS:-1 2 3 4} " == *" $1 "* ]]; }

profile() {
  "${bench[@]}" profile "${quick[@]}" --api "$api_url" --db "$connection" --api-pid "$api_pid" --pg-pid "$pg_pid" --out "$out" "$@"
}

bench_start_api
profile --label "1. API as shipped"
bench_stop_api

if want 2; then
  bench_start_api "Logging__LogLevel__SweetsStore.Api.Infrastructure.RequestLogging=Warning"
  profile --label "2. per-request log line off (Logging:LogLevel:SweetsStore.Api.Infrastructure.RequestLogging=Warning)" --keep-data 1
  bench_stop_api
fi

if want 3; then
  bench_start_api "Database__MultiplexPointReads=false"
  profile --label "3. point reads not multiplexed (Database:MultiplexPointReads=false)" --keep-data 1
  bench_stop_api
fi

if want 4; then
  bench_start_api
  PGPASSWORD=$(cat "$cluster/password") "$PG_BIN/psql" -h 127.0.0.1 -p "$pg_port" -U sweetsstore -d sweetsstore -qtA \
    -c "ALTER SYSTEM SET synchronous_commit = off" -c "SELECT pg_reload_conf()" >/dev/null
  profile --label "4. as shipped, and synchronous_commit=off" --keep-data 1
  bench_stop_api
fi
say "wrote $out"
