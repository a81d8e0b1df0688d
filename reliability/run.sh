#!/usr/bin/env bash
# Reliability suite (issue 5): does SweetsStore keep working and lose nothing under several processes, crashes,
# database outages, hostile and slow clients? Everything runs on loopback (plus this machine's own address for
# the non-loopback check) against published API processes (`dotnet SweetsStore.Api.dll`) and one private
# PostgreSQL 15 cluster (stock settings, fsync on, max_connections 200) in a temp folder; all of it is stopped
# by pid and removed at exit.
#
#   1  several processes, one database: 2 API processes, hundreds of couriers, thousands of orders, many
#      clients on both processes (assign + complete, some PATCH and GET), invariants and durability afterwards
#   1b Idempotency-Key storm: keyed imports, assigns and completes, first tries timing out, all retried with their
#      key on both processes: every effect exactly once, every replay byte for byte
#   2a kill -9 an API process in the middle of a large synchronous POST /orders (while PostgreSQL runs its COPY)
#   2b kill -9 the process whose Hangfire worker is loading a background import; the other process takes the job over
#   2c kill -9 an API process during the assign/complete storm, restart it
#   2d PostgreSQL crashes (pg_ctl stop -m immediate) during the storm, comes back (crash recovery)
#   2e PostgreSQL stopped (pg_stop) while requests flow: prompt 503s, readiness 503, then recovery by itself
#   3  hostile input: HostileInputTests with SWEETSSTORE_FUZZ_CASES in the thousands, raw-socket hostile
#      requests against a real Kestrel process
#   4  resource limits: slowloris (headers, bodies, idle), latency of ordinary clients during the attack,
#      413 for oversized bodies and 400 for deep JSON on real Kestrel
#   5  security basics: SQL audit of the product projects, imports refused from a non-loopback address without X-Api-Key,
#      no committed secrets, no stack trace or SQL text in any response or error log
#   6  the database primary lost (kill -9 of its postmaster) during a storm and a background import, a standby
#      promoted: 503s only, the API follows by itself, nothing acknowledged lost with a synchronous standby; the
#      same with an asynchronous one, losses counted (reliability/failover.sh, which also runs alone)
#
#   reliability/run.sh            full run (about 11 minutes here)
#   reliability/run.sh --quick    smaller and shorter (under 4 minutes)
# Prints every figure and a table of checks; exits non-zero when one fails. The output is kept in
# reliability/results/last-{full,quick}-run.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

mode=full
case ${1:-} in
  "") ;;
  --quick) mode=quick ;;
  *)
    echo "usage: reliability/run.sh [--quick]" >&2
    exit 2
    ;;
esac

# Keep a copy of everything printed (colour codes stripped) in reliability/results/.
if [[ -z ${RELIABILITY_CHILD:-} ]]; then
  mkdir -p reliability/results
  log=reliability/results/last-$mode-run.txt
  set +e
  RELIABILITY_CHILD=1 "$0" "$@" 2>&1 | tee >(sed 's/\x1b\[[0-9;]*m//g' >"$log.tmp")
  status=${PIPESTATUS[0]}
  set -e
  sleep 0.5
  mv "$log.tmp" "$log"
  echo "(output kept in $log)"
  exit "$status"
fi

source scripts/pg.sh
source scripts/deploy-lib.sh
DL_TAG=reliability
trap dl_cleanup EXIT
trap 'exit 130' INT TERM

if [[ $mode == quick ]]; then
  couriers=200 orders=20000 regions=20 clients=16 storm_seconds=12 chaos_seconds=16 sync_import=50000 bg_import=50000
  outage_down=4 outage_before=4 outage_after=7 fuzz_cases=250 mutations=100 slow_connections=120 slow_baseline=3 slow_attack=12 idle_watch=0
else
  couriers=500 orders=60000 regions=30 clients=32 storm_seconds=90 chaos_seconds=40 sync_import=200000 bg_import=200000
  outage_down=12 outage_before=6 outage_after=12 fuzz_cases=2000 mutations=300 slow_connections=300 slow_baseline=10 slow_attack=25 idle_watch=150
fi

suite_started=$(dl_now)
dl_need curl curl
dl_need jq jq
dl_workdir reliability
work=$DL_WORK
# The logs of the last run stay in reliability/results/last-MODE-logs/ (git-ignored) for a post-mortem.
logs_kept=$root/reliability/results/last-$mode-logs
dl_on_exit "rm -rf '$logs_kept'; mkdir -p '$logs_kept'; cp '$work'/*.log '$work'/*.out '$work'/*.events '$work/pg/postgres.log' '$logs_kept/' 2>/dev/null"
checks=$work/checks.txt
: >"$checks"

section() { printf '\n\033[1m=== %s\033[0m  [%s s into the run; load average %s]\n' "$*" "$(dl_elapsed "$suite_started")" "$(cut -d' ' -f1-3 /proc/loadavg)"; }
# check NAME CONDITION-EXIT-STATUS DETAIL: records a row of the final table.
check() {
  local name=$1 ok=$2 detail=${3:-}
  if [[ $ok == 0 ]]; then
    printf 'ok    %-58s %s\n' "$name" "$detail" | tee -a "$checks"
  else
    printf 'FAIL  %-58s %s\n' "$name" "$detail" | tee -a "$checks"
  fi
}
now_ms() { date +%s%3N; }

