#!/usr/bin/env bash
# The scaled-out shape of docs/scaling.md, on one machine, on loopback, with free ports:
#
#   wrk ──> nginx :one ──> API 1 ─┐
#       └─> nginx :two ──> API 1 ─┼──> PgBouncer (transaction pooling) ──> PostgreSQL 15
#                      └─> API 2 ─┘
#
# Loads couriers and orders through the API (POST /couriers, POST /orders), then runs the same wrk mix
# (scaling/mix.lua: GET /couriers/{id}, POST /orders/assign, POST /orders/complete) for DURATION seconds
# through nginx, with one API process behind it and with two, each time on freshly reset data;
# prints requests/s for both and the ratio, CPU seconds per component, PgBouncer's pools, and the
# invariant checks of scripts/check-invariants.sql after each run. Everything it starts runs from a temp
# folder with its own config, pid and log files, and is stopped (by pid) at exit.
# The two set-ups alternate as one, two, two, one (ROUNDS=2; more rounds repeat the pattern) so that a
# steady drift (JIT still improving, other work on the machine coming and going) favours neither.
#   scaling/run.sh      DURATION=15 ROUNDS=2 THREADS=8 COURIERS=2000 ORDERS=30000 REGIONS=40 WARMUP=10
# API_CPU=0.25 caps each API process at that many cores (its own CPU cgroup with a CFS quota; .NET sizes its
# thread pool and GC to it as in a container): a replica that brings a fixed CPU budget of its own, as a
# separate machine would, so that what a second replica adds can be seen on one shared 2-core machine.
# Unset (the default), both processes compete for the same cores.
# Needs: dotnet SDK, PostgreSQL server binaries; Debian's nginx, pgbouncer, wrk, curl (installed if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/pg.sh
source scripts/deploy-lib.sh
DL_TAG=scaling
trap dl_cleanup EXIT
trap 'exit 130' INT TERM

duration=${DURATION:-15}
threads=${THREADS:-8}
couriers=${COURIERS:-2000}
orders=${ORDERS:-30000}
regions=${REGIONS:-40}
warmup=${WARMUP:-10}
# A capped process also tiers its JIT up on that budget, for minutes: after 10 s of warm-up at 0.25 cores one
# process served 231 req/s in the first run and 548 in the last, at the same CPU (after 60 s: 257 and 504).
# So capped processes compile each method fully optimised once (no tiering, no drift) and warm up longer.
api_env=()
[[ -n ${API_CPU:-} ]] && warmup=${WARMUP:-30} && api_env=(DOTNET_TieredCompilation=0)
rounds=${ROUNDS:-2}
api_cpu=${API_CPU:-}

dl_need nginx nginx
dl_need pgbouncer pgbouncer
dl_need wrk wrk
dl_need curl curl
[[ $(id -u) -eq 0 ]] || dl_die "run as root: nginx, PgBouncer and PostgreSQL are started as their own users"

dl_workdir scaling
work=$DL_WORK
scaling/gen-data.sh "$work/data" "$couriers" "$orders" "$regions"
dl_publish "$work/app"

# ---- PostgreSQL: stock settings; 2 cores -> a small server pool in front of it
dl_private_pg "$work/pg"
pg_password=$(cat "$work/pg/password")
sql() { PGPASSWORD=$pg_password "$PG_BIN/psql" -h 127.0.0.1 -p "$DL_PG_PORT" -U sweetsstore -d sweetsstore -X -q -v ON_ERROR_STOP=1 "$@"; }

