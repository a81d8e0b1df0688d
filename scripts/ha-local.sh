#!/usr/bin/env bash
# A PostgreSQL primary and a synchronous standby on this machine, to run the API against and fail over by hand.
# (Production does the same with Patroni: docs/operations.md. ./run.sh keeps its one-cluster default.)
#
#   scripts/ha-local.sh [start] [--async]  creates the pair on first use (initdb, pg_basebackup over a replication
#                                          slot, the standby named in synchronous_standby_names; --async: not named),
#                                          else starts it; prints the connection string
#   scripts/ha-local.sh status             each node's role and port, and the replication as the primary sees it
#   scripts/ha-local.sh connection-string  the connection string naming both nodes (the API finds the primary)
#   scripts/ha-local.sh failover [SECONDS] kill -9 of the primary's postmaster (its data left as it is), then the
#                                          standby promoted SECONDS later (default 3), as an HA manager would
#   scripts/ha-local.sh rejoin             the lost node rebuilt as the new primary's synchronous standby (a fresh
#                                          pg_basebackup: its old data is discarded)
#   scripts/ha-local.sh stop               stops both nodes
#
# With the API:   ConnectionStrings__Postgres="$(scripts/ha-local.sh connection-string)" PORT=18080 ./run.sh
# The nodes live in ${SWEETSSTORE_DATA:-.data}/ha/n1 and n2 (each: pgdata/, port, password); a node lost in a
# failover is never started again as it is (it would be a second primary): `rejoin` rebuilds it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pg.sh
source scripts/pg-ha.sh

data=${SWEETSSTORE_DATA:-$PWD/.data}
if [[ ${1:-start} == connection-string ]]; then
  # Only reads the nodes' files: it runs inside "$(…)" (README), so it creates nothing and installs nothing.
  ha=$data/ha
else
  mkdir -p "$data/ha"
  ha=$(cd "$data/ha" && pwd)
  chmod 755 "$data" "$ha"
  pg_ensure_binaries
fi