# ---- build: the API as it is deployed, the client, the tests (for scenario 3)
dl_publish "$work/app"
dl_say "building the reliability client and the tests (Release; a quick run builds the tests in the background)"
dotnet build reliability/SweetsStore.Reliability -c Release --nologo -clp:ErrorsOnly -o "$work/tool" >/dev/null ||
  dl_die "building reliability/SweetsStore.Reliability failed"
# The tests are needed only in section 3. A quick run builds them in the background meanwhile (the API project
# they reference is already built by the publish above), so a rebuild after a change does not double its time.
build_tests() { dotnet build SweetsStore.Tests -c Release --nologo -clp:ErrorsOnly >"$work/tests-build.out" 2>&1; }
if [[ $mode == quick ]]; then
  build_tests &
  tests_build_pid=$!
  dl_on_exit "kill $tests_build_pid 2>/dev/null"
else
  build_tests || { cat "$work/tests-build.out"; dl_die "building the tests failed"; }
fi
tool() { dotnet "$work/tool/SweetsStore.Reliability.dll" "$@"; }
# The same in the background, as its own process (so $! is the client itself), stopped at exit if still running.
tool_bg() {
  (exec dotnet "$work/tool/SweetsStore.Reliability.dll" "$@") &
  dl_on_exit "kill $! 2>/dev/null"
}

# ---- PostgreSQL: one private cluster, stock settings (fsync on) but room for three API pools and the tests
pg_settings=(-c max_connections=200)
dl_private_pg "$work/pg" "${pg_settings[@]}"
pg_password=$(cat "$work/pg/password")
sql() { # DB, then psql arguments; unaligned, tuples only, space-separated
  local db=$1
  shift
  PGPASSWORD=$pg_password "$PG_BIN/psql" -h 127.0.0.1 -p "$DL_PG_PORT" -U sweetsstore -d "$db" -X -q -v ON_ERROR_STOP=1 -A -t -F ' ' "$@"
}
pg_up() { pg_start "$work/pg" "$DL_PG_PORT" "${pg_settings[@]}"; }

# ---- API processes: published output, started by pid, restartable with the same settings
declare -A api_db api_urls api_extra api_registered
start_api() { # NAME DB URLS [KEY=VALUE ...]
  local name=$1 db=$2 urls=$3
  shift 3
  api_db[$name]=$db
  api_urls[$name]=$urls
  api_extra[$name]="$*"
  # Loopback trusted, as ./run.sh does: the scenarios start imports from this machine without a key.
  (
    cd "$work/app"
    # shellcheck disable=SC2068
    exec env ConnectionStrings__Postgres="$(pg_connection_string "$work/pg" "$DL_PG_PORT" "$db")" ASPNETCORE_URLS="$urls" \
      Logging__Console__FormatterName=simple Security__TrustLoopback=true Jobs__LeaseSeconds=3 Jobs__PollSeconds=1 $@ dotnet SweetsStore.Api.dll
  ) >>"$work/$name.log" 2>&1 &
  echo "$!" >"$work/$name.pid"
  disown "$!" # its death by kill -9 is on purpose: no job-control message
  if [[ -z ${api_registered[$name]:-} ]]; then
    api_registered[$name]=1
    dl_on_exit "dl_stop_pidfile '$work/$name.pid' 10"
  fi
}
restart_api() { # shellcheck disable=SC2086
  start_api "$1" "${api_db[$1]}" "${api_urls[$1]}" ${api_extra[$1]}
}
api_pid() { cat "$work/$1.pid"; }
kill9() { kill -KILL "$(api_pid "$1")" 2>/dev/null || true; }
wait_ready() { dl_wait_http "$1/health/ready" 200 "${2:-120}"; }
unhandled_errors() { cat "$@" 2>/dev/null | grep -c 'Unhandled error' || true; }
# What API processes logged at warning level or above, counted by level, category and the start of the message.
log_summary() { # LOG...
  # Ids, ports and timings are blanked so that one kind of message counts as one line.
  cat "$@" | awk '/^[0-9T:.-]+Z(warn|fail|crit): / { head = $0; sub(/^[0-9T:.-]+Z/, "", head); getline msg; sub(/^ +/, "", msg)
      gsub(/"[^"]*"/, "\"…\"", msg); gsub(/[0-9]+(\.[0-9]+)?ms/, "…ms", msg); gsub(/:[0-9][0-9][0-9][0-9]+/, ":…", msg)
      n[head " " substr(msg, 1, 110)]++ } END { for (k in n) printf "    %6d × %s\n", n[k], k }' | sort -rn | awk 'NR <= 15'
}

check_invariants() { # DB LABEL
  local out=$work/invariants-$2.out bad
  sql "$1" -f scripts/check-invariants.sql >"$out"
  bad=$(awk '/^invariant / { next } NF { n++ } END { print n + 0 }' "$out")
  awk '/^invariant / { if (name) printf "  %-8s %s\n", (rows ? "VIOLATED(" rows ")" : "ok"), name; name = substr($0, 11); rows = 0; next }
       NF { rows++ } END { printf "  %-8s %s\n", (rows ? "VIOLATED(" rows ")" : "ok"), name }' "$out"
  ((bad == 0)) || grep -v '^invariant ' "$out" | head -n 10 | sed 's/^/    violating: /'
  check "$2: scripts/check-invariants.sql (9 checks)" "$((bad != 0))" "$bad violating rows"
}