# ---- PgBouncer (runs as `postgres`: it refuses root), transaction pooling
bouncer_port=$(pg_free_port)
mkdir -p "$work/pgbouncer"
printf '"sweetsstore" "%s"\n' "$pg_password" >"$work/pgbouncer/userlist.txt"
cat >"$work/pgbouncer/pgbouncer.ini" <<INI
[databases]
sweetsstore = host=127.0.0.1 port=$DL_PG_PORT dbname=sweetsstore

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $work/pgbouncer/userlist.txt
admin_users = sweetsstore
; A server connection is lent for one transaction. The API's transactions are short and self-contained
; (no session state, no LISTEN, no session advisory locks, no prepared statements), so they multiplex.
pool_mode = transaction
; 2 cores: 20 server connections for up to 1000 client connections (2 APIs x Npgsql pools of 50).
default_pool_size = 20
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits
logfile = $work/pgbouncer/pgbouncer.log
pidfile = $work/pgbouncer/pgbouncer.pid
log_connections = 0
log_disconnections = 0
INI
chown -R postgres "$work/pgbouncer"
chmod 600 "$work/pgbouncer/userlist.txt"
dl_on_exit "dl_stop_pidfile '$work/pgbouncer/pgbouncer.pid'"
runuser -u postgres -- pgbouncer -d "$work/pgbouncer/pgbouncer.ini" || dl_die "PgBouncer did not start"
dl_say "PgBouncer $(pgbouncer --version | head -n 1 | awk '{print $2}') on 127.0.0.1:$bouncer_port (pool_mode=transaction, 20 server connections)"
bouncer() { PGPASSWORD=$pg_password "$PG_BIN/psql" -h 127.0.0.1 -p "$bouncer_port" -U sweetsstore -d pgbouncer -X -q "$@"; }

# ---- schema: applied once, directly on PostgreSQL (a deploy step), not by every replica through the pooler
ConnectionStrings__Postgres=$DL_PG_CS dotnet "$work/app/SweetsStore.Api.dll" migrate >"$work/migrate.log" 2>&1 ||
  { cat "$work/migrate.log"; dl_die "migrate failed"; }
dl_say "migrations applied (dotnet SweetsStore.Api.dll migrate, direct connection)"

# ---- two API processes, both through PgBouncer. Npgsql must not send DISCARD ALL when it returns a
# connection to its own pool (No Reset On Close): under transaction pooling that reset would run on
# whatever server connection the next transaction gets. No prepared statements: Npgsql's default
# (Max Auto Prepare=0) and the API never calls Prepare(); PgBouncer < 1.21 cannot track them.
bouncer_cs="Host=127.0.0.1;Port=$bouncer_port;Database=sweetsstore;Username=sweetsstore;Password=$pg_password;No Reset On Close=true;Max Auto Prepare=0"
api_ports=()
api_pids=()
# cpu_cap NAME CORES: a CPU cgroup (v1 `cpu` controller or v2 `cpu.max`) with a quota of CORES, removed at exit
# (after the process in it is stopped: cleanups run newest first). Sets `procs` to the file to write a pid into.
# Not in a command substitution: its cleanup must be registered in this shell.
cpu_cap() {
  local name=$1 cores=$2 dir quota
  quota=$(awk -v c="$cores" 'BEGIN { if (c + 0 <= 0) exit 1; printf "%d", c * 100000 }') || dl_die "API_CPU must be a positive number of cores"
  if [[ -f /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]]; then
    dir=/sys/fs/cgroup/cpu/$name
    mkdir "$dir" && echo 100000 >"$dir/cpu.cfs_period_us" && echo "$quota" >"$dir/cpu.cfs_quota_us" || dl_die "cannot create $dir"
  elif grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control || echo +cpu >/sys/fs/cgroup/cgroup.subtree_control || dl_die "cannot enable the cgroup v2 cpu controller"
    dir=/sys/fs/cgroup/$name
    mkdir "$dir" && echo "$quota 100000" >"$dir/cpu.max" || dl_die "cannot create $dir"
  else
    dl_die "API_CPU needs a writable CPU cgroup (v1 /sys/fs/cgroup/cpu or v2 with the cpu controller)"
  fi
  dl_on_exit "rmdir '$dir'"
  procs=$dir/cgroup.procs
}
# The operator key the replicas share (a deploy sets one: behind nginx no client is trusted as local).
api_key=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
for n in 1 2; do
  port=$(pg_free_port)
  procs=
  [[ -n $api_cpu ]] && cpu_cap "sweetsstore-scaling-$$-api$n" "$api_cpu"
  (
    [[ -n $procs ]] && echo "$BASHPID" >"$procs"
    cd "$work/app"
    exec env ConnectionStrings__Postgres="$bouncer_cs" ASPNETCORE_URLS="http://127.0.0.1:$port" \
      Database__MigrateOnStartup=false Security__ApiKey="$api_key" "${api_env[@]}" \
      setpriv --reuid=nobody --regid=nogroup --clear-groups -- dotnet SweetsStore.Api.dll
  ) >"$work/api$n.log" 2>&1 &
  api_pids+=("$!")
  api_ports+=("$port")
  dl_on_exit "dl_stop_pid $!"
