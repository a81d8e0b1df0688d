# shellcheck shell=bash
# Private PostgreSQL clusters from the system's server binaries, for run.sh, test.sh, bench/ and reliability/.
# Source it, then: pg_ensure_binaries; pg_init DIR; pg_start DIR PORT [extra -c settings...]; pg_stop DIR.
# Under root the server runs as the `postgres` OS user (PostgreSQL refuses root).

pg_say() { printf '\033[1m[pg]\033[0m %s\n' "$*" >&2; }

# Sets PG_BIN (unless already set to a folder with initdb) to the newest installed server's bin folder;
# installs Debian's `postgresql` when none is found.
pg_ensure_binaries() {
  if [[ -n ${PG_BIN:-} && -x $PG_BIN/initdb ]]; then
    export PG_BIN
    return 0
  fi
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [[ -z $PG_BIN || ! -x $PG_BIN/initdb ]]; then
    pg_say "PostgreSQL server binaries not found: installing Debian's 'postgresql' package with apt-get (needs network and root or sudo)"
    local sudo=
    [[ $(id -u) -ne 0 ]] && sudo=sudo
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    # Debian's package starts a system cluster on 5432; ours are separate and do not need it.
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [[ -x $PG_BIN/initdb ]] || { pg_say "installing PostgreSQL failed"; return 1; }
  fi
  export PG_BIN
}

# Runs a PostgreSQL binary as the cluster's owner: `postgres` under root, else the current user.
pg_as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# A TCP port on 127.0.0.1 nobody listens on (bash only: a fresh machine may lack python). Taken below the kernel's
# ephemeral range: a port in it can be the local end of some outgoing connection, which no connect probe sees and
# which makes the server's bind fail with "Address already in use" (a local .ci/run failed so once).
pg_free_port() {
  local port tries=0 low=32768
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  ((low > 11000)) || low=32768
  while ((tries++ < 200)); do
    port=$((10000 + RANDOM % (low - 10000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# Creates a cluster in DIR (if it has none yet) with a random password for user `sweetsstore`, stored in DIR/password.
pg_init() {
  local dir=$1
  if [[ -f $dir/pgdata/PG_VERSION ]]; then
    return 0
  fi
  mkdir -p "$dir"
  chmod 755 "$dir"
  local password
  password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)
  (umask 077 && printf '%s' "$password" >"$dir/password")
  printf '%s\n' "$password" >"$dir/.pwfile"
  mkdir -p "$dir/pgdata"
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres "$dir" "$dir/pgdata" "$dir/.pwfile"
  fi
  chmod 700 "$dir/pgdata"
  pg_as_owner "$PG_BIN/initdb" -D "$dir/pgdata" -U sweetsstore --pwfile="$dir/.pwfile" \
    --auth-host=scram-sha-256 --auth-local=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    rm -f "$dir/.pwfile"
    return 1
  }
  rm -f "$dir/.pwfile"
}

# Starts the cluster in DIR on PORT (loopback only). Extra arguments are `-c name=value` server settings.
pg_start() {
  local dir=$1 port=$2
  shift 2
  if pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/pgdata" status >/dev/null 2>&1; then
    return 0
  fi
  pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/pgdata" -l "$dir/postgres.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$dir/pgdata' $*" start >/dev/null || {
    tail -n 30 "$dir/postgres.log" >&2
    return 1
  }
}

pg_stop() {
  local dir=$1
  [[ -f $dir/pgdata/PG_VERSION ]] || return 0
  pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/pgdata" -m fast -w -t 60 stop >/dev/null 2>&1 || true
}

# Connection string for database DB on the cluster in DIR at PORT.
pg_connection_string() {
  local dir=$1 port=$2 db=${3:-sweetsstore}
  printf 'Host=127.0.0.1;Port=%s;Database=%s;Username=sweetsstore;Password=%s' "$port" "$db" "$(cat "$dir/password")"
}

pg_create_database() {
  local dir=$1 port=$2 db=$3
  PGPASSWORD=$(cat "$dir/password") "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U sweetsstore -d postgres -qtAc \
    "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
    PGPASSWORD=$(cat "$dir/password") "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U sweetsstore "$db"
}