# Every completion a client got 200 for must be in the database, completed, in a bundle of that courier.
check_acked() { # DB FILE LABEL
  local result
  result=$(sql "$1" <<SQL
CREATE TEMP TABLE acked (order_id bigint, courier_id bigint);
\copy acked FROM '$2' WITH (FORMAT csv)
SELECT count(*), count(DISTINCT a.order_id),
       count(*) FILTER (WHERE o.complete_time IS NULL),
       count(*) FILTER (WHERE b.courier_id IS DISTINCT FROM a.courier_id)
FROM acked a LEFT JOIN orders o USING (order_id) LEFT JOIN bundles b ON b.bundle_id = o.bundle_id;
SQL
  )
  read -r n distinct lost wrong <<<"$result"
  echo "  acknowledged completions: $n ($distinct orders); not completed in the database: $lost; in another courier's bundle: $wrong"
  check "$3: every acknowledged completion is stored" "$((lost + wrong != 0))" "$distinct orders acknowledged, $lost lost, $wrong misplaced"
}

db_summary() { # DB
  sql "$1" -c "SELECT (SELECT count(*) FROM couriers), (SELECT count(*) FROM orders), (SELECT count(*) FROM orders WHERE bundle_id IS NULL),
      (SELECT count(*) FROM bundles), (SELECT count(*) FROM bundles WHERE finished_at IS NULL),
      (SELECT count(*) FROM orders WHERE complete_time IS NOT NULL), (SELECT coalesce(sum(earnings), 0) FROM couriers)" |
    awk '{ printf "  database: %d couriers, %d orders (%d pending), %d bundles (%d open), %d orders delivered, earnings total %d\n", $1, $2, $3, $4, $5, $6, $7 }'
}

wait_for() { # TIMEOUT-SECONDS COMMAND...: polls every 0.05 s until COMMAND succeeds
  local timeout=$1 start=$SECONDS
  shift
  until "$@"; do
    ((SECONDS - start < timeout)) || return 1
    sleep 0.05
  done
}

# =====================================================================================================
section "1. Several processes, one database"
pg_create_database "$work/pg" "$DL_PG_PORT" store
port_a=$(pg_free_port)
port_b=$(pg_free_port)
A=http://127.0.0.1:$port_a
B=http://127.0.0.1:$port_b
started=$(dl_now)
start_api api1 store "$A"
start_api api2 store "$B"
wait_ready "$A" && wait_ready "$B" || dl_die "the API processes did not become ready"
dl_say "API 1 (pid $(api_pid api1)) on $A and API 2 (pid $(api_pid api2)) on $B started together on an empty database: both ready after $(dl_elapsed "$started") s"
echo "  migrations: $(grep -h -c "Applying migration" "$work/api1.log" "$work/api2.log" | paste -sd' ' | awk '{ print "API 1 applied " $1 ", API 2 applied " $2 }') (one at a time under an advisory lock)"
conflicts=$(cat "$work/api1.log" "$work/api2.log" | grep -c 'Migrations not applied yet (42' || true)
check "1: two processes migrating an empty database together: no conflict" "$((conflicts != 0))" "$conflicts failed migration attempts (42P07 and the like)"
hangfire_installs=$(cat "$work/api1.log" "$work/api2.log" | grep -c "Hangfire schema 'hangfire' installed" || true)
check "1: Hangfire's schema installed once, by one of them" "$((hangfire_installs != 1))" "$hangfire_installs installs (under the migration lock)"
tool seed --url "$A" --couriers "$couriers" --orders "$orders" --regions "$regions"
set +e
tool storm --urls "$A,$B" --clients "$clients" --seconds "$storm_seconds" --couriers "$couriers" --regions "$regions" \
  --patch-percent 3 --get-percent 5 --acked "$work/s1-acked.csv" | tee "$work/s1-storm.out"
storm_status=${PIPESTATUS[0]}
set -e
check "1: storm on 2 processes: no 5xx, no unexpected answer" "$storm_status" \
  "$(awk '/^storm done/ { print $3, "requests,", $9, "req/s" }' "$work/s1-storm.out")"
db_summary store
check_invariants store "1"
check_acked store "$work/s1-acked.csv" "1"

# =====================================================================================================
section "1b. Idempotency-Key storm: every request keyed, most time out on their first try, all retried with their key"
set +e
tool keyed-storm --urls "$A,$B" --clients "$clients" --seconds "$storm_seconds" | tee "$work/s1b-keyed.out"
keyed_status=${PIPESTATUS[0]}
set -e
read -r k_orders k_bundles k_completes < <(awk '/^keyed-storm done/ { print $4, $6, $8 }' "$work/s1b-keyed.out")
db_orders=$(sql store -c "SELECT count(*) FROM orders WHERE order_id >= 50000000")
db_bundles=$(sql store -c "SELECT count(*) FROM bundles WHERE courier_id >= 90000000")
db_completes=$(sql store -c "SELECT count(*) FROM orders WHERE order_id >= 50000000 AND complete_time IS NOT NULL")
check "1b: keyed storm: every retry answered, every replay byte for byte" "$keyed_status" \
  "$(awk '/^keyed-storm done/ { print $10, "requests,", $12, "retries,", $14, "timeouts,", $16, "409s" }' "$work/s1b-keyed.out")"