done
for n in 0 1; do
  dl_wait_http "http://127.0.0.1:${api_ports[n]}/health/ready" 200 90 || {
    tail -n 20 "$work/api$((n + 1)).log"
    dl_die "API $((n + 1)) not ready"
  }
done
dl_say "API 1 on :${api_ports[0]}, API 2 on :${api_ports[1]} (published output, through PgBouncer, ready)"
[[ -n $api_cpu ]] && dl_say "each API process is capped at $api_cpu cores (CPU cgroup quota): a replica with its own CPU budget"

# ---- nginx: its own prefix, config, pid, logs and temp folders; port `one` -> API 1, port `two` -> both
nginx_one=$(pg_free_port)
nginx_two=$(pg_free_port)
mkdir -p "$work/nginx/tmp"
chown nobody:nogroup "$work/nginx/tmp"
cat >"$work/nginx/nginx.conf" <<CONF
user nobody nogroup;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_max_body_size 64m;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  upstream one { server 127.0.0.1:${api_ports[0]}; keepalive 32; }
  upstream two { least_conn; server 127.0.0.1:${api_ports[0]}; server 127.0.0.1:${api_ports[1]}; keepalive 32; }
  proxy_http_version 1.1;
  proxy_set_header Connection "";
  proxy_set_header Host \$host;
  proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
  server { listen 127.0.0.1:$nginx_one; location / { proxy_pass http://one; } }
  server { listen 127.0.0.1:$nginx_two; location / { proxy_pass http://two; } }
}
CONF
nginx -t -q -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx/nginx.conf" || dl_die "nginx config invalid"
nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
dl_on_exit "dl_stop_pid $nginx_pid"
dl_wait_http "http://127.0.0.1:$nginx_two/health/ready" 200 20 || dl_die "nginx does not proxy"
dl_say "nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'): :$nginx_one -> API 1; :$nginx_two -> API 1 + API 2 (least_conn)"

# ---- helpers
reset_and_load() {
  local started file status
  started=$(dl_now)
  sql -c "TRUNCATE courier_region_stats, orders, bundles, couriers RESTART IDENTITY"
  status=$(curl -s -o "$work/post.out" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"$work/data/couriers.json" "http://127.0.0.1:$nginx_two/couriers")
  [[ $status == 201 ]] || dl_die "POST /couriers -> $status: $(head -c 300 "$work/post.out")"
  for file in "$work"/data/orders-*.json; do
    status=$(curl -s -o "$work/post.out" -w '%{http_code}' -H 'Content-Type: application/json' \
      --data-binary @"$file" "http://127.0.0.1:$nginx_two/orders")
    [[ $status == 201 ]] || dl_die "POST /orders ($file) -> $status: $(head -c 300 "$work/post.out")"
  done
  sql -c "VACUUM ANALYZE"
  # Let the processes finish what the bulk load left them (GC of the big bodies, background JIT) before measuring.
  sleep "${SETTLE:-3}"
  dl_say "data reset: $couriers couriers and $orders orders loaded through nginx + API in $(dl_elapsed "$started") s"
}

# CPU time (seconds) used so far by the processes of one component.
ticks_of() {
  local pid total=0
  for pid in "$@"; do
    [[ -r /proc/$pid/stat ]] || continue
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}
component_pids() {
  case $1 in
    api1) echo "${api_pids[0]}" ;;
    api2) echo "${api_pids[1]}" ;;
    nginx) echo "$nginx_pid $(ps -o pid= --ppid "$nginx_pid")" ;;
    pgbouncer) cat "$work/pgbouncer/pgbouncer.pid" ;;
    postgres)
      local pm
      pm=$(head -n 1 "$work/pg/pgdata/postmaster.pid")
      echo "$pm $(ps -o pid= --ppid "$pm")"
      ;;
  esac
}
components=(api1 api2 postgres pgbouncer nginx)
hz=$(getconf CLK_TCK)
machine_ticks() { awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8, $5+$6}' /proc/stat; }

