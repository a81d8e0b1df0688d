#!/usr/bin/env bash
# SweetsStore benchmarks: builds Release, starts a private PostgreSQL (stock, durable settings) and the published API
# on free ports in a temporary folder, runs every scenario, prints a table, writes bench/results/latest.json and
# latest.md, and cleans up (processes and folder) however it ends.
#   bench/run.sh            full run (< 20 min)
#   bench/run.sh --quick    smaller and fewer repetitions (< 3 min)
# Environment: BENCH_KEEP=1 keeps the temporary folder (logs of the API and PostgreSQL) for a look afterwards;
#   BENCH_WAIT_QUIET=SECONDS: before each scenario, wait up to this long for other processes on this shared machine
#   to go quiet (default 60, 10 with --quick). How busy others were is recorded with every result either way.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/pg.sh

quick=()
wait_quiet=${BENCH_WAIT_QUIET:-60}
for arg in "$@"; do
  case $arg in
    --quick) quick=(--quick); wait_quiet=${BENCH_WAIT_QUIET:-10} ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m[bench]\033[0m %s\n' "$*" >&2; }

work=$(mktemp -d /tmp/sweetsstore-bench.XXXXXX)
chmod 755 "$work"
cluster=$work/pg
api_pid=
cleanup() {
  local status=$?
  if [[ -n $api_pid ]] && kill -0 "$api_pid" 2>/dev/null; then
    kill "$api_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$api_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$api_pid" 2>/dev/null || true
  fi
  [[ -f $cluster/pgdata/PG_VERSION ]] && pg_stop "$cluster"
  if [[ ${BENCH_KEEP:-} == 1 ]]; then
    say "kept $work (API log: $work/api.log, PostgreSQL log: $cluster/postgres.log)"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$(date +%s)
say "building (Release)"
dotnet publish src/SweetsStore.Api -c Release -o "$work/api" --nologo -clp:ErrorsOnly -v quiet >/dev/null
dotnet publish bench/SweetsStore.Bench -c Release -o "$work/bench" --nologo -clp:ErrorsOnly -v quiet >/dev/null
bench=(dotnet "$work/bench/SweetsStore.Bench.dll")

# The engine first, while nothing else runs on the machine.
"${bench[@]}" engine "${quick[@]}" --out "$work/engine.json" --artifacts "$work/bdn"

pg_ensure_binaries
pg_init "$cluster"
pg_port=$(pg_free_port)
pg_start "$cluster" "$pg_port"
pg_create_database "$cluster" "$pg_port" sweetsstore
connection=$(pg_connection_string "$cluster" "$pg_port" sweetsstore)
say "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port (stock settings, in $cluster)"

api_port=$(pg_free_port)
while [[ $api_port == "$pg_port" ]]; do api_port=$(pg_free_port); done
# Started as run.sh starts it (server GC), from the published folder.
ConnectionStrings__Postgres=$connection ASPNETCORE_URLS=http://127.0.0.1:$api_port DOTNET_gcServer=${DOTNET_gcServer:-1} \
  dotnet "$work/api/SweetsStore.Api.dll" >"$work/api.log" 2>&1 &
api_pid=$!
for i in $(seq 300); do
  if ! kill -0 "$api_pid" 2>/dev/null; then
    say "the API exited during start-up:"; tail -n 30 "$work/api.log" >&2; exit 1
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$api_port") 2>/dev/null \
    && curl -fsS -o /dev/null "http://127.0.0.1:$api_port/health/ready" 2>/dev/null; then
    break
  fi
  ((i == 300)) && { say "the API was not ready after 60 s"; tail -n 30 "$work/api.log" >&2; exit 1; }
  sleep 0.2
done
say "API (pid $api_pid) ready on 127.0.0.1:$api_port"

mkdir -p "$root/bench/results"
"${bench[@]}" run "${quick[@]}" --api "http://127.0.0.1:$api_port" --db "$connection" --api-pid "$api_pid" \
  --pg-pid "$(head -n 1 "$cluster/pgdata/postmaster.pid")" --wait-quiet "$wait_quiet" \
  --out "$root/bench/results" --engine "$work/engine.json" --sdk "$(dotnet --version)"
say "done in $(( $(date +%s) - started )) s"
