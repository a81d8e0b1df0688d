# shellcheck shell=bash
# Shared by bench/run.sh and bench/profile.sh: a temporary folder, a Release build, a private PostgreSQL and the
# published API on free ports, and a cleanup that stops exactly the processes started here.
# Source it from the repository root after scripts/pg.sh.

say() { printf '\033[1m[bench]\033[0m %s\n' "$*" >&2; }

bench_work() {
  work=$(mktemp -d /tmp/sweetsstore-bench.XXXXXX)
  chmod 755 "$work"
  cluster=$work/pg
  api_pid=
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
}

bench_cleanup() {
  local status=$?
  bench_stop_api
  bench_stop_api_twins
  [[ -f $cluster/pgdata/PG_VERSION ]] && pg_stop "$cluster"
  if [[ ${BENCH_KEEP:-} == 1 ]]; then
    say "kept $work (API log: $work/api.log, PostgreSQL log: $cluster/postgres.log)"
  else
    rm -rf "$work"
  fi
  exit "$status"
}

# wrk drives the HTTP GET scenario (a C load generator: the bench's own HttpClient costs the shared cores several
# times more per request). Installed from Debian like PostgreSQL; without it the scenario falls back to HttpClient.
bench_ensure_wrk() {
  command -v wrk >/dev/null 2>&1 && return 0
  say "wrk not found: installing Debian's 'wrk' package with apt-get (needs network and root or sudo)"
  local sudo=
  [[ $(id -u) -ne 0 ]] && sudo=sudo
  { $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2 ||
    { $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
      $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2; }; } ||
    say "installing wrk failed: the GET scenario will use HttpClient"
}

bench_build() {
  say "building (Release)"
  dotnet publish SweetsStore.Api -c Release -o "$work/api" --nologo -clp:ErrorsOnly -v quiet >/dev/null
  dotnet publish bench/SweetsStore.Bench -c Release -o "$work/bench" --nologo -clp:ErrorsOnly -v quiet >/dev/null
  bench=(dotnet "$work/bench/SweetsStore.Bench.dll")
}

# bench_start_postgres [-c name=value ...]: sets pg_port, pg_pid, connection.
bench_start_postgres() {
  pg_ensure_binaries
  pg_init "$cluster"
  pg_port=$(pg_free_port)
  pg_start "$cluster" "$pg_port" "$@"
  pg_create_database "$cluster" "$pg_port" sweetsstore
  connection=$(pg_connection_string "$cluster" "$pg_port" sweetsstore)
  pg_pid=$(head -n 1 "$cluster/pgdata/postmaster.pid")
  say "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port (pid $pg_pid, in $cluster)"
}

# bench_api_env: sets api_env to what every API process of the bench starts with — the environment run.sh gives it
# (server GC, two malloc arenas), loopback trusted, on $api_connection if set, else $connection.
bench_api_env() {
  api_env=(Security__TrustLoopback=true "ConnectionStrings__Postgres=${api_connection:-$connection}"
    "DOTNET_gcServer=${DOTNET_gcServer:-1}" "MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}")
}

# bench_start_api [NAME=VALUE ...]: starts the published API as run.sh does (bench_api_env) with extra environment;
# sets api_port, api_pid, api_url and waits for /health/ready.
bench_start_api() {
  api_port=$(pg_free_port)
  while [[ $api_port == "$pg_port" ]]; do api_port=$(pg_free_port); done
  api_url=http://127.0.0.1:$api_port
  bench_api_env
  env "${api_env[@]}" ASPNETCORE_URLS="$api_url" "$@" \
    dotnet "$work/api/SweetsStore.Api.dll" >>"$work/api.log" 2>&1 &
  api_pid=$!
  local i
  for i in $(seq 300); do
    if ! kill -0 "$api_pid" 2>/dev/null; then
      say "the API exited during start-up:"; tail -n 30 "$work/api.log" >&2; api_pid=; return 1
    fi
    if curl -fsS -o /dev/null "$api_url/health/ready" 2>/dev/null; then
      say "API (pid $api_pid) ready on $api_url"
      return 0
    fi
    sleep 0.2
  done
  say "the API was not ready after 60 s"; tail -n 30 "$work/api.log" >&2
  return 1
}

bench_stop_api() {
  if [[ -n ${api_pid:-} ]] && kill -0 "$api_pid" 2>/dev/null; then
    kill "$api_pid" 2>/dev/null || true
    local i
    for i in $(seq 50); do kill -0 "$api_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$api_pid" 2>/dev/null || true
  fi
  api_pid=
}

# bench_start_api_twin on|off: a fresh process of the same published API on the same database for the metrics_cost rows,
# with metrics on or off (Telemetry__Metrics) and otherwise alike: no Hangfire server (Jobs__Enabled=false: jobs stay
# with the first API), no migration. Both twins start together at the beginning and stay idle until their scenario, so
# the rows compare two processes with the same history (not the first API, which has run the whole bench by then:
# docs/decisions/0015). Sets api_on_url/api_on_pid or api_off_url/api_off_pid; waits for /health/ready.
bench_start_api_twin() {
  local side=$1 metrics port i pid url
  case $side in on) metrics=true ;; off) metrics=false ;; *) say "bench_start_api_twin on|off"; return 2 ;; esac
  port=$(pg_free_port)
  while [[ $port == "$pg_port" || $port == "${api_port:-}" || $port == "${api_on_port:-}" ]]; do port=$(pg_free_port); done
  url=http://127.0.0.1:$port
  bench_api_env
  env "${api_env[@]}" ASPNETCORE_URLS="$url" Telemetry__Metrics=$metrics Jobs__Enabled=false Database__MigrateOnStartup=false \
    dotnet "$work/api/SweetsStore.Api.dll" >>"$work/api-metrics-$side.log" 2>&1 &
  pid=$!
  printf -v "api_${side}_pid" %s "$pid"
  printf -v "api_${side}_url" %s "$url"
  printf -v "api_${side}_port" %s "$port"
  for i in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || { say "the metrics-$side API exited:"; tail -n 30 "$work/api-metrics-$side.log" >&2; printf -v "api_${side}_pid" %s ""; return 1; }
    curl -fsS -o /dev/null "$url/health/ready" 2>/dev/null && { say "API with metrics $side (pid $pid) ready on $url"; return 0; }
    sleep 0.2
  done
  say "the metrics-$side API was not ready after 60 s"; return 1
}

bench_stop_api_twins() {
  local pid i
  for pid in ${api_on_pid:-} ${api_off_pid:-}; do
    kill -0 "$pid" 2>/dev/null || continue
    kill "$pid" 2>/dev/null || true
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  api_on_pid= api_off_pid=
}