run_wrk() { # NAME PORT SECONDS -> $work/wrk-NAME.txt, and CPU use in $work/cpu-NAME.txt
  local name=$1 port=$2 seconds=$3 c before=() used m0 m1 t0 i0 t1 i1
  for c in "${components[@]}"; do
    # shellcheck disable=SC2046
    before+=("$(ticks_of $(component_pids "$c"))")
  done
  m0=$(machine_ticks)
  local children0 children1
  children0=$(awk '{print $16 + $17}' /proc/$$/stat) # CPU of waited-for children of this shell: wrk
  TZ=UTC wrk -t "$threads" -c "$threads" -d "${seconds}s" --timeout 10s -s scaling/mix.lua \
    "http://127.0.0.1:$port" -- "$couriers" "$threads" >"$work/wrk-$name.txt" 2>&1 || {
    cat "$work/wrk-$name.txt"
    dl_die "wrk failed"
  }
  m1=$(machine_ticks)
  children1=$(awk '{print $16 + $17}' /proc/$$/stat)
  local i=0 stack=0
  : >"$work/cpu-$name.txt"
  for c in "${components[@]}"; do
    # shellcheck disable=SC2046
    used=$(($(ticks_of $(component_pids "$c")) - before[i]))
    stack=$((stack + used))
    awk -v c="$c" -v t="$used" -v hz="$hz" -v s="$seconds" \
      'BEGIN { printf "%s %.1f s (%.0f%% of one core)\n", c, t / hz, 100 * t / hz / s }' >>"$work/cpu-$name.txt"
    i=$((i + 1))
  done
  used=$((children1 - children0))
  stack=$((stack + used))
  awk -v t="$used" -v hz="$hz" -v s="$seconds" 'BEGIN { printf "wrk %.1f s (%.0f%% of one core)\n", t / hz, 100 * t / hz / s }' >>"$work/cpu-$name.txt"
  awk -v t="$stack" -v hz="$hz" -v s="$seconds" -v n="$(awk '/requests in/ {print $1}' "$work/wrk-$name.txt")" \
    'BEGIN { printf "all of the above %.1f s = %.2f cores; %.0f requests per CPU-second\n", t / hz, t / hz / s, n / (t / hz) }' >>"$work/cpu-$name.txt"
  read -r t0 i0 <<<"$m0"
  read -r t1 i1 <<<"$m1"
  awk -v t=$((t1 - t0)) -v i=$((i1 - i0)) -v n="$(nproc)" \
    'BEGIN { printf "whole machine (every process, also other users'"'"'), %d cores): %.0f%% busy\n", n, 100 * (t - i) / t }' >>"$work/cpu-$name.txt"
}
rps() { awk '/^Requests\/sec:/ {print $2}' "$work/wrk-$1.txt"; }

