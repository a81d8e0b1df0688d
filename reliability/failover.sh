#!/usr/bin/env bash
# Reliability scenario 6 (issue 21): the database primary's machine is lost, a standby is promoted, nothing
# acknowledged is lost. For each replication mode (sync, then async):
#   - a primary and a streaming standby (scripts/pg-ha.sh: pg_basebackup over a replication slot; in sync mode
#     the standby is named in synchronous_standby_names), two API processes whose connection string names both
#     hosts (Host=127.0.0.1:P1,127.0.0.1:P2: the API finds the primary itself);
#   - a storm of assigns and completes on both processes, and a background import (a Hangfire job) loading when the
#     primary dies: its COPY held mid-load by a session of ours holding an uncommitted order of the import (as
#     scenario 2b does), so the catch is certain;
#   - the primary's postmaster is killed with kill -9 (its data directory left as it is, never restarted); a few
#     seconds later the script promotes the standby, as an HA manager (Patroni) would;
#   - figures: seconds of 503 until the first 2xx and until /health/ready is 200 again; 5xx other than 503 (must
#     be 0); every assign and completion acknowledged before the kill present on the new primary (sync: 0 lost;
#     async: counted and reported); scripts/check-invariants.sql on the new primary; the background import
#     finished on the new primary, its rows stored once (Hangfire's history of its job, and when it ran again);
#     Hangfire's locks (held before the kill, left on the new primary); the recurring orphan sweep run and every
#     Hangfire server of both processes beating on the new primary; both API processes still the same ones;
#   - then the lost node is rebuilt as the new primary's standby on its old port (first in the API's host list),
#     Hangfire's pooled connections are cut and a third API process starts: a background import posted to it must
#     run on the primary, with no "read-only transaction" in any log.
#
#   reliability/failover.sh [--quick] [sync|async]   standalone (both modes unless one is named); output kept in
#                                                     reliability/results/last-failover-{full,quick}-run.txt
#   FAILOVER_CS_EXTRA=';Host Recheck Seconds=10' …   appended to the API processes' connection string
#   FAILOVER_KILL=all reliability/failover.sh …      kill -9 of every process of the primary at once instead of its
#                                                     postmaster alone: nothing gets to send its last WAL (a machine lost)
# reliability/run.sh runs it as its section 6 with FAILOVER_APP (published API), FAILOVER_TOOL (built client)
# and FAILOVER_CHECKS (the file its summary table is made of) set, so nothing is built twice.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

mode=full
modes=()
for arg in "$@"; do
  case $arg in
    --quick) mode=quick ;;
    --full) mode=full ;;
    sync | async) modes+=("$arg") ;;
    *)
      echo "usage: reliability/failover.sh [--quick|--full] [sync|async]" >&2
      exit 2
      ;;
  esac