say() { printf '\033[1m[ha-local]\033[0m %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}
port_of() { cat "$ha/$1/port" 2>/dev/null || true; }
running() { pg_as_owner "$PG_BIN/pg_ctl" -D "$ha/$1/pgdata" status >/dev/null 2>&1; }
lost() { [[ -f $ha/lost && $(cat "$ha/lost") == "$1" ]]; }
role() { if running "$1"; then pg_ha_role "$ha/$1" "$(port_of "$1")"; else echo down; fi; }
other() { if [[ $1 == n1 ]]; then echo n2; else echo n1; fi; }
primary() { # the running node that is not in recovery
  local n
  for n in n1 n2; do [[ $(role "$n") == primary ]] && { echo "$n"; return 0; }; done
  return 1
}

start_node() {
  local node=$1 port
  lost "$node" && { say "$node was lost in a failover and stays down (scripts/ha-local.sh rejoin rebuilds it)"; return 0; }
  running "$node" && return 0
  port=$(port_of "$node")
  if [[ -z $port ]] || (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    port=$(pg_free_port)
  fi
  echo "$port" >"$ha/$node/port"
  pg_start "$ha/$node" "$port" "${PG_HA_SETTINGS[@]}" || die "$node did not start (log: $ha/$node/postgres.log)"
}

# The standby's name in the primary's synchronous_standby_names (or none: asynchronous), as the mode says.
name_synchronous() {
  local primary=$1 standby=$2 names=''
  [[ $(cat "$ha/mode" 2>/dev/null || echo sync) == sync ]] && names=$standby
  pg_ha_sync "$ha/$primary" "$(port_of "$primary")" "$names"
  pg_ha_wait_streaming "$ha/$primary" "$(port_of "$primary")" "$standby" "$([[ -n $names ]] && echo sync || echo async)" 60
}

connection_string() {
  local hosts=() n
  for n in n1 n2; do [[ -n $(port_of "$n") ]] && hosts+=("127.0.0.1:$(port_of "$n")"); done
  ((${#hosts[@]} > 0)) || die "no nodes yet: scripts/ha-local.sh start"
  printf 'Host=%s;Database=sweetsstore;Username=sweetsstore;Password=%s\n' "$(IFS=,; echo "${hosts[*]}")" "$(cat "$ha/n1/password")"
}

status() {
  local n p
  for n in n1 n2; do
    printf '  %s  127.0.0.1:%-5s %s%s\n' "$n" "$(port_of "$n")" "$(role "$n")" "$(lost "$n" && echo ' (lost in a failover: rejoin rebuilds it)' || true)"
  done
  if p=$(primary); then
    echo "  replication seen from $p (synchronous_standby_names '$(pg_ha_sql "$ha/$p" "$(port_of "$p")" "SHOW synchronous_standby_names")'):"
    replication=$(pg_ha_sql "$ha/$p" "$(port_of "$p")" "SELECT '    ' || application_name || ' ' || state || ', ' || sync_state || ', ' || pg_current_wal_lsn() - flush_lsn || ' bytes not yet flushed there' FROM pg_stat_replication" || true)
    echo "${replication:-    no standby connected}"
  else
    echo "  no primary is running"
  fi
}

command=${1:-start}
case $command in
  start | --async)
    [[ $command == --async || ${2:-} == --async ]] && mode=async || mode=sync
    if [[ ! -f $ha/n1/pgdata/PG_VERSION ]]; then
      say "creating a primary (n1) and a $mode standby (n2) in $ha"
      echo "$mode" >"$ha/mode"
      pg_init "$ha/n1" || die "initdb failed"
      start_node n1
      pg_create_database "$ha/n1" "$(port_of n1)" sweetsstore
      pg_ha_standby "$ha/n1" "$(port_of n1)" "$ha/n2" n2 || die "pg_basebackup failed"
      start_node n2
      name_synchronous n1 n2
    else
      [[ $command == --async || ${2:-} == --async ]] && echo async >"$ha/mode"
      start_node n1
      start_node n2
      if p=$(primary) && [[ $(role "$(other "$p")") == standby ]]; then
        name_synchronous "$p" "$(other "$p")"
      fi
    fi
    status
    echo "  connection string: $(connection_string | sed 's/Password=[^;]*/Password=…/')"
    echo "  API: ConnectionStrings__Postgres=\"\$(scripts/ha-local.sh connection-string)\" PORT=18080 ./run.sh"
    ;;
  status) status ;;
  connection-string) connection_string ;;
  failover)
    delay=${2:-3}
    p=$(primary) || die "no primary is running"
    s=$(other "$p")
    [[ $(role "$s") == standby ]] || die "$s is not a running standby: nothing to promote"
    pg_ha_kill_postmaster "$ha/$p"
    echo "$p" >"$ha/lost"
    say "$p (primary): postmaster killed with kill -9 at $(date -u +%T.%3N); promoting $s in $delay s"
    sleep "$delay"
    pg_ha_promote "$ha/$s" || die "promoting $s failed"
    say "$s promoted at $(date -u +%T.%3N): $(role "$s"); it runs without a synchronous standby until 'rejoin'"
    ;;
  rejoin)
    [[ -f $ha/lost ]] || die "no node was lost"
    node=$(cat "$ha/lost")
    p=$(primary) || die "no primary is running"
    running "$node" && die "$node is running: stop it first"
    say "rebuilding $node as a standby of $p (its old data is discarded)"
    pg_ha_standby "$ha/$p" "$(port_of "$p")" "$ha/$node" "$node" || die "pg_basebackup failed"
    rm -f "$ha/lost"
    start_node "$node"
    name_synchronous "$p" "$node"
    status
    ;;
  stop)
    for n in n1 n2; do [[ -f $ha/$n/pgdata/PG_VERSION ]] && pg_stop "$ha/$n"; done
    say "stopped ($ha)"
    ;;
  *)
    sed -n '2,20p' "$0" >&2
    exit 2
    ;;
esac