check_invariants() {
  sql -A -t -F ' ' -f scripts/check-invariants.sql >"$work/invariants.out" 2>"$work/invariants.err" &&
    [[ ! -s $work/invariants.err ]] || { cat "$work/invariants.err"; dl_die "psql could not run scripts/check-invariants.sql"; }
  awk '/^invariant / { name = $0; order[++n] = name; rows[name] = 0; next }
       { rows[name]++; bad = 1 }
       END { for (i = 1; i <= n; i++) printf "  %-8s %s\n", (rows[order[i]] ? "VIOLATED(" rows[order[i]] ")" : "ok"), substr(order[i], 11)
             exit bad }' "$work/invariants.out" || {
    echo "  violating rows:"
    grep -v '^invariant ' "$work/invariants.out" | head -n 20 | sed 's/^/    /'
    return 1
  }
}
data_summary() {
  sql -A -t -F ' ' -c "SELECT
      (SELECT count(*) FROM bundles), (SELECT count(*) FROM bundles WHERE finished_at IS NULL),
      (SELECT count(*) FROM orders WHERE bundle_id IS NOT NULL), (SELECT count(*) FROM orders WHERE complete_time IS NOT NULL),
      (SELECT coalesce(sum(earnings), 0) FROM couriers), (SELECT count(*) FROM courier_region_stats)" |
    awk '{ printf "  database: %d bundles (%d open), %d orders assigned, %d completed, earnings total %d, %d courier/region stats rows\n", $1, $2, $3, $4, $5, $6 }'
}
pools() {
  bouncer -A -F ' ' -c "SHOW POOLS" | awk 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $1 == "sweetsstore" { printf "  pgbouncer pool: %d client connections (%d waiting), %d server connections (active %d, idle %d, used %d), maxwait %ds\n",
      $col["cl_active"] + $col["cl_waiting"], $col["cl_waiting"], $col["sv_active"] + $col["sv_idle"] + $col["sv_used"],
      $col["sv_active"], $col["sv_idle"], $col["sv_used"], $col["maxwait"] }'
}

# Breaks each invariant in turn inside a transaction (rolled back) and checks that its query reports it.
self_test() {
  local corruptions=(
    "DROP INDEX ux_bundles_open_per_courier; INSERT INTO bundles (courier_id, courier_type, coefficient, assign_time) SELECT courier_id, courier_type, coefficient, assign_time FROM bundles WHERE finished_at IS NULL LIMIT 1"
    "UPDATE orders SET weight_cg = 5000 WHERE order_id = (SELECT o.order_id FROM orders o JOIN bundles b USING (bundle_id) WHERE b.courier_type = 'foot' LIMIT 1)"
    "UPDATE orders o SET complete_time = b.assign_time - interval '1 minute' FROM bundles b WHERE b.bundle_id = o.bundle_id AND o.order_id = (SELECT order_id FROM orders WHERE complete_time IS NOT NULL LIMIT 1)"
    "UPDATE bundles SET finished_at = assign_time WHERE bundle_id = (SELECT bundle_id FROM bundles WHERE finished_at IS NULL LIMIT 1)"
    "UPDATE bundles SET coefficient = CASE courier_type WHEN 'car' THEN 5 ELSE 9 END WHERE bundle_id = (SELECT bundle_id FROM bundles WHERE earnings = 0 LIMIT 1)"
    "UPDATE bundles SET earnings = 0 WHERE bundle_id = (SELECT bundle_id FROM bundles WHERE earnings > 0 LIMIT 1)"
    "UPDATE couriers SET earnings = earnings + 1 WHERE courier_id = (SELECT min(courier_id) FROM couriers)"
    "UPDATE orders SET delivery_micros = delivery_micros + 1 WHERE order_id = (SELECT order_id FROM orders WHERE complete_time IS NOT NULL LIMIT 1)"
    "UPDATE courier_region_stats SET deliveries = deliveries + 1 WHERE (courier_id, region) = (SELECT courier_id, region FROM courier_region_stats LIMIT 1)"
  )
  local k rows result=0
  for k in "${!corruptions[@]}"; do
    printf 'BEGIN;\n%s;\n\\i %s\nROLLBACK;\n' "${corruptions[k]}" "$root/scripts/check-invariants.sql" |
      sql -A -t -F ' ' >"$work/selftest.out" 2>&1 || { cat "$work/selftest.out"; return 1; }
    rows=$(awk -v want="invariant $((k + 1)):" 'index($0, want) == 1 { on = 1; next } /^invariant / { on = 0 } on { n++ } END { print n + 0 }' "$work/selftest.out")
    if ((rows > 0)); then
      printf '  fires    %d: %s -> %d row(s)\n' "$((k + 1))" "$(cut -c1-90 <<<"${corruptions[k]}")" "$rows"
    else
      printf '  SILENT   %d: %s\n' "$((k + 1))" "${corruptions[k]}"
      result=1
    fi
  done
  return "$result"
}

