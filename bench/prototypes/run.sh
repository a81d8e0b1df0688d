#!/usr/bin/env bash
# Write-path prototypes at the SQL level (docs/decisions/0016-write-path.md): a private PostgreSQL with
# pg_stat_statements and autovacuum off (each run's vacuum is measured instead), the schema of the migrations loaded
# with the bench's 1M orders and couriers, one schema per design (bench/prototypes/assign/NAME/schema.sql), pgbench
# runs alternating between designs, then COPY of 100k orders into each design. Writes bench/prototypes/results/.
#   bench/prototypes/run.sh [--part assign|import|all] [--rounds N] [--variants a,b2,b2/coalesced8] [--couriers N] ...
#   (the arguments go to `SweetsStore.Bench prototype`; see its --help)
# Environment: PROTO_KEEP=DIR keeps (and reuses) the cluster in DIR, so a second call skips loading and building schemas.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
source scripts/pg.sh
source bench/lib.sh

bench_work
bench_build
if [[ -n ${PROTO_KEEP:-} ]]; then
  mkdir -p "$PROTO_KEEP"
  cluster=$PROTO_KEEP
  trap 'pg_stop "$cluster"; rm -rf "$work"' EXIT
fi
bench_start_postgres -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=top -c autovacuum=off
ConnectionStrings__Postgres="$connection" dotnet "$work/api/SweetsStore.Api.dll" migrate >/dev/null
mkdir -p "$root/bench/prototypes/results"
"${bench[@]}" prototype --db "$connection" --pg-pid "$pg_pid" --pg-bin "$PG_BIN" --dir "$root/bench/prototypes" \
  --out "$root/bench/prototypes/results" "$@"
