# shellcheck shell=bash
# A primary and a streaming standby made of private clusters (scripts/pg.sh), for scripts/ha-local.sh, the
# reliability suite's failover drill (reliability/run.sh, scenario 6) and the tests (ReplicaPair). Source
# scripts/pg.sh first, then this file.
#
#   pg_ha_standby PRIMARY_DIR PRIMARY_PORT STANDBY_DIR NAME
#       copies the running primary into STANDBY_DIR (pg_basebackup over a new physical replication slot NAME)
#       and configures the copy to stream from it as application NAME; start it with pg_start STANDBY_DIR PORT
#   pg_ha_sync DIR PORT NAMES           synchronous_standby_names on DIR's server ('' = asynchronous), reloaded
#   pg_ha_wait_streaming DIR PORT NAME STATE [TIMEOUT]
#                                       waits until standby NAME streams from DIR's server with sync_state STATE
#   pg_ha_kill_postmaster DIR           kill -9 of the postmaster: its data directory is left as it is
#   pg_ha_kill_all DIR                  kill -9 of the postmaster and all its children at once (a machine lost)
#   pg_ha_promote DIR                   promotes the standby in DIR and waits until it accepts writes
#   pg_ha_role DIR PORT                 prints primary, standby or down
#   pg_ha_sql DIR PORT SQL              runs SQL on DIR's server (database postgres), unaligned output
#
# Every server runs as in pg.sh (loopback only; the `postgres` OS user under root); both nodes share the user
# `sweetsstore` and its password (the standby is a copy). The standby connects with a password file of its own
# (STANDBY_DIR/.pgpass), so the password appears neither in its configuration nor in the process list.

# Settings every node starts with: a standby's queries hold back the primary's cleanup (hot_standby_feedback)
# rather than being cancelled by it, so stale reads on a standby do not fail under write load.
PG_HA_SETTINGS=(-c hot_standby=on -c hot_standby_feedback=on -c wal_level=replica -c max_wal_senders=10 -c max_replication_slots=10)

pg_ha_sql() {
  local dir=$1 port=$2
  shift 2
  PGPASSWORD=$(cat "$dir/password") PGCONNECT_TIMEOUT=3 "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U sweetsstore -d postgres \
    -X -q -v ON_ERROR_STOP=1 -A -t -c "$*"
}

pg_ha_standby() {
  local primary=$1 port=$2 standby=$3 name=$4
  [[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || { pg_say "standby name '$name': lowercase letters, digits and _ only"; return 1; }
  mkdir -p "$standby"
  chmod 755 "$standby"
  rm -rf "$standby/pgdata"
  mkdir -p "$standby/pgdata"
  chmod 700 "$standby/pgdata"
  (umask 077 && cp "$primary/password" "$standby/password" &&
    printf '127.0.0.1:*:*:sweetsstore:%s\n' "$(cat "$primary/password")" >"$standby/.pgpass")
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres "$standby" "$standby/pgdata" "$standby/.pgpass"
  fi
  # A slot of the same name left by an earlier copy would hold WAL for a standby that no longer exists.
  pg_ha_sql "$primary" "$port" "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$name' AND NOT active" >/dev/null
  pg_as_owner env PGPASSFILE="$standby/.pgpass" "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$port" -U sweetsstore \
    -D "$standby/pgdata" -X stream -c fast -C -S "$name" >"$standby/basebackup.log" 2>&1 || {
    cat "$standby/basebackup.log" >&2
    return 1
  }
  # The copy carries the primary's postgresql.auto.conf. A standby must not wait for standbys of its own once
  # promoted (its commits would hang with nobody to confirm them), so it starts without synchronous_standby_names;
  # the HA manager names a new synchronous standby when one has joined.
  sed -i '/^synchronous_standby_names/d; /^primary_conninfo/d; /^primary_slot_name/d' "$standby/pgdata/postgresql.auto.conf"
  cat >>"$standby/pgdata/postgresql.auto.conf" <<CONF
primary_conninfo = 'host=127.0.0.1 port=$port user=sweetsstore passfile=''$standby/.pgpass'' application_name=$name'
primary_slot_name = '$name'
CONF
  pg_as_owner touch "$standby/pgdata/standby.signal"
}

pg_ha_sync() {
  local dir=$1 port=$2 names=$3
  pg_ha_sql "$dir" "$port" "ALTER SYSTEM SET synchronous_standby_names = '$names'" >/dev/null &&
    pg_ha_sql "$dir" "$port" "SELECT pg_reload_conf()" >/dev/null
}

pg_ha_wait_streaming() {
  local dir=$1 port=$2 name=$3 state=$4 timeout=${5:-60} start=$SECONDS
  while ((SECONDS - start < timeout)); do
    [[ $(pg_ha_sql "$dir" "$port" "SELECT sync_state FROM pg_stat_replication WHERE application_name = '$name' AND state = 'streaming'" 2>/dev/null) == "$state" ]] &&
      return 0
    sleep 0.1
  done
  pg_say "standby $name did not reach '$state' streaming within ${timeout}s"
  return 1
}

pg_ha_kill_postmaster() {
  local dir=$1 pid
  pid=$(head -n 1 "$dir/pgdata/postmaster.pid" 2>/dev/null) || return 1
  kill -KILL "$pid"
}

# kill -9 of the postmaster and, in the same instant, of every process it started (backends, the walsender...): the
# machine's loss as PostgreSQL would see it, where nothing gets a moment to finish sending. Each backend leads a
# process group of its own, so they are named one by one (by pid: they are this cluster's children).
pg_ha_kill_all() {
  local dir=$1 pid
  pid=$(head -n 1 "$dir/pgdata/postmaster.pid" 2>/dev/null) || return 1
  # shellcheck disable=SC2046
  kill -KILL "$pid" $(ps --ppid "$pid" -o pid= 2>/dev/null)
}

pg_ha_promote() {
  pg_as_owner "$PG_BIN/pg_ctl" -D "$1/pgdata" -w -t 60 promote >/dev/null
}

pg_ha_role() {
  local dir=$1 port=$2 recovery
  recovery=$(pg_ha_sql "$dir" "$port" "SELECT pg_is_in_recovery()" 2>/dev/null) || { echo down; return 0; }
  if [[ $recovery == t ]]; then echo standby; else echo primary; fi
}
