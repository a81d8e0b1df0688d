#!/usr/bin/env bash
# Shows supervisord keeping SweetsStore up: publishes the API, starts a private PostgreSQL and a private
# supervisord (own config, socket, logs and pid file in a temp folder; the system's supervisord is not touched)
# loaded with supervisor/sweetsstore.conf verbatim, then `kill -9`s the API ROUNDS times and measures how long it
# takes until it is back and serving. Ends with a graceful stop (SIGTERM) and removes everything it created.
#   supervisor/demo.sh            ROUNDS=3 by default
# Needs: dotnet SDK, PostgreSQL server binaries (installed via scripts/pg.sh if missing), Debian's `supervisor`
# and `curl` (installed with apt-get if missing). Runs as root or as a user with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/pg.sh
source scripts/deploy-lib.sh
DL_TAG=supervisor-demo
trap dl_cleanup EXIT
trap 'exit 130' INT TERM

rounds=${ROUNDS:-3}
dl_need supervisord supervisor
dl_need curl curl
dl_workdir supervisor
work=$DL_WORK

dl_publish "$work/app"
dl_private_pg "$work/pg"
port=$(pg_free_port)
base=http://127.0.0.1:$port

# The values supervisor/sweetsstore.conf expands, as /etc/sweetsstore/sweetsstore.env would hold them.
# The API runs as `nobody` here: any non-root user that can read the publish output will do.
mkdir -p "$work/logs" "$work/conf.d"
(
  umask 077
  cat >"$work/sweetsstore.env" <<ENV
ConnectionStrings__Postgres="$DL_PG_CS"
ASPNETCORE_URLS="$base"
SWEETSSTORE_HOME="$work/app"
SWEETSSTORE_USER="nobody"
SWEETSSTORE_LOGS="$work/logs"
Security__ApiKey="$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
Security__KnownProxies=""
ENV
)
cp supervisor/sweetsstore.conf "$work/conf.d/sweetsstore.conf"
cat >"$work/supervisord.conf" <<CONF
; A private supervisord for this demo only.
[unix_http_server]
file=$work/supervisor.sock
chmod=0700

[supervisord]
user=root
nodaemon=true
logfile=$work/supervisord.log
pidfile=$work/supervisord.pid
childlogdir=$work/logs

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://$work/supervisor.sock

[include]
files = $work/conf.d/*.conf
CONF
ctl() { supervisorctl -c "$work/supervisord.conf" "$@"; }
# The API's pid ("" while it is not running; supervisorctl says 0 then).
api_pid() { { ctl pid sweetsstore 2>/dev/null || true; } | tr -dc '0-9' | sed 's/^0$//'; }
# supervisord counts a start as successful after startsecs (5 s); a process killed before that is a failed
# start and is retried with a growing back-off. A crash in production hits a RUNNING process: wait for that.
wait_running() {
  local start=$SECONDS
  until ctl status sweetsstore 2>/dev/null | grep -q RUNNING; do
    ((SECONDS - start < 30)) || dl_die "sweetsstore did not reach RUNNING"
    sleep 0.2
  done
}

dl_say "starting supervisord (config $work/supervisord.conf) with supervisor/sweetsstore.conf"
started=$(dl_now)
(
  set -a
  source "$work/sweetsstore.env"
  set +a
  exec supervisord -c "$work/supervisord.conf"
) >"$work/supervisord.stdout" 2>&1 &
supervisord_pid=$!
dl_on_exit "dl_stop_pid $supervisord_pid 45"

dl_wait_http "$base/health/ready" 200 120 || {
  tail -n 20 "$work/supervisord.log" "$work/logs/"* >&2
  dl_die "the API did not become ready under supervisord"
}
ready=$(dl_now)
printf '\nstart: supervisord up -> /health/ready 200 in %s s\n' "$(dl_elapsed "$started" "$ready")"
wait_running
ctl status
printf 'the API runs as: %s\n' "$(ps -o user= -p "$(api_pid)")"
printf 'GET /health/ready -> %s\n' "$(curl -s "$base/health/ready")"

# Some state, to show it survives the kills (it lives in PostgreSQL, not in the process).
curl -s -o /dev/null -w 'POST /couriers -> %{http_code}\n' -H 'Content-Type: application/json' \
  -d '{"data":[{"courier_id":1,"courier_type":"bike","regions":[1,2],"working_hours":["09:00-18:00"]}]}' "$base/couriers"

recoveries=()
for ((round = 1; round <= rounds; round++)); do
  wait_running
  old=$(api_pid)
  [[ -n $old ]] || dl_die "supervisorctl reports no pid for sweetsstore"
  printf '\nround %d: kill -9 %s (the API process)\n' "$round" "$old"
  killed=$(dl_now)
  kill -9 "$old"
  new=
  while true; do
    now=$(dl_now)
    if (($(dl_elapsed "$killed" "$now" | cut -d. -f1) >= 60)); then
      dl_die "not recovered within 60 s"
    fi
    if [[ -z $new ]]; then
      new=$(api_pid)
      [[ $new == "$old" ]] && new=
      [[ -n $new ]] && respawned=$(dl_now)
    fi
    if [[ -n $new && $(dl_http_status "$base/health/ready" 1) == 200 ]]; then
      break
    fi
    sleep 0.05
  done
  serving=$(curl -s -o /dev/null -w '%{http_code}' "$base/couriers/1")
  recovery=$(dl_elapsed "$killed" "$now")
  recoveries+=("$recovery")
  printf 'round %d: new pid %s seen after %s s; /health/ready 200 and GET /couriers/1 -> %s after %s s\n' \
    "$round" "$new" "$(dl_elapsed "$killed" "$respawned")" "$serving" "$recovery"
done

printf '\nrecovery (kill -9 -> ready and serving), %d rounds: %s s\n' "$rounds" "${recoveries[*]}"
printf 'GET /couriers/1 -> %s\n' "$(curl -s "$base/couriers/1")"
wait_running
ctl status
echo
echo "supervisord.log (what supervisord saw):"
sed -E 's/^[0-9-]+ //' "$work/supervisord.log" | grep -E 'spawned|success|exited|stopped|waiting' | tail -n 12
echo
echo "API stdout log ($work/logs/sweetsstore.out.log, JSON lines; rotated by supervisord at 50MB x 10):"
grep -c '' "$work/logs/sweetsstore.out.log" | sed 's/^/  lines: /'
grep '"GET /couriers/1' "$work/logs/sweetsstore.out.log" | tail -n 1 | cut -c1-220 || true

echo
stop_started=$(dl_now)
ctl stop sweetsstore
printf 'graceful stop (supervisorctl stop: SIGTERM, stopwaitsecs=35) took %s s\n' "$(dl_elapsed "$stop_started")"
grep -E 'stopped: sweetsstore' "$work/supervisord.log" | sed -E 's/^[0-9-]+ //' | tail -n 1
dl_say "tearing down (supervisord, PostgreSQL, $work)"
