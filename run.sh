#!/usr/bin/env bash
# Starts SweetsStore; ./run.sh --help says how.
set -euo pipefail
cd "$(dirname "$0")"

usage() {
  cat <<'USAGE'
Usage: ./run.sh [--stop | --reset [--yes] | --help]

  ./run.sh               build the API (Release) and run it in the foreground at http://127.0.0.1:$PORT, on a
                         private PostgreSQL cluster under .data/ (created on first run, reused after), or on the
                         database in ConnectionStrings__Postgres when that is set. Ctrl-C stops the API; the
                         cluster keeps running. The API's log goes to the terminal and to .data/api.log.
  ./run.sh --stop        stop what ./run.sh started with this data folder: the API, then the private cluster.
  ./run.sh --reset       delete the private cluster and all its data, after asking; the next ./run.sh starts on
                         an empty database. --yes skips the question (needed without a terminal).
  ./run.sh --help        this text.

Environment:
  PORT                         API port (8080)
  SWEETSSTORE_DATA             cluster, build and log folder (./.data)
  SWEETSSTORE_LOG_MB           size at which .data/api.log is moved to .data/api.log.1 (10)
  ConnectionStrings__Postgres  use this database instead of the private cluster
  Security__TrustLoopback      requests straight from loopback may use the operator endpoints without a key:
                               true here with the private cluster, false otherwise (Security__ApiKey for a key)
  Logging__Console__FormatterName  simple (text) or json; text when run in a terminal, else json
Logs: the API's in .data/api.log (and the terminal), PostgreSQL's in .data/pg/postgres.log.
USAGE
}

action=run yes=
for arg in "$@"; do
  case $arg in
    -h | --help) usage; exit 0 ;;
    --stop) action=stop ;;
    --reset) action=reset ;;
    -y | --yes) yes=1 ;;
    *) echo "run.sh: unknown option '$arg' (./run.sh --help lists them)" >&2; exit 2 ;;
  esac
done
if [[ -n $yes && $action != reset ]]; then
  echo "run.sh: --yes goes with --reset (./run.sh --help)" >&2
  exit 2
fi