# ---- background jobs (Hangfire, docs/decisions/0011) through PgBouncer: every replica's two servers registered, an
# import posted to API 2 loaded by one worker and read back from API 1; at the end, the minutely recurring sweep ran
# once per minute across both replicas.
hangfire_check() {
  local file expected reply import status="" i servers stored history
  file=$(ls "$work"/data/orders-*.json | head -n 1)
  expected=$(grep -o '"order_id"' "$file" | wc -l)
  sql -c "TRUNCATE orders, bundles, courier_region_stats, couriers, import_chunks, imports RESTART IDENTITY"
  reply=$(curl -s -w '\n%{http_code}' -H 'Content-Type: application/json' -H "X-Api-Key: $api_key" --data-binary @"$file" "http://127.0.0.1:${api_ports[1]}/imports/orders")
  [[ $(tail -n 1 <<<"$reply") == 202 ]] || dl_die "POST /imports/orders to API 2 -> $(tail -n 1 <<<"$reply"): $(head -c 300 <<<"$reply")"
  import=$(head -n 1 <<<"$reply" | grep -o '"import_id":[0-9]*' | cut -d: -f2)
  for i in $(seq 600); do
    status=$(curl -s "http://127.0.0.1:${api_ports[0]}/imports/$import" | grep -o '"status":"[a-z]*"' | cut -d'"' -f4)
    [[ $status == succeeded || $status == failed ]] && break
    sleep 0.2
  done
  servers=$(sql -A -t -c "SELECT string_agg(split_part(id, ':', 1), ' ' ORDER BY id) FROM hangfire.server")
  stored=$(sql -A -t -c "SELECT count(*) FROM orders")
  history=$(sql -A -t -c "SELECT string_agg(s.name || coalesce('@' || split_part(s.data->>'ServerId', ':', 1) || ':' || split_part(s.data->>'ServerId', ':', 2), ''), ' -> ' ORDER BY s.id)
    FROM imports i JOIN hangfire.state s ON s.jobid = i.job_id::bigint WHERE i.import_id = $import")
  echo "  Hangfire servers registered: $servers"
  echo "  import $import ($expected orders) posted to API 2, read from API 1: $status, $stored orders stored; job: $history"
  [[ $status == succeeded && $stored == "$expected" && $(wc -w <<<"$servers") == 4 ]]
}
hangfire_sweeps() {
  local line
  line=$(sql -A -t -F ' ' -c "SELECT count(*), count(DISTINCT date_trunc('minute', j.createdat)), count(DISTINCT split_part(s.data->>'ServerId', ':', 2))
    FROM hangfire.job j JOIN hangfire.state s ON s.jobid = j.id AND s.name = 'Processing'
    WHERE j.invocationdata->>'Method' = 'RequeueOrphansAsync'")
  read -r runs minutes processes <<<"$line"
  echo "  recurring orphan sweep: $runs runs in $minutes distinct minutes, run by $processes process(es)"
  ((runs > 0 && runs == minutes))
}
dl_say "background jobs through PgBouncer (Hangfire)"
hangfire_failed=0
hangfire_check || { hangfire_failed=1; echo "  FAILED: the background import through PgBouncer"; }

# ---- runs
reset_and_load
dl_say "warm-up: ${warmup}s of the mix through both processes (JIT, pools), not measured"
run_wrk warmup "$nginx_two" "$warmup"

failed=0
declare -A label=([one]="ONE API process" [two]="TWO API processes") results=([one]="" [two]="") efficiency=([one]="" [two]="")
run=0
for ((round = 1; round <= rounds; round++)); do
  order=(one two)
  ((round % 2 == 0)) && order=(two one)
  for phase in "${order[@]}"; do
    run=$((run + 1))
    reset_and_load
    port=$nginx_one
    [[ $phase == two ]] && port=$nginx_two
    dl_say "run $run (round $round): ${duration}s, $threads connections, through nginx -> ${label[$phase]}; load average $(cut -d' ' -f1-3 /proc/loadavg)"
    run_wrk "$run" "$port" "$duration"
    results[$phase]+="$(rps "$run") "
    efficiency[$phase]+="$(awk '/requests per CPU-second/ {print $(NF - 3)}' "$work/cpu-$run.txt") "
    printf '\n--- run %d, %s: %s req/s\n' "$run" "${label[$phase]}" "$(rps "$run")"
    grep -E 'requests in|Non-2xx|Socket errors' "$work/wrk-$run.txt" | sed 's/^ */  /'
    grep -E '^(mix:|latency ms:|last non-200:)' "$work/wrk-$run.txt" | sed 's/^/  /'
    sed 's/^/  cpu: /' "$work/cpu-$run.txt"
    pools
    data_summary
    echo "  invariants (scripts/check-invariants.sql):"
    check_invariants || failed=1
  done
done

echo
echo "--- the checks can fail: each invariant, broken on purpose inside a transaction that is rolled back"
self_test || failed=1

mean() { awk '{ for (i = 1; i <= NF; i++) s += $i; printf "%.1f", s / NF }' <<<"$1"; }
one=$(mean "${results[one]}")
two=$(mean "${results[two]}")
printf '\n=== requests/s through nginx, %d s runs, in the order one, two, two, one: one process [ %s] mean %s; two processes [ %s] mean %s\n' \
  "$duration" "${results[one]}" "$one" "${results[two]}" "$two"
printf '=== ratio two/one: %s (%s cores shared by wrk, nginx, both APIs, PgBouncer and PostgreSQL; %s; load average now %s)\n' \
  "$(awk -v a="$one" -v b="$two" 'BEGIN { printf "%.2f", b / a }')" "$(nproc)" \
  "$([[ -n $api_cpu ]] && echo "each API process capped at $api_cpu cores" || echo "API processes not capped")" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '=== requests per CPU-second of the whole stack (wrk, nginx, APIs, PgBouncer, PostgreSQL): one process [ %s] mean %s; two processes [ %s] mean %s\n' \
  "${efficiency[one]}" "$(mean "${efficiency[one]}")" "${efficiency[two]}" "$(mean "${efficiency[two]}")"
((failed == 0)) && echo "=== invariants: all hold after every run, and each one fires when broken" || echo "=== invariants: FAILED (see above)"
hangfire_sweeps || hangfire_failed=1
((hangfire_failed == 0)) && echo "=== background jobs through PgBouncer: import loaded once, 4 Hangfire servers, one sweep per minute" ||
  echo "=== background jobs through PgBouncer: FAILED (see above)"
failed=$((failed || hangfire_failed))
dl_say "tearing down (wrk done; stopping nginx, APIs, PgBouncer, PostgreSQL; removing $work)"
exit "$failed"