check "1b: keyed storm: every effect exactly once" "$([[ ${k_orders:-x} == "$db_orders" && ${k_bundles:-x} == "$db_bundles" && ${k_completes:-x} == "$db_completes" ]]; echo $?)" \
  "orders $db_orders (acked ${k_orders:-?}), bundles $db_bundles (${k_bundles:-?}), completes $db_completes (${k_completes:-?})"
check_invariants store "1b"

# =====================================================================================================
# Sections 2a and 2b catch an import mid-load for certain, not by racing it: a session of ours (application name
# $hold_app) holds an uncommitted order whose id is in the import, so the loading COPY waits there (a unique index
# waits for the inserting transaction) with the rows before it in its transaction, however fast this machine loads.
# (Runs that only polled for progress saw the quick 50k import finish first: 2b once, 2a after issue22g's faster
# reader.) The hold is released right after the kill: it rolls back and leaves nothing behind.
start_hold() { # APP ORDER-ID OUTPUT-FILE: sets hold_app and hold_pid
  hold_app=$1
  (
    PGAPPNAME=$hold_app PGPASSWORD=$pg_password exec "$PG_BIN/psql" -h 127.0.0.1 -p "$DL_PG_PORT" -U sweetsstore -d store -X -q -v ON_ERROR_STOP=1 <<SQL
BEGIN;
INSERT INTO orders (order_id, weight_cg, region, delivery_hours, delivery) VALUES ($2, 100, 1, '{09:00-18:00}', '{[540,1080)}');
SELECT pg_sleep(900);
SQL
  ) >"$3" 2>&1 &
  hold_pid=$!
  dl_on_exit "kill $hold_pid 2>/dev/null"
  wait_for 30 hold_ready || dl_die "the holding session did not start: $(cat "$3")"
}
hold_ready() { [[ $(sql store -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$hold_app' AND state = 'active'") == 1 ]]; }
release_hold() { sql store -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '$hold_app'" >/dev/null; }
copy_held() { [[ $(sql store -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY orders%' AND wait_event_type = 'Lock'") == 1 ]]; }

# =====================================================================================================
section "2a. kill -9 an API process in the middle of a synchronous POST /orders of $sync_import orders"
first=1000001
last=$((first + sync_import - 1))
tool gen-import --out "$work/sync.json" --first "$first" --count "$sync_import" --regions "$regions"
copy_rows() { sql store -c "SELECT coalesce(max(tuples_processed), 0) FROM pg_stat_progress_copy WHERE relid = 'orders'::regclass"; }
copy_running() { [[ $(sql store -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY orders%' AND state <> 'idle'") != 0 ]]; }
copy_gone() { ! copy_running; }
# Three quarters in: the batches before the held order's (4,096, 8,192, 16,384 rows, … with the default batch size)
# hold more than a quarter of the import in its transaction when the COPY waits.
hold_id=$((first + sync_import * 3 / 4))
start_hold reliability-2a-hold "$hold_id" "$work/s2a-hold.out"
posted=$(dl_now)
curl -s -o "$work/s2a.body" -w '%{http_code}' -H 'Content-Type: application/json' -H 'Expect:' --data-binary @"$work/sync.json" "$A/orders" >"$work/s2a.code" &
curl_pid=$!
dl_on_exit "kill $curl_pid 2>/dev/null"
if wait_for 120 copy_held; then
  at_kill=$(copy_rows)
  kill9 api1
  killed_after=$(dl_elapsed "$posted")
  release_hold
  wait "$curl_pid" || true
  echo "  API 1 killed $killed_after s after the POST, its COPY held at order $hold_id (that COPY had taken $at_kill rows; earlier batches were in the transaction); the hold released; the client got HTTP $(cat "$work/s2a.code") (000 = connection dropped)"
  gone=$(dl_now)
  wait_for 60 copy_gone || true
  echo "  PostgreSQL ended the orphaned COPY $(dl_elapsed "$gone") s after the kill (its client socket closed)"
  stored=$(sql store -c "SELECT count(*) FROM orders WHERE order_id BETWEEN $first AND $last")
  check "2a: killed synchronous import is all or nothing" "$((stored != 0 && stored != sync_import))" "$stored of $sync_import rows present after the kill"
else
  release_hold
  wait "$curl_pid" || true
  check "2a: caught the import while its COPY was held mid-load" 1 "the COPY was not seen waiting at order $hold_id (HTTP $(cat "$work/s2a.code"))"
fi
kill "$hold_pid" 2>/dev/null || true
started=$(dl_now)
restart_api api1
wait_ready "$A" || dl_die "API 1 did not come back"
echo "  API 1 restarted, ready after $(dl_elapsed "$started") s"
check_invariants store "2a"
status=$(curl -s -o "$work/s2a-again.body" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$work/sync.json" "$B/orders")
stored=$(sql store -c "SELECT count(*) FROM orders WHERE order_id BETWEEN $first AND $last")
check "2a: the same import sent again is stored whole" "$([[ $status == 201 && $stored == "$sync_import" ]] && echo 0 || echo 1)" "HTTP $status, $stored of $sync_import rows"

# =====================================================================================================
section "2b. kill -9 the process whose Hangfire worker is loading a background import of $bg_import orders (Jobs__LeaseSeconds=3)"
first=2000001
last=$((first + bg_import - 1))
tool gen-import --out "$work/bg.ndjson" --format ndjson --first "$first" --count "$bg_import" --regions "$regions"
# Caught for certain (start_hold, above): the order held is in the middle of the import.
hold_id=$((first + bg_import / 2))
start_hold reliability-2b-hold "$hold_id" "$work/s2b-hold.out"
reply=$(curl -s -w '\n%{http_code}' -H 'Content-Type: application/x-ndjson' --data-binary @"$work/bg.ndjson" "$A/imports/orders")
[[ $(tail -n 1 <<<"$reply") == 202 ]] || dl_die "POST /imports/orders answered $(tail -n 1 <<<"$reply"): $(head -c 300 <<<"$reply")"
import_id=$(head -n 1 <<<"$reply" | jq -r .import_id)
# Who holds the job, from Hangfire's own tables: the import's job, its current state, and the ServerId a Processing
# state records ("<name>:<process id>:<guid>").
job_state() {
  sql store -c "SELECT i.status, i.rows_done, coalesce(s.data->>'ServerId', '-'), i.attempts, coalesce(j.statename, '-')
    FROM imports i LEFT JOIN hangfire.job j ON j.id = i.job_id::bigint LEFT JOIN hangfire.state s ON s.id = j.stateid
    WHERE i.import_id = $import_id"
}
copy_rows() { sql store -c "SELECT coalesce(max(p.tuples_processed), 0) FROM pg_stat_progress_copy p JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'sweetsstore' AND p.relid = 'orders'::regclass"; }
held_mid_load() {
  read -r s _ h _ js <<<"$(job_state)"
  [[ $s == running && $js == Processing && $h != - ]] && copy_held
}
if wait_for 180 held_mid_load; then
  read -r _ rows holder _ <<<"$(job_state)"
  at_kill=$(copy_rows)
  holder_pid=$(cut -d: -f2 <<<"$holder")
  victim=
  for name in api1 api2; do [[ $(api_pid $name) == "$holder_pid" ]] && victim=$name; done
  [[ -n $victim ]] || dl_die "the job's holder ($holder) is neither API process"
  survivor=api1
  [[ $victim == api1 ]] && survivor=api2
  kill9 "$victim"
  killed=$(dl_now)
  release_hold
  echo "  import $import_id: Hangfire server $holder ($victim) killed with its COPY at $at_kill of $bg_import rows (held at order $hold_id); the hold released"
  taken_over() { read -r _ _ h _ js <<<"$(job_state)"; [[ $js == Processing && $h != "$holder" ]] || [[ $js == Succeeded ]]; }
  finished() { read -r s _ <<<"$(job_state)"; [[ $s == succeeded || $s == failed ]]; }
  wait_for 120 taken_over && echo "  taken over by $(job_state | awk '{ print $3 }') $(dl_elapsed "$killed") s after the kill (lease 3 s)" || echo "  not taken over within 120 s"
  wait_for 300 finished || true
  echo "  import ended $(dl_elapsed "$killed") s after the kill: $(job_state | awk '{ print "status " $1 ", Hangfire job " $5 ", import attempts " $4 }')"
  survivor_url=$A
  [[ $survivor == api2 ]] && survivor_url=$B
  echo "  GET /imports/$import_id: $(curl -s "$survivor_url/imports/$import_id" | jq -c '{status, rows_total, rows_done, attempts, duration_seconds}')"
  echo "  Hangfire's history of the job: $(sql store -c "SELECT string_agg(s.name || coalesce('@' || split_part(s.data->>'ServerId', ':', 2), ''), ' → ' ORDER BY s.id)
    FROM imports i JOIN hangfire.state s ON s.jobid = i.job_id::bigint WHERE i.import_id = $import_id") (@ process id)"
  read -r status _ _ attempts _ <<<"$(job_state)"
  stored=$(sql store -c "SELECT count(*) FROM orders WHERE order_id BETWEEN $first AND $last")
  distinct=$(sql store -c "SELECT count(DISTINCT order_id) FROM orders WHERE order_id BETWEEN $first AND $last")
  chunks=$(sql store -c "SELECT count(*) FROM import_chunks WHERE import_id = $import_id")
  check "2b: background import resumed by the other process, succeeded" "$([[ $status == succeeded ]] && echo 0 || echo 1)" "status $status after $attempts attempts"
  check "2b: its rows are stored exactly once" "$((stored != bg_import || distinct != bg_import))" "$stored rows, $distinct ids of $bg_import; uploaded body left behind: $chunks chunks"
  started=$(dl_now)
  restart_api "$victim"
  if [[ $victim == api1 ]]; then wait_ready "$A"; else wait_ready "$B"; fi
  echo "  $victim restarted, ready after $(dl_elapsed "$started") s"
else
  release_hold
  check "2b: caught the import while its COPY was held mid-load" 1 "state: $(job_state)"
fi
kill "$hold_pid" 2>/dev/null || true
check_invariants store "2b"

# =====================================================================================================
section "2c. kill -9 an API process during the assign/complete storm"
set +e
tool_bg storm --urls "$A,$B" --clients "$clients" --seconds "$chaos_seconds" --couriers "$couriers" --regions "$regions" \
  --patch-percent 3 --get-percent 5 --failover --allow-transport-errors --acked "$work/s2c-acked.csv" --timeline >"$work/s2c-storm.out" 2>&1
storm_pid=$!
sleep "$((chaos_seconds / 3))"
kill9 api2
killed=$(dl_now)
echo "  API 2 killed $((chaos_seconds / 3)) s into the storm"
sleep 2
restart_api api2
wait_ready "$B"
echo "  API 2 restarted, ready $(dl_elapsed "$killed") s after the kill"
wait "$storm_pid"
storm_status=$?
set -e
cat "$work/s2c-storm.out"
check "2c: storm through a kill -9: no 5xx, no unexpected answer" "$storm_status" \
  "$(grep -o 'no answer: [0-9]*' "$work/s2c-storm.out" | head -n 1) (requests to the dead process)"
check_invariants store "2c"
check_acked store "$work/s2c-acked.csv" "2c"

# =====================================================================================================
section "2d. PostgreSQL crashes (pg_ctl stop -m immediate) during the storm and recovers"
set +e
tool_bg storm --urls "$A,$B" --clients "$clients" --seconds "$chaos_seconds" --couriers "$couriers" --regions "$regions" \
  --patch-percent 3 --get-percent 5 --allow-503 --acked "$work/s2d-acked.csv" --timeline >"$work/s2d-storm.out" 2>&1
storm_pid=$!
sleep "$((chaos_seconds / 4))"
crashed=$(dl_now)
pg_as_owner "$PG_BIN/pg_ctl" -D "$work/pg/pgdata" -m immediate -w stop >/dev/null
echo "  PostgreSQL killed (immediate: no checkpoint, every backend gone at once) $((chaos_seconds / 4)) s into the storm"
sleep 3
restarting=$(dl_now)
pg_up
echo "  PostgreSQL restarted (crash recovery from WAL) in $(dl_elapsed "$restarting") s; down $(dl_elapsed "$crashed") s in all"
wait "$storm_pid"
storm_status=$?
set -e
cat "$work/s2d-storm.out"
check "2d: storm through a database crash: only 503 JSON, no 500" "$storm_status" "$(grep -o 'POST /orders/complete.*requests' "$work/s2d-storm.out" | head -n 1 | awk '{ print $3, "completes" }')"
echo "  postgres.log: $(grep -m 1 -o 'database system was not properly shut down.*' "$work/pg/postgres.log" || echo 'no crash recovery logged'); $(grep -m 1 -o 'redo done at.*' "$work/pg/postgres.log" || true)"
check_invariants store "2d"
check_acked store "$work/s2d-acked.csv" "2d"

# =====================================================================================================
section "2e. PostgreSQL stopped (pg_stop) while requests flow, then started again"
events=$work/outage.events
: >"$events"
probe_seconds=$((outage_before + outage_down + outage_after))
set +e
tool_bg probe --urls "$A,$B" --seconds "$probe_seconds" --couriers "$couriers" --clients 4 --events "$events" --log "$work/probe.log" >"$work/probe.out" 2>&1
probe_pid=$!
sleep "$outage_before"
echo "stopping $(now_ms)" >>"$events"
pg_stop "$work/pg"
echo "stopped $(now_ms)" >>"$events"
sleep "$outage_down"
echo "starting $(now_ms)" >>"$events"
pg_up
echo "started $(now_ms)" >>"$events"
wait "$probe_pid"
probe_status=$?
set -e
cat "$work/probe.out"
check "2e: database outage: prompt 503 JSON, ready 503, live 200, recovery" "$probe_status" \
  "$(grep -o 'max [0-9.]* ms' "$work/probe.out" | head -n 1) during the outage; $(grep -o 'first 2xx API answer [0-9.]* s' "$work/probe.out" | sed 's/first 2xx API answer/2xx again after/')"
check_invariants store "2e"
echo "  warnings and errors the two API processes logged during sections 1-2:"
log_summary "$work/api1.log" "$work/api2.log"
errors=$(unhandled_errors "$work/api1.log" "$work/api2.log")
check "1-2: no 'Unhandled error' (500) in the API logs" "$((errors != 0))" "$errors in api1.log + api2.log"
((errors == 0)) || grep -h -A4 'Unhandled error' "$work/api1.log" "$work/api2.log" | head -n 30 | sed 's/^/    /'

# =====================================================================================================
section "3. Hostile input at scale"
pg_create_database "$work/pg" "$DL_PG_PORT" edge
own_ip=$(hostname -I | awk '{ print $1 }')
port_e=$(pg_free_port)
port_n=$(pg_free_port)
port_d=$(pg_free_port)
E=http://127.0.0.1:$port_e
N=http://$own_ip:$port_n
D=$port_d # a third, dual-stack binding ([::], as http://+:PORT does): IPv4 clients arrive as ::ffff:a.b.c.d
api_key=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
start_api edge edge "$E;$N;http://[::]:$D" "Security__ApiKey=$api_key"
wait_ready "$E" || dl_die "the edge API did not become ready"
dl_say "edge API (pid $(api_pid edge)) on $E and on $N (this machine's own address), its own database"
tool seed --url "$E" --couriers 3 --orders 20 --regions 2 >/dev/null
curl -s -o /dev/null "$E/orders/assign" -d '{"courier_id":1}'
if ((idle_watch > 0)); then
  tool_bg idle --url "$E" --connections 20 --max-seconds "$idle_watch" >"$work/idle.out" 2>&1
  idle_pid=$!
fi

set +e
tool hostile --url "$E" --mutations "$mutations" | tee "$work/hostile.out"
hostile_status=${PIPESTATUS[0]}
set -e
alive=0
kill -0 "$(api_pid edge)" 2>/dev/null || alive=1
check "3: raw hostile requests: only 4xx/closed, no leak" "$hostile_status" \
  "$(head -n 1 "$work/hostile.out" | grep -o '[0-9]* connections, [0-9]* requests')"
check "3: the process survived them (same pid, /health/live 200)" "$((alive != 0))" "pid $(api_pid edge)"

if [[ -n ${tests_build_pid:-} ]]; then
  wait "$tests_build_pid" || { cat "$work/tests-build.out"; dl_die "building the tests failed"; }
fi
dl_say "HostileInputTests with SWEETSSTORE_FUZZ_CASES=$fuzz_cases (in-memory pipeline, this cluster)"
set +e
SWEETSSTORE_TEST_DB=$(pg_connection_string "$work/pg" "$DL_PG_PORT" postgres) SWEETSSTORE_FUZZ_CASES=$fuzz_cases \
  dotnet test -c Release --no-build --nologo SweetsStore.Tests --filter "FullyQualifiedName~HostileInputTests" >"$work/fuzz.out" 2>&1
fuzz_status=$?
set -e
grep -E 'Passed!|Failed!|Failed |Error Message' "$work/fuzz.out" | head -n 10 | sed 's/^/  /'
# BodiesOfEveryEndpoint: 5 requests per case; PathIdsAndQueries: 4 per case + 15; BulkImportUploads: 2 per 3 cases.
fuzz_requests=$((5 * fuzz_cases + 4 * fuzz_cases + 15 + 2 * (fuzz_cases / 3)))
check "3: HostileInputTests, $fuzz_cases cases per endpoint" "$fuzz_status" "$fuzz_requests hostile requests, every one 4xx and nothing stored"

# =====================================================================================================
section "4. Resource limits: slowloris and body limits on real Kestrel"
set +e
tool slowloris --url "$E" --connections "$slow_connections" --baseline-seconds "$slow_baseline" --attack-seconds "$slow_attack" | tee "$work/slowloris.out"
slow_status=${PIPESTATUS[0]}
tool limits --url "$E" | tee "$work/limits.out"
limits_status=${PIPESTATUS[0]}
set -e
check "4: slowloris: ordinary clients served, slow ones cut" "$slow_status" \
  "$(grep -o 'under attack, kept-alive client: *p50 [0-9.]* ms, p90 [0-9.]* ms, p99 [0-9.]* ms' "$work/slowloris.out" | sed 's/.*client: *//; s/, p90 [0-9.]* ms//')"
check "4: oversized body 413, deep JSON 400 (real Kestrel)" "$limits_status" "$(grep -c '^  ok' "$work/limits.out") cases"

# =====================================================================================================
section "5. Security basics"
set +e
tool sql-audit --src . | tee "$work/sql-audit.out"
audit_status=${PIPESTATUS[0]}
mkdir -p "$work/audit-selftest/SweetsStore.Data"
cat >"$work/audit-selftest/SweetsStore.Data/Planted.cs" <<'CS'
class Planted { void Find(string name) { var c = db.CreateCommand($"SELECT * FROM couriers WHERE name = '{name}'"); } }
CS
tool sql-audit --src "$work/audit-selftest" >"$work/sql-audit-selftest.out"
selftest_status=$?
set -e
check "5: every SQL statement of the product projects is parameterised" "$audit_status" "$(grep -o '[0-9]* SQL command sites' "$work/sql-audit.out"), $(grep -o '[0-9]* interpolated SQL strings' "$work/sql-audit.out") with fixed fragments only"
check "5: the audit catches a planted string-built query" "$((selftest_status == 0))" "$(grep -c FAIL "$work/sql-audit-selftest.out") finding(s) in the planted file"

post_import() { # URL EXTRA-CURL-ARGS...: prints "HTTP-STATUS LOCAL-IP"
  local url=$1
  shift
  curl -s -o "$work/import.out" -w '%{http_code} %{local_ip}' -H 'Content-Type: application/json' "$@" \
    --data-binary "{\"data\":[{\"order_id\":$((900000 + RANDOM)),\"weight\":1,\"region\":1,\"delivery_hours\":[\"09:00-18:00\"]}]}" "$url"
}
echo "  API bound to $N (this machine's address) and $E; Security__ApiKey set from the environment"
read -r s1 ip1 <<<"$(post_import "$N/imports/orders")"
body401=$(cat "$work/import.out")
read -r s2 _ <<<"$(post_import "$N/imports/orders" -H 'X-Api-Key: wrong-key')"
read -r s3 _ <<<"$(post_import "$N/imports/orders" -H 'X-Forwarded-For: 127.0.0.1' -H 'X-Real-IP: 127.0.0.1')"
read -r s4 _ <<<"$(post_import "$N/imports/couriers?format=ndjson")"
read -r s5 _ <<<"$(post_import "$N/imports/orders" -H "X-Api-Key: $api_key")"
read -r s6 ip6 <<<"$(post_import "$E/imports/orders")"
read -r d1 _ <<<"$(post_import "http://127.0.0.1:$D/imports/orders")"
read -r d2 _ <<<"$(post_import "http://$own_ip:$D/imports/orders")"
own_ip6=$(hostname -I | tr ' ' '\n' | grep -m 1 ':' || true)
d3=-
[[ -n $own_ip6 ]] && read -r d3 _ <<<"$(post_import "http://[$own_ip6]:$D/imports/orders")"
echo "  from $ip1 (not loopback): no key → $s1 $body401"
echo "  from $ip1: wrong key → $s2; X-Forwarded-For/X-Real-IP: 127.0.0.1 without key → $s3; POST /imports/couriers without key → $s4; right key → $s5"
echo "  from $ip6 (loopback): no key → $s6"
echo "  dual-stack listener [::]:$D without key: from 127.0.0.1 (seen as ::ffff:127.0.0.1) → $d1; from $own_ip → $d2; from ${own_ip6:-no IPv6 address} → $d3"
check "5: imports from a non-loopback address need X-Api-Key" \
  "$([[ $s1 == 401 && $s2 == 401 && $s3 == 401 && $s4 == 401 && $s5 == 202 && $s6 == 202 && $ip1 != 127.* && $d1 == 202 && $d2 == 401 && $d3 != 202 ]] && jq -e '.status == 401' <<<"$body401" >/dev/null && echo 0 || echo 1)" \
  "no key $s1, wrong key $s2, spoofed forwarding $s3, couriers $s4; key $s5; loopback $s6; dual-stack: loopback $d1, $own_ip $d2, IPv6 $d3"

# Committed secrets: connection strings with a literal password, key/secret/token assignments, private keys.
# reliability/secrets-reviewed.txt lists the hits a person has read and found harmless (and is not scanned itself,
# nor are the kept outputs of this script, which quote those hits).
git ls-files -z -- . ':!reliability/secrets-reviewed.txt' ':!reliability/results/' | xargs -0 grep -nIE \
  -e 'Password=[^;$"'"'"'{}…. ]{3,}' \
  -e '(PASSWORD|SECRET|API_?KEY|TOKEN|ApiKey)["'"'"']?[[:space:]]*[:=][[:space:]]*["'"'"']?[A-Za-z0-9+/_-]{6,}' \
  -e '-----BEGIN [A-Z ]*PRIVATE KEY-----' -e 'AKIA[0-9A-Z]{16}' >"$work/secrets.out" || true
grep -vE '^(#|$)' reliability/secrets-reviewed.txt >"$work/secrets-reviewed.txt"
echo "  possible secrets in tracked files ($(wc -l <"$work/secrets.out") hits; reviewed ones in reliability/secrets-reviewed.txt):"
while IFS= read -r hit; do
  if grep -qE -f "$work/secrets-reviewed.txt" <<<"$hit"; then echo "    reviewed: $hit"; else echo "    UNREVIEWED: $hit"; fi
done <"$work/secrets.out"
unreviewed=$(grep -cvE -f "$work/secrets-reviewed.txt" "$work/secrets.out" || true)
ignored=0
git check-ignore -q .data/pg/password && git check-ignore -q .env || ignored=1
tracked=$(git ls-files .data .env | wc -l)
check "5: no committed secrets; .data/ and .env ignored" "$((unreviewed != 0 || ignored != 0 || tracked != 0))" \
  "$unreviewed unreviewed hits; .gitignore covers .data/ and .env: $([[ $ignored == 0 ]] && echo yes || echo NO); tracked there: $tracked"

echo "  warnings and errors the edge API process logged during sections 3-5:"
log_summary "$work/edge.log"
errors=$(unhandled_errors "$work/edge.log")
check "3-5: no 'Unhandled error' (500) in the edge API log" "$((errors != 0))" "$errors"
leaky=$(cat "$work"/*.out | grep -cE 'UNEXPECTED.*leaks|FAIL.*leaks' || true)
check "1-5: no stack trace, exception or SQL text in any response" "$((leaky != 0))" "every error body of every run checked ($leaky leaks)"

# =====================================================================================================
# 6. The database primary lost, a standby promoted: reliability/failover.sh, on primary + standby pairs of its own
# (synchronous, then asynchronous), with this run's build; its checks join this run's table.
set +e
FAILOVER_APP=$work/app FAILOVER_TOOL=$work/tool FAILOVER_CHECKS=$checks reliability/failover.sh "--$mode"
set -e

if ((idle_watch > 0)); then
  dl_say "waiting for the idle connections opened at the start of section 3 (Kestrel's KeepAliveTimeout)"
  set +e
  wait "$idle_pid"
  idle_status=$?
  set -e
  sed 's/^/  /' "$work/idle.out"
  check "4: idle connections are closed by Kestrel" "$idle_status" "$(grep -o 'after [0-9.–]* s' "$work/idle.out")"
fi

# =====================================================================================================
section "Summary ($mode run, $(dl_elapsed "$suite_started") s, $(nproc) cores shared with other work, load average $(cut -d' ' -f1-3 /proc/loadavg))"
cat "$checks"
failed=$(grep -c '^FAIL' "$checks" || true)
echo
if ((failed == 0)); then
  echo "=== all $(wc -l <"$checks") checks passed"
else
  echo "=== $failed of $(wc -l <"$checks") checks FAILED"
fi
dl_say "tearing down (API processes, PostgreSQL, $work)"
exit $((failed != 0))