done
((${#modes[@]} > 0)) || modes=(sync async)

# Standalone: keep a copy of everything printed, as run.sh does.
if [[ -z ${FAILOVER_CHECKS:-} && -z ${FAILOVER_CHILD:-} ]]; then
  mkdir -p reliability/results
  log=reliability/results/last-failover-$mode-run.txt
  set +e
  FAILOVER_CHILD=1 "$0" "$@" 2>&1 | tee >(sed 's/\x1b\[[0-9;]*m//g' >"$log.tmp")
  status=${PIPESTATUS[0]}
  set -e
  sleep 0.5
  mv "$log.tmp" "$log"
  echo "(output kept in $log)"
  exit "$status"
fi

source scripts/pg.sh
source scripts/pg-ha.sh
source scripts/deploy-lib.sh
DL_TAG=failover
trap dl_cleanup EXIT
trap 'exit 130' INT TERM

# The storm runs until settle_seconds after the promotion (at most storm_limit seconds in all).
if [[ $mode == quick ]]; then
  couriers=200 orders=20000 regions=20 clients=16 kill_after=8 promote_delay=3 settle_seconds=15 storm_limit=120 bg_import=100000
else
  couriers=500 orders=60000 regions=30 clients=32 kill_after=15 promote_delay=3 settle_seconds=30 storm_limit=180 bg_import=200000
fi

started_at=$(dl_now)
dl_need curl curl
dl_need jq jq
pg_ensure_binaries
dl_workdir failover
work=$DL_WORK
# Logs of the last run, git-ignored, for a post-mortem (run.sh empties its own last-MODE-logs/ when it ends).
logs_kept=$root/reliability/results/last-failover-$mode-logs
dl_on_exit "rm -rf '$logs_kept'; mkdir -p '$logs_kept'; cp '$work'/*.log '$work'/*.out '$work'/*.events '$work'/*.csv '$logs_kept/' 2>/dev/null; for d in '$work'/*/n?; do cp \"\$d/postgres.log\" \"$logs_kept/\$(basename \"\$(dirname \"\$d\")\")-\$(basename \"\$d\")-postgres.log\" 2>/dev/null; done"
checks=${FAILOVER_CHECKS:-$work/checks.txt}
[[ -n ${FAILOVER_CHECKS:-} ]] || : >"$checks"

section() { printf '\n\033[1m=== %s\033[0m  [%s s into the run; load average %s]\n' "$*" "$(dl_elapsed "$started_at")" "$(cut -d' ' -f1-3 /proc/loadavg)"; }
check() {
  local name=$1 ok=$2 detail=${3:-}
  if [[ $ok == 0 ]]; then
    printf 'ok    %-58s %s\n' "$name" "$detail" | tee -a "$checks"
  else
    printf 'FAIL  %-58s %s\n' "$name" "$detail" | tee -a "$checks"
  fi
}
now_ms() { date +%s%3N; }
wait_for() { # TIMEOUT-SECONDS COMMAND...
  local timeout=$1 start=$SECONDS
  shift
  until "$@"; do
    ((SECONDS - start < timeout)) || return 1
    sleep 0.05
  done
}

# ---- the API as deployed and the client: given by run.sh, else built here
app=${FAILOVER_APP:-}
tool_dir=${FAILOVER_TOOL:-}
if [[ -z $app ]]; then
  app=$work/app
  dl_publish "$app"
fi
if [[ -z $tool_dir ]]; then
  tool_dir=$work/tool
  dl_say "building the reliability client (Release)"
  dotnet build reliability/SweetsStore.Reliability -c Release --nologo -clp:ErrorsOnly -o "$tool_dir" >/dev/null ||
    dl_die "building reliability/SweetsStore.Reliability failed"
fi
tool() { dotnet "$tool_dir/SweetsStore.Reliability.dll" "$@"; }

# One drill: LABEL MODE (sync|async). Everything it starts is stopped when it ends.
drill() {
  local label=$1 replication=$2 dir=$work/$2
  local n1=$dir/n1 n2=$dir/n2 p1 p2 password cs a b events=$work/$2.events
  section "$label. Failover with $([[ $replication == sync ]] && echo a synchronous || echo an asynchronous) standby: kill -9 of the primary's postmaster during a storm, standby promoted ${promote_delay} s later"
  mkdir -p "$dir"
  chmod 755 "$dir"

  # -- the pair: n1 primary, n2 its standby (slot and application name n2)
  pg_init "$n1" || dl_die "initdb failed"
  p1=$(pg_free_port)
  dl_on_exit "pg_stop '$n1'"
  pg_start "$n1" "$p1" "${PG_HA_SETTINGS[@]}" -c max_connections=200 || dl_die "the primary did not start"
  pg_create_database "$n1" "$p1" sweetsstore
  pg_ha_standby "$n1" "$p1" "$n2" n2 || dl_die "pg_basebackup failed"
  p2=$(pg_free_port)
  dl_on_exit "pg_stop '$n2'"
  pg_start "$n2" "$p2" "${PG_HA_SETTINGS[@]}" -c max_connections=200 || dl_die "the standby did not start"
  if [[ $replication == sync ]]; then
    pg_ha_sync "$n1" "$p1" n2
    pg_ha_wait_streaming "$n1" "$p1" n2 sync || dl_die "the standby did not become synchronous"
  else
    pg_ha_wait_streaming "$n1" "$p1" n2 async || dl_die "the standby did not stream"
  fi
  echo "  primary n1 on 127.0.0.1:$p1, standby n2 on 127.0.0.1:$p2: $(pg_ha_sql "$n1" "$p1" "SELECT application_name || ' ' || state || ', sync_state ' || sync_state FROM pg_stat_replication") (synchronous_standby_names '$(pg_ha_sql "$n1" "$p1" "SHOW synchronous_standby_names")')"
  password=$(cat "$n1/password")
  cs="Host=127.0.0.1:$p1,127.0.0.1:$p2;Database=sweetsstore;Username=sweetsstore;Password=$password${FAILOVER_CS_EXTRA:-}"
  sqlp() { # DIR PORT SQL: on database sweetsstore
    PGPASSWORD=$password "$PG_BIN/psql" -h 127.0.0.1 -p "$2" -U sweetsstore -d sweetsstore -X -q -v ON_ERROR_STOP=1 -A -t -F ' ' -c "$3"
  }

  # -- two API processes, the connection string naming both hosts (no target given: the API targets the primary)
  local port_a port_b name
  port_a=$(pg_free_port)
  port_b=$(pg_free_port)
  a=http://127.0.0.1:$port_a
  b=http://127.0.0.1:$port_b
  for name in a b; do
    local url=$a
    [[ $name == b ]] && url=$b
    (
      cd "$app"
      exec env ConnectionStrings__Postgres="$cs" ASPNETCORE_URLS="$url" Logging__Console__FormatterName=simple Security__TrustLoopback=true \
        Jobs__LeaseSeconds=3 Jobs__PollSeconds=1 dotnet SweetsStore.Api.dll
    ) >>"$work/$replication-api-$name.log" 2>&1 &
    echo "$!" >"$work/$replication-api-$name.pid"
    disown "$!"
    dl_on_exit "dl_stop_pidfile '$work/$replication-api-$name.pid' 10"
  done
  dl_wait_http "$a/health/ready" 200 120 && dl_wait_http "$b/health/ready" 200 120 || dl_die "the API processes did not become ready"
  local pid_a pid_b
  pid_a=$(cat "$work/$replication-api-a.pid")
  pid_b=$(cat "$work/$replication-api-b.pid")
  dl_say "API a (pid $pid_a) on $a and API b (pid $pid_b) on $b, ConnectionStrings__Postgres=Host=127.0.0.1:$p1,127.0.0.1:$p2;…${FAILOVER_CS_EXTRA:-}"
  tool seed --url "$a" --couriers "$couriers" --orders "$orders" --regions "$regions" | sed 's/^/  /'
  local first=5000001
  local last=$((first + bg_import - 1))
  tool gen-import --out "$work/$replication-bg.ndjson" --format ndjson --first "$first" --count "$bg_import" --regions "$regions" | sed 's/^/  /'

  # -- the storm; the kill while the background import loads; the promotion
  : >"$events"
  set +e
  (exec dotnet "$tool_dir/SweetsStore.Reliability.dll" storm --urls "$a,$b" --clients "$clients" --seconds "$storm_limit" --stop-file "$work/$replication.stop" \
    --couriers "$couriers" --regions "$regions" --patch-percent 3 --get-percent 5 --allow-503 --backoff-503-ms 100 \
    --acked "$work/$replication-acked.csv" --acked-detail "$work/$replication-acked-detail.csv" --events "$events" --timeline \
    >"$work/$replication-storm.out" 2>&1) &
  local storm_pid=$!
  dl_on_exit "kill $storm_pid 2>/dev/null"
  set -e
  # How far the standby is behind while the storm runs, every 0.1 s until the kill: WAL the primary has flushed
  # (commits it may have acknowledged) that the standby has not yet flushed, in bytes, and flush_lag, the time
  # from a local flush to the standby's report of it.
  (
    while [[ ! -s $events ]]; do
      pg_ha_sql "$n1" "$p1" "SELECT pg_current_wal_flush_lsn() - flush_lsn, coalesce(extract(epoch FROM flush_lag) * 1000, 0) FROM pg_stat_replication WHERE application_name = 'n2'" 2>/dev/null | tr '|' ' '
      sleep 0.1
    done
  ) >"$work/$replication-lag.out" &
  local lag_pid=$!
  dl_on_exit "kill $lag_pid 2>/dev/null"
  # Hangfire's locks (rows of hangfire.lock, one per held resource) sampled every 0.2 s until the kill: how long
  # Hangfire holds each kind in normal work (what Jobs:LockTimeoutSeconds must stay above).
  (
    while [[ ! -s $events ]]; do
      sqlp "$n1" "$p1" "SELECT regexp_replace(resource, '[0-9]+', 'N', 'g'), round(extract(epoch FROM now() - acquired)::numeric, 3) FROM hangfire.lock" 2>/dev/null
      sleep 0.2
    done
  ) >"$work/$replication-locks.out" &
  local locks_pid=$!
  dl_on_exit "kill $locks_pid 2>/dev/null"
  sleep "$((kill_after - 2))"
  # The catch is made certain, as scenario 2b makes it: a session of ours on the primary holds an uncommitted order
  # whose id is in the middle of the import, so the loading COPY waits there with half the rows in its transaction.
  # The session dies with the primary; its row is never committed.
  local hold_id=$((first + bg_import / 2)) hold_app=failover-hold
  (
    PGAPPNAME=$hold_app PGPASSWORD=$password exec "$PG_BIN/psql" -h 127.0.0.1 -p "$p1" -U sweetsstore -d sweetsstore -X -q -v ON_ERROR_STOP=1 <<SQL
BEGIN;
INSERT INTO orders (order_id, weight_cg, region, delivery_hours, delivery) VALUES ($hold_id, 100, 1, '{09:00-18:00}', '{[540,1080)}');
SELECT pg_sleep(900);
SQL
  ) >"$work/$replication-hold.out" 2>&1 &
  local hold_pid=$!
  dl_on_exit "kill $hold_pid 2>/dev/null"
  hold_ready() { [[ $(sqlp "$n1" "$p1" "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$hold_app' AND state = 'active'") == 1 ]]; }
  wait_for 30 hold_ready || dl_die "the holding session did not start: $(cat "$work/$replication-hold.out")"
  local reply import_id
  reply=$(curl -s -w '\n%{http_code}' -H 'Content-Type: application/x-ndjson' --data-binary @"$work/$replication-bg.ndjson" "$a/imports/orders")
  [[ $(tail -n 1 <<<"$reply") == 202 ]] || dl_die "POST /imports/orders answered $(tail -n 1 <<<"$reply"): $(head -c 300 <<<"$reply")"
  import_id=$(head -n 1 <<<"$reply" | jq -r .import_id)
  # The import as Hangfire's own tables show it (as scenario 2b reads them): status, rows done, the ServerId of its
  # job's current state ("<host>.imports:<process id>:<guid>" while Processing, else -), the import's attempts and
  # the job's state name.
  import_state() {
    sqlp "$1" "$2" "SELECT i.status, i.rows_done, coalesce(s.data->>'ServerId', '-'), i.attempts, coalesce(j.statename, '-')
      FROM imports i LEFT JOIN hangfire.job j ON j.id = i.job_id::bigint LEFT JOIN hangfire.state s ON s.id = j.stateid
      WHERE i.import_id = $import_id"
  }
  # Caught loading: its job Processing on a server, its COPY waiting on the held row.
  loading() {
    local s h js
    read -r s _ h _ js <<<"$(import_state "$n1" "$p1")"
    [[ $s == running && $js == Processing && $h != - ]] &&
      [[ $(sqlp "$n1" "$p1" "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY orders%' AND wait_event_type = 'Lock'") == 1 ]]
  }
  local caught=1 at_kill lag holder=- holder_pid=-
  wait_for 60 loading || caught=0
  at_kill=$(import_state "$n1" "$p1" || true)
  read -r _ _ holder _ <<<"$at_kill"
  [[ $holder != - ]] && holder_pid=$(cut -d: -f2 <<<"$holder")
  lag=$(pg_ha_sql "$n1" "$p1" "SELECT pg_current_wal_lsn() - flush_lsn FROM pg_stat_replication WHERE application_name = 'n2'" || true)
  echo "killed $(now_ms)" >>"$events"
  if [[ ${FAILOVER_KILL:-postmaster} == all ]]; then pg_ha_kill_all "$n1"; else pg_ha_kill_postmaster "$n1"; fi
  echo "  primary n1: $([[ ${FAILOVER_KILL:-postmaster} == all ]] && echo "every process" || echo postmaster) kill -9 at +$(dl_elapsed "$started_at") s; the import $import_id was '$at_kill' (status rows_done holder attempts job_state; its COPY held at order $hold_id); WAL not yet flushed by the standby then: ${lag:-?} bytes"
  sleep "$promote_delay"
  echo "promoting $(now_ms)" >>"$events"
  pg_ha_promote "$n2" || dl_die "promoting the standby failed"
  echo "promoted $(now_ms)" >>"$events"
  echo "  standby n2 promoted: $(pg_ha_role "$n2" "$p2") (n1: $(pg_ha_role "$n1" "$p1")); the storm goes on for $settle_seconds s"
  local killed_ms promoted_ms
  killed_ms=$(awk '$1 == "killed" { print $2 }' "$events")
  promoted_ms=$(awk '$1 == "promoted" { print $2 }' "$events")
  # Locks the lost primary's Hangfire had taken and not released (committed, so on the new primary too): each keeps
  # its resource from everyone until Jobs:LockTimeoutSeconds after it was taken.
  echo "  Hangfire locks taken before the kill and still held on the new primary at the promotion: $(sqlp "$n2" "$p2" "SELECT coalesce(string_agg(resource || ' taken ' || round((extract(epoch FROM acquired) * 1000 - $killed_ms) / 1000.0, 2) || ' s from the kill', ', '), 'none') FROM hangfire.lock WHERE acquired < to_timestamp($killed_ms / 1000.0)" || echo '?')"
  sleep "$settle_seconds"
  touch "$work/$replication.stop"
  wait "$lag_pid" 2>/dev/null || true
  wait "$locks_pid" 2>/dev/null || true
  awk 'NF == 2 { n[$1]++; if ($2 > m[$1]) m[$1] = $2 } END { for (r in n) printf "%s %d %.3f\n", r, n[r], m[r] }' "$work/$replication-locks.out" | sort -k3 -rn |
    awk 'BEGIN { printf "  Hangfire locks seen before the kill (sampled every 0.2 s):" } { printf "%s %s in %d samples, the oldest held %.2f s", (NR > 1 ? ";" : ""), $1, $2, $3 } END { if (!NR) printf " none"; print "" }'
  sort -n "$work/$replication-lag.out" | awk 'function at(p) { i = int(NR * p + 0.9999); return b[i < 1 ? 1 : i] }
      { b[NR] = $1; if ($1 > 0) behind++; if ($2 > ms) ms = $2 }
      END { if (NR) printf "  standby before the kill (%d samples, every 0.1 s): WAL flushed on the primary but not yet on the standby in %d of them; bytes p50 %d, p99 %d, max %d; flush_lag max %.1f ms\n", NR, behind, at(0.5), at(0.99), b[NR], ms }'

  set +e
  wait "$storm_pid"
  local storm_status=$?
  set -e
  cat "$work/$replication-storm.out"
  check "$label: $replication failover: 503 JSON only, no 500, served again" "$storm_status" \
    "$(grep -o 'failover figures: .*' "$work/$replication-storm.out" | sed 's/failover figures: //')"

  # -- what the new primary holds
  sqlp "$n2" "$p2" "CREATE TABLE IF NOT EXISTS drill_acked (kind text, id bigint, courier_id bigint, at timestamptz, acked_ms bigint); TRUNCATE drill_acked"
  PGPASSWORD=$password "$PG_BIN/psql" -h 127.0.0.1 -p "$p2" -U sweetsstore -d sweetsstore -X -q -v ON_ERROR_STOP=1 \
    -c "\\copy drill_acked FROM '$work/$replication-acked-detail.csv' WITH (FORMAT csv)"
  local lost
  # Judged per order: an order whose completion was acknowledged before the kill is kept when the new primary has
  # it completed, in that courier's bundle, at one of the times acknowledged before the kill (the first
  # complete_time stays, so a completion lost and redone by the storm later carries another time; two clients
  # completing the same order at once both get 200, hence "one of"). Orders first acknowledged after the kill
  # likewise with any acknowledged time. A bundle is kept when the courier has a bundle with that assign_time.
  local judge="
    WITH acked AS (
      SELECT kind, id, courier_id, at, min(acked_ms) AS acked_ms, min(acked_ms) < $killed_ms AS before
      FROM drill_acked GROUP BY kind, id, courier_id, at
    ), completes AS (
      SELECT id, min(courier_id) AS courier_id, bool_or(before) AS before, min(acked_ms) AS first_acked,
             array_agg(at) FILTER (WHERE before) AS before_times, array_agg(at) AS times
      FROM acked WHERE kind = 'complete' GROUP BY id
    ), judged AS (
      SELECT 'complete' AS kind, c.id, c.courier_id, c.before, c.first_acked,
             EXISTS (SELECT 1 FROM orders o JOIN bundles b ON b.bundle_id = o.bundle_id
                     WHERE o.order_id = c.id AND b.courier_id = c.courier_id
                       AND o.complete_time = ANY (CASE WHEN c.before THEN c.before_times ELSE c.times END)) AS kept
      FROM completes c
      UNION ALL
      SELECT 'assign', min(a.id), a.courier_id, bool_or(a.before), min(a.acked_ms),
             EXISTS (SELECT 1 FROM bundles b WHERE b.courier_id = a.courier_id AND b.assign_time = a.at)
      FROM acked a WHERE a.kind = 'assign' GROUP BY a.courier_id, a.at
    )
    SELECT count(*) FILTER (WHERE kind = 'complete' AND before), count(*) FILTER (WHERE kind = 'complete' AND before AND NOT kept),
           count(*) FILTER (WHERE kind = 'complete' AND NOT before), count(*) FILTER (WHERE kind = 'complete' AND NOT before AND NOT kept),
           count(*) FILTER (WHERE kind = 'assign' AND before), count(*) FILTER (WHERE kind = 'assign' AND before AND NOT kept),
           count(*) FILTER (WHERE kind = 'assign' AND NOT before), count(*) FILTER (WHERE kind = 'assign' AND NOT before AND NOT kept)
    FROM judged"
  lost=$(sqlp "$n2" "$p2" "$judge")
  local c_before c_before_lost c_after c_after_lost a_before a_before_lost a_after a_after_lost
  read -r c_before c_before_lost c_after c_after_lost a_before a_before_lost a_after a_after_lost <<<"$lost"
  echo "  acknowledged before the kill: $c_before orders completed, $c_before_lost of them not so on the new primary; $a_before bundles, $a_before_lost missing"
  echo "  acknowledged after the kill:  $c_after orders completed, $c_after_lost not so; $a_after bundles, $a_after_lost missing"
  local lost_total=$((c_before_lost + c_after_lost + a_before_lost + a_after_lost))
  if ((lost_total > 0)); then
    echo "  acknowledged but not on the new primary (first 10; seconds from the kill to the 200):"
    sqlp "$n2" "$p2" "${judge%%SELECT count(*)*} SELECT kind, id, courier_id, round(((first_acked - $killed_ms) / 1000.0)::numeric, 3) FROM judged WHERE NOT kept ORDER BY first_acked LIMIT 10" |
      awk '{ printf "    %s: order %s, courier %s, acknowledged %+.3f s after the kill\n", ($1 == "assign" ? "bundle from an assign" : "completion"), $2, $3, $4 }'
  fi
  if [[ $replication == sync ]]; then
    check "$label: every acknowledged write is on the new primary" "$((lost_total != 0))" \
      "$c_before completed orders and $a_before bundles acknowledged before the kill: $c_before_lost and $a_before_lost lost; after it: $c_after_lost and $a_after_lost lost"
  else
    # Measured, not required: losing acknowledged writes is what asynchronous replication allows.
    check "$label: acknowledged writes lost (asynchronous: reported)" 0 \
      "LOST $c_before_lost of $c_before completed orders and $a_before_lost of $a_before bundles acknowledged before the kill ($c_after_lost and $a_after_lost after it); standby ${lag:-?} bytes behind at the kill"
  fi

  local inv bad
  inv=$work/$replication-invariants.out
  PGPASSWORD=$password "$PG_BIN/psql" -h 127.0.0.1 -p "$p2" -U sweetsstore -d sweetsstore -X -q -v ON_ERROR_STOP=1 -A -t -F ' ' \
    -f scripts/check-invariants.sql >"$inv"
  bad=$(awk '/^invariant / { next } NF { n++ } END { print n + 0 }' "$inv")
  ((bad == 0)) || grep -v '^invariant ' "$inv" | head -n 10 | sed 's/^/    violating: /'
  check "$label: scripts/check-invariants.sql on the new primary" "$((bad != 0))" "$bad violating rows"

  # -- the background import: loading when the primary died, finished on the new one
  finished() { local s; read -r s _ <<<"$(import_state "$n2" "$p2")"; [[ $s == succeeded || $s == failed ]]; }
  local finish_wait
  finish_wait=$(dl_now)
  wait_for 180 finished || true
  local status attempts stored distinct job_id resumed history
  read -r status _ _ attempts _ <<<"$(import_state "$n2" "$p2")"
  stored=$(sqlp "$n2" "$p2" "SELECT count(*) FROM orders WHERE order_id BETWEEN $first AND $last")
  distinct=$(sqlp "$n2" "$p2" "SELECT count(DISTINCT order_id) FROM orders WHERE order_id BETWEEN $first AND $last")
  job_id=$(sqlp "$n2" "$p2" "SELECT job_id FROM imports WHERE import_id = $import_id")
  echo "  background import $import_id on the new primary: $(import_state "$n2" "$p2" | awk '{ print "status " $1 ", rows_done " $2 ", import attempts " $4 ", Hangfire job " $5 }') ($(dl_elapsed "$finish_wait") s after the storm); $stored of $bg_import rows stored, $distinct distinct ids"
  # Hangfire's history of the job (@ the process id in each Processing state's ServerId), and when it came back:
  # the first Processing state after the kill, and the import's end, in seconds from the kill.
  history=$(sqlp "$n2" "$p2" "SELECT string_agg(s.name || coalesce('@' || split_part(s.data->>'ServerId', ':', 2), ''), ' → ' ORDER BY s.id) FROM hangfire.state s WHERE s.jobid = $job_id")
  resumed=$(sqlp "$n2" "$p2" "SELECT round((extract(epoch FROM s.createdat) * 1000 - $killed_ms) / 1000.0, 2) || ' s after the kill (' ||
      round((extract(epoch FROM s.createdat) * 1000 - $promoted_ms) / 1000.0, 2) || ' s after the promotion) on process ' || split_part(s.data->>'ServerId', ':', 2)
    FROM hangfire.state s WHERE s.jobid = $job_id AND s.name = 'Processing' AND s.createdat > to_timestamp($killed_ms / 1000.0) ORDER BY s.id LIMIT 1")
  echo "  Hangfire's history of job $job_id: $history (@ process id; the holder at the kill was process $holder_pid)"
  echo "  the job ran again ${resumed:-never}; the import ended $(sqlp "$n2" "$p2" "SELECT coalesce(round((extract(epoch FROM finished_at) * 1000 - $killed_ms) / 1000.0, 2)::text, '?') FROM imports WHERE import_id = $import_id") s after the kill"
  check "$label: the background job resumed on the new primary, rows once" \
    "$([[ $caught == 1 && $status == succeeded && $stored == "$bg_import" && $distinct == "$bg_import" ]] && echo 0 || echo 1)" \
    "$([[ $caught == 1 ]] && echo "loading at the kill (process $holder_pid)" || echo "NOT caught loading"); status $status after $attempts attempts, ran again ${resumed%% (*}; $stored of $bg_import rows, $distinct ids"

  # -- Hangfire's servers after the switch: the recurring orphan sweep (a minutely cron on the maintenance queue)
  # runs on the new primary, and every server of both processes (imports and maintenance) beats there.
  sweep_ran() {
    [[ $(sqlp "$n2" "$p2" "SELECT count(*) FROM hangfire.job WHERE invocationdata->>'Method' = 'RequeueOrphansAsync'
      AND statename = 'Succeeded' AND createdat > to_timestamp($promoted_ms / 1000.0)") -gt 0 ]]
  }
  wait_for 90 sweep_ran || true
  local sweep beating
  # Lateness: from the minute the cron named to the job's creation (Hangfire's scheduler polls every
  # Jobs:SchedulePollSeconds, 15 s, under the recurring-jobs lock).
  sweep=$(sqlp "$n2" "$p2" "SELECT round(extract(epoch FROM j.createdat - date_trunc('minute', j.createdat))::numeric, 2) || ' ' ||
      round((extract(epoch FROM j.createdat) * 1000 - $promoted_ms) / 1000.0, 2) || ' ' || j.statename || ' ' || coalesce(split_part(p.data->>'ServerId', ':', 2), '-')
    FROM hangfire.job j LEFT JOIN hangfire.state p ON p.jobid = j.id AND p.name = 'Processing'
    WHERE j.invocationdata->>'Method' = 'RequeueOrphansAsync' AND j.createdat > to_timestamp($promoted_ms / 1000.0) ORDER BY j.id LIMIT 1")
  local late=- after=- sweep_state=none sweep_pid=-
  [[ -n $sweep ]] && read -r late after sweep_state sweep_pid <<<"$sweep"
  all_beating() {
    [[ $(sqlp "$n2" "$p2" "SELECT count(*) FROM hangfire.server WHERE lastheartbeat > to_timestamp($promoted_ms / 1000.0) AND split_part(id, ':', 2) IN ('$pid_a', '$pid_b')") == 4 ]]
  }
  wait_for 60 all_beating || true
  beating=$(sqlp "$n2" "$p2" "SELECT string_agg(split_part(id, ':', 1) || '@' || split_part(id, ':', 2), ', ' ORDER BY id) FROM hangfire.server
    WHERE lastheartbeat > to_timestamp($promoted_ms / 1000.0) AND split_part(id, ':', 2) IN ('$pid_a', '$pid_b')")
  echo "  Hangfire servers beating on the new primary: ${beating:-none}"
  echo "  first orphan sweep after the promotion: created ${after} s after it, ${late} s after its minute; $sweep_state on process $sweep_pid"
  # A sweep that starts in the first moments after the promotion, while Npgsql still holds the hosts' old roles, fails
  # ("No suitable host was found") and is deleted: it has one attempt, the next minute's run is its retry (seen once,
  # 0.28 s after a promotion, 2026-12-05). The servers work when a sweep after the promotion succeeds.
  local succeeded
  succeeded=$(sqlp "$n2" "$p2" "SELECT round(extract(epoch FROM createdat - date_trunc('minute', createdat))::numeric, 2) FROM hangfire.job
    WHERE invocationdata->>'Method' = 'RequeueOrphansAsync' AND statename = 'Succeeded' AND createdat > to_timestamp($promoted_ms / 1000.0)
    ORDER BY id LIMIT 1")
  local sweep_note="orphan sweep $sweep_state ${late} s after its minute"
  if [[ $sweep_state != Succeeded ]]; then
    if [[ -n $succeeded ]]; then sweep_note+=" (its one attempt failed), the next Succeeded $succeeded s after its minute"; else sweep_note+=", none Succeeded within 90 s"; fi
  fi
  check "$label: Hangfire's servers work on the new primary" \
    "$([[ -n $succeeded && $(tr ',' '\n' <<<"$beating" | grep -c @) == 4 ]] && echo 0 || echo 1)" \
    "$sweep_note; $(tr ',' '\n' <<<"$beating" | grep -c @) of 4 servers beating"

  # -- the old primary stays dead and untouched; the API processes are the ones started before
  local old_alive=0 alive=0
  [[ -n $(pg_as_owner "$PG_BIN/pg_ctl" -D "$n1/pgdata" status 2>/dev/null | grep -o 'server is running') ]] && old_alive=1
  kill -0 "$pid_a" 2>/dev/null || alive=1
  kill -0 "$pid_b" 2>/dev/null || alive=1
  check "$label: old primary never restarted; API processes never restarted" "$((old_alive + alive != 0))" \
    "n1 $([[ $old_alive == 0 ]] && echo down || echo RUNNING), data directory $([[ -f $n1/pgdata/PG_VERSION ]] && echo kept || echo GONE); API pids $pid_a $pid_b $([[ $alive == 0 ]] && echo alive || echo 'NOT ALIVE')"
  # -- the lost node rebuilt as the new primary's standby, on its old port (what scripts/ha-local.sh rejoin and
  # Patroni do): the first host in the API processes' list is now a standby. A background import posted now must
  # be enqueued, fetched and loaded on the primary; a data source that would take any host would reach n1 first and
  # fail there on every write (25006, read-only).
  dl_say "rebuilding n1 as a standby of n2 (pg_basebackup) on its old port $p1"
  pg_ha_standby "$n2" "$p2" "$n1" n1 || dl_die "pg_basebackup of the new primary failed"
  pg_start "$n1" "$p1" "${PG_HA_SETTINGS[@]}" -c max_connections=200 || dl_die "n1 did not start as a standby"
  if [[ $replication == sync ]]; then
    pg_ha_sync "$n2" "$p2" n1
    pg_ha_wait_streaming "$n2" "$p2" n1 sync || dl_die "n1 did not become a synchronous standby"
  else
    pg_ha_wait_streaming "$n2" "$p2" n1 async || dl_die "n1 did not stream"
  fi
  local lines_a lines_b after_id after_state read_only cut pid_c url_c beating_c
  lines_a=$(wc -l <"$work/$replication-api-a.log")
  lines_b=$(wc -l <"$work/$replication-api-b.log")
  # Hangfire's pooled connections to n2 are cut (as a network blip, a proxy's restart or an idle timeout would), so
  # that the pools of a and b open new ones; and a third process, c, starts now with empty pools (a deploy, a
  # restart). A pool that takes any host opens them on n1, listed first.
  cut=$(sqlp "$n2" "$p2" "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'sweetsstore-jobs'")
  url_c=http://127.0.0.1:$(pg_free_port)
  (
    cd "$app"
    exec env ConnectionStrings__Postgres="$cs" ASPNETCORE_URLS="$url_c" Logging__Console__FormatterName=simple Security__TrustLoopback=true \
      Jobs__LeaseSeconds=3 Jobs__PollSeconds=1 dotnet SweetsStore.Api.dll
  ) >>"$work/$replication-api-c.log" 2>&1 &
  echo "$!" >"$work/$replication-api-c.pid"
  disown "$!"
  dl_on_exit "dl_stop_pidfile '$work/$replication-api-c.pid' 10"
  pid_c=$(cat "$work/$replication-api-c.pid")
  dl_wait_http "$url_c/health/ready" 200 120 || dl_die "API c did not become ready"
  tool gen-import --out "$work/$replication-after.ndjson" --format ndjson --first "$((last + 1))" --count 2000 --regions "$regions" >/dev/null
  reply=$(curl -s -w '\n%{http_code}' -H 'Content-Type: application/x-ndjson' --data-binary @"$work/$replication-after.ndjson" "$url_c/imports/orders")
  [[ $(tail -n 1 <<<"$reply") == 202 ]] || dl_die "POST /imports/orders after the rejoin answered $(tail -n 1 <<<"$reply"): $(head -c 300 <<<"$reply")"
  after_id=$(head -n 1 <<<"$reply" | jq -r .import_id)
  # Enqueued at once when c's Hangfire reaches the primary; else the orphan sweep would give it a job after
  # Jobs:OrphanSeconds (60 s) and its next minutely run.
  after_done() { [[ $(sqlp "$n2" "$p2" "SELECT status FROM imports WHERE import_id = $after_id") =~ ^(succeeded|failed)$ ]]; }
  wait_for 150 after_done || true
  after_state=$(sqlp "$n2" "$p2" "SELECT status || ' ' || coalesce(round(extract(epoch FROM finished_at - created_at)::numeric, 2)::text, '-') || ' ' ||
      (SELECT count(*) FROM orders WHERE order_id BETWEEN $((last + 1)) AND $((last + 2000))) FROM imports WHERE import_id = $after_id")
  beating_c=$(sqlp "$n2" "$p2" "SELECT count(*) FROM hangfire.server WHERE split_part(id, ':', 2) = '$pid_c'")
  read_only=$( (tail -n "+$((lines_a + 1))" "$work/$replication-api-a.log"; tail -n "+$((lines_b + 1))" "$work/$replication-api-b.log"; cat "$work/$replication-api-c.log") |
    grep -c 'read-only transaction' || true)
  echo "  n1 rejoined as a standby of n2 ($(pg_ha_role "$n1" "$p1"), listed first); $cut connections of Hangfire's pools to n2 cut; API c (pid $pid_c) started, $beating_c of its 2 Hangfire servers registered on n2"
  echo "  import $after_id of 2,000 orders posted to c: $(awk '{ print $1 " " $2 " s after its upload, " $3 " rows" }' <<<"$after_state"); 'read-only transaction' logged since the rejoin: $read_only"
  check "$label: after n1 rejoined as a standby (first in the list), jobs run on the primary" \
    "$([[ $after_state == "succeeded "*" 2000" && $read_only == 0 && $beating_c == 2 ]] && echo 0 || echo 1)" \
    "import of 2,000 orders via a new process $(awk '{ print $1 " in " $2 " s, " $3 " rows" }' <<<"$after_state"); its servers on n2: $beating_c of 2; 'read-only transaction' × $read_only in the logs"
  dl_stop_pidfile "$work/$replication-api-c.pid" 10

  # A background loop that threw (the job worker did, before it caught a failure it could not record) is logged
  # only when its process stops: stop both before reading the logs.
  dl_stop_pidfile "$work/$replication-api-a.pid" 10
  dl_stop_pidfile "$work/$replication-api-b.pid" 10
  echo "  warnings and errors the API processes logged (numbers blanked):"
  # One line per entry ("<time> warn: Category[id] message exception"), or the category and the message on two lines.
  cat "$work/$replication-api-"[abc].log | awk '/^([0-9T:.-]+Z ?)?(warn|fail|crit): / { line = $0; sub(/^[0-9T:.-]+Z ?/, "", line)
      if (line ~ /\]$/) { getline msg; sub(/^ +/, "", msg); line = line " " msg }
      gsub(/"[^"]*"/, "\"…\"", line); gsub(/[0-9]+(\.[0-9]+)?ms/, "…ms", line); gsub(/[0-9]+/, "N", line)
      n[substr(line, 1, 170)]++ } END { for (k in n) printf "    %6d × %s\n", n[k], k }' | sort -rn | awk 'NR <= 20'
  local errors died
  errors=$(cat "$work/$replication-api-"[abc].log | grep -c 'Unhandled error' || true)
  died=$(cat "$work/$replication-api-"[abc].log | grep -c 'BackgroundService failed' || true)
  check "$label: no 500, no background loop died, in the API logs" "$((errors + died != 0))" "'Unhandled error' × $errors, 'BackgroundService failed' × $died"

  pg_stop "$n1"
  pg_stop "$n2"
}

for replication in "${modes[@]}"; do
  if [[ $replication == sync ]]; then drill 6a sync; else drill 6b async; fi
done

if [[ -z ${FAILOVER_CHECKS:-} ]]; then
  section "Summary (failover $mode run, $(dl_elapsed "$started_at") s, $(nproc) cores shared with other work)"
  cat "$checks"
  failed=$(grep -c '^FAIL' "$checks" || true)
  echo
  ((failed == 0)) && echo "=== all $(wc -l <"$checks") checks passed" || echo "=== $failed of $(wc -l <"$checks") checks FAILED"
  exit $((failed != 0))
fi