source scripts/pg.sh
data=${SWEETSSTORE_DATA:-$PWD/.data}
cluster=$data/pg
port=${PORT:-8080}
if ! [[ $port =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
  echo "run.sh: PORT must be a TCP port number (1-65535), not '$port'" >&2
  exit 2
fi
# Set but empty is a command that should have printed a connection string and failed (e.g.
# ConnectionStrings__Postgres="$(scripts/ha-local.sh connection-string)" before the pair exists): say so rather than
# run on the private cluster while the user believes otherwise.
if [[ $action == run && -n ${ConnectionStrings__Postgres+set} && -z ${ConnectionStrings__Postgres//[[:space:]]/} ]]; then
  echo "run.sh: ConnectionStrings__Postgres is set but empty (did the command that prints it fail?); give it a connection string, or unset it for the private cluster" >&2
  exit 2
fi
log_mb=${SWEETSSTORE_LOG_MB:-10}
if [[ $action == run ]] && { ! [[ $log_mb =~ ^[0-9]{1,6}$ ]] || ((10#$log_mb < 1)); }; then
  echo "run.sh: SWEETSSTORE_LOG_MB must be a whole number of megabytes from 1 to 999999, not '$log_mb'" >&2
  exit 2
fi

# One ./run.sh per data folder: it holds an exclusive lock on $data/run.lock (fd 9) from start to exit, handed on to
# the API process it becomes. $data/run.pid names the process to stop.
take_lock() {
  exec 9>>"$data/run.lock"
  flock -n 9
}
running_pid() { # the pid in run.pid, if that process is ./run.sh or the API it started
  local pid
  pid=$(cat "$data/run.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] && grep -qaE 'SweetsStore\.Api\.dll|run\.sh' "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}
cluster_running() {
  [[ -f $cluster/pgdata/postmaster.pid ]] || return 1
  pg_ensure_binaries
  pg_as_owner "$PG_BIN/pg_ctl" -D "$cluster/pgdata" status >/dev/null 2>&1
}

if [[ $action == stop ]]; then
  stopped=
  if [[ -d $data ]] && ! take_lock; then
    if pid=$(running_pid); then
      echo "stopping the API (pid $pid)..."
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 350); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then
        echo "the API (pid $pid) did not stop within 35 s" >&2
        exit 1
      fi
      echo "API stopped"
      stopped=1
    fi
  fi
  if cluster_running; then
    pg_stop "$cluster"
    echo "private PostgreSQL stopped ($cluster)"
    stopped=1
  fi
  [[ -n $stopped ]] || echo "nothing was running: no API started by ./run.sh and no private PostgreSQL in $data"
  exit 0
fi

if [[ $action == reset ]]; then
  if [[ ! -d $cluster ]]; then
    echo "no private PostgreSQL cluster in $cluster: nothing to reset"
    exit 0
  fi
  if ! take_lock; then
    echo "run.sh: the API is running on this cluster (pid $(running_pid || echo '?')); stop it first: ./run.sh --stop" >&2
    exit 1
  fi
  [[ -n ${ConnectionStrings__Postgres:-} ]] &&
    echo "note: --reset deletes only the private cluster; the database in ConnectionStrings__Postgres is not touched"
  if [[ -z $yes ]]; then
    if [[ ! -t 0 ]]; then
      echo "run.sh: --reset asks before deleting, and there is no terminal to ask: ./run.sh --reset --yes" >&2
      exit 2
    fi
    read -r -p "Delete the private PostgreSQL cluster in $cluster with all its couriers, orders and imports? Type yes: " answer
    if [[ $answer != yes ]]; then
      echo "nothing deleted"
      exit 1
    fi
  fi
  cluster_running && pg_stop "$cluster"
  rm -rf "$cluster"
  echo "private PostgreSQL cluster deleted; the next ./run.sh creates an empty one"
  exit 0
fi

# ---- run
mkdir -p "$data"
data=$(cd "$data" && pwd)
cluster=$data/pg
chmod 755 "$data"
if ! take_lock; then
  echo "run.sh: ./run.sh is already running with $data (pid $(running_pid || echo '?')); stop it first (Ctrl-C there, or ./run.sh --stop)" >&2
  exit 1
fi
echo $$ >"$data/run.pid"
# Checked before anything is built: the running API's files are in $data/app.
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "run.sh: port $port is in use by another program; stop it or choose another port: PORT=$((port == 18080 ? 18081 : 18080)) ./run.sh" >&2
  rm -f "$data/run.pid"
  exit 1
fi

if [[ -z ${ConnectionStrings__Postgres:-} ]]; then
  pg_ensure_binaries
  [[ -f $cluster/pgdata/PG_VERSION ]] || pg_say "creating a private PostgreSQL cluster in $cluster"
  pg_init "$cluster"
  pgport=$(cat "$cluster/port" 2>/dev/null || true)
  if ! pg_as_owner "$PG_BIN/pg_ctl" -D "$cluster/pgdata" status >/dev/null 2>&1; then
    if [[ -z $pgport ]] || (exec 3<>"/dev/tcp/127.0.0.1/$pgport") 2>/dev/null; then
      pgport=$(pg_free_port)
    fi
    echo "$pgport" >"$cluster/port"
    pg_start "$cluster" "$pgport" 9>&- # the server outlives this script: it must not hold the lock
  fi
  pg_create_database "$cluster" "$pgport" sweetsstore
  ConnectionStrings__Postgres=$(pg_connection_string "$cluster" "$pgport" sweetsstore)
  export ConnectionStrings__Postgres
  # Only this process and its own cluster, on loopback: requests from this machine may start imports without a key.
  export Security__TrustLoopback=${Security__TrustLoopback:-true}
  pg_say "PostgreSQL: 127.0.0.1:$pgport (private cluster in $cluster; its log: $cluster/postgres.log)"
else
  pg_say "PostgreSQL: the database in ConnectionStrings__Postgres"
fi

echo "building SweetsStore (Release)..."
# 9>&-: build servers it starts outlive it and must not hold the lock.
dotnet publish SweetsStore.Api -c Release -o "$data/app" --nologo -clp:ErrorsOnly >/dev/null 9>&-

base=http://127.0.0.1:$port
cat <<INFO

SweetsStore is starting at $base
  API        $base/couriers, $base/orders
  Swagger UI $base/swagger   (document: $base/swagger/v1/swagger.json)
  Dashboard  $base/dashboard
  Jobs       $base/hangfire   (Hangfire's dashboard)
  Health     $base/health/live   $base/health/ready
  Logs       $data/api.log (also here), $cluster/postgres.log
Ctrl-C stops the API (the private PostgreSQL keeps running: ./run.sh --stop).

INFO
export ASPNETCORE_URLS=$base
export DOTNET_gcServer=${DOTNET_gcServer:-1}
# glibc's malloc: two arenas, not 8 per core (the runtime's native allocations otherwise keep ~25-45 MiB more resident
# in a long-running process; docs/decisions/0016, "glibc's malloc arenas").
export MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2}
if [[ -t 1 && -z ${Logging__Console__FormatterName:-} ]]; then
  export Logging__Console__FormatterName=simple # the API sees a pipe (to log_writer), but a person reads this
fi

# The API's output goes to the terminal and to $data/api.log. Once that file reaches SWEETSSTORE_LOG_MB (at the end of
# a line) it becomes api.log.1, replacing an older one, and a new api.log begins. The writer does not stop on Ctrl-C:
# it ends with the API's output, so the last lines are kept. It appends: the log of the run before is kept
# (scripts/log-writer.sh).
log=$data/api.log
log_cap=$((10#$log_mb * 1024 * 1024))
log_writer() {
  trap '' INT TERM
  exec scripts/log-writer.sh "$log" "$log_cap"
}
rm -f "$data/api.fifo"
mkfifo "$data/api.fifo"
log_writer <"$data/api.fifo" &
logger=$!
dotnet "$data/app/SweetsStore.Api.dll" >"$data/api.fifo" 2>&1 &
api=$!
echo "$api" >"$data/run.pid"
interrupts=0
stop_api() {
  interrupts=$((interrupts + 1))
  if ((interrupts == 1)); then
    kill -TERM "$api" 2>/dev/null || true
  else
    echo "run.sh: killing the API (pid $api)" >&2
    kill -KILL "$api" 2>/dev/null || true
  fi
}
trap stop_api INT TERM
status=0
while :; do
  wait "$api" && status=0 || status=$?
  kill -0 "$api" 2>/dev/null || break # a trap ended the wait while the API still runs: wait again
done
wait "$logger" # it writes the last lines
rm -f "$data/run.pid" "$data/api.fifo"
echo "SweetsStore stopped (exit status $status)" >&2
exit "$status"
