# shellcheck shell=bash
# Helpers shared by the deploy demos: supervisor/demo.sh, scaling/run.sh, scripts/verify-deploy.sh.
# Source scripts/pg.sh first, then this file, then `trap dl_cleanup EXIT`.
#
# Everything a demo starts or creates is registered with dl_on_exit and undone, newest first, by dl_cleanup:
# processes are stopped by their own pid (TERM, then KILL after a grace period), clusters with pg_stop, temp
# folders removed. Nothing is ever stopped by name.

dl_say() { printf '\033[1m[%s]\033[0m %s\n' "${DL_TAG:-deploy}" "$*" >&2; }
dl_die() {
  dl_say "error: $*"
  exit 1
}

DL_CLEANUP=()

# Registers a command (a string, eval'ed at exit) to undo something just created.
dl_on_exit() { DL_CLEANUP+=("$*"); }

dl_cleanup() {
  local i
  for ((i = ${#DL_CLEANUP[@]} - 1; i >= 0; i--)); do
    eval "${DL_CLEANUP[i]}" >/dev/null 2>&1 || true
  done
  DL_CLEANUP=()
}

# Stops one process by pid: SIGTERM, then SIGKILL after GRACE seconds (default 20).
dl_stop_pid() {
  local pid=$1 grace=${2:-20} waited=0
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null && ((waited < grace * 10)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Stops the process whose pid is in FILE (for daemons that fork: pgbouncer -d, supervisord).
dl_stop_pidfile() {
  local file=$1
  [[ -s $file ]] || return 0
  dl_stop_pid "$(cat "$file")" "${2:-20}"
}

# Creates a temp folder /tmp/sweetsstore-NAME.XXXXXX (traversable by the `postgres` user), removed at exit.
# Sets DL_WORK.
dl_workdir() {
  DL_WORK=$(mktemp -d "/tmp/sweetsstore-$1.XXXXXX")
  chmod 755 "$DL_WORK"
  dl_on_exit "rm -rf '$DL_WORK'"
}

# Installs a Debian package when COMMAND is missing: dl_need COMMAND PACKAGE.
dl_need() {
  local cmd=$1 pkg=$2
  command -v "$cmd" >/dev/null 2>&1 && return 0
  dl_say "$cmd not found: installing Debian's '$pkg' (apt-get)"
  local sudo=
  [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >&2
  command -v "$cmd" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin:/sbin
  command -v "$cmd" >/dev/null 2>&1 || dl_die "installing $pkg did not provide $cmd"
}

# Publishes the API (Release, framework-dependent) into DIR: the same output `dotnet SweetsStore.Api.dll` runs from.
dl_publish() {
  local dir=$1 root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  dl_say "publishing the API (dotnet publish -c Release) into $dir"
  dotnet publish "$root/SweetsStore.Api" -c Release -o "$dir" --nologo -clp:ErrorsOnly >/dev/null ||
    dl_die "dotnet publish failed"
}

# Creates and starts a private PostgreSQL cluster in DIR with database `sweetsstore`, stopped at exit.
# Extra arguments are server settings (`-c name=value`). Sets DL_PG_PORT and DL_PG_CS (connection string).
dl_private_pg() {
  local dir=$1
  shift
  pg_ensure_binaries
  pg_init "$dir" || dl_die "initdb failed"
  DL_PG_PORT=$(pg_free_port)
  dl_on_exit "pg_stop '$dir'"
  pg_start "$dir" "$DL_PG_PORT" "$@" || dl_die "PostgreSQL did not start"
  pg_create_database "$dir" "$DL_PG_PORT" sweetsstore
  DL_PG_CS=$(pg_connection_string "$dir" "$DL_PG_PORT" sweetsstore)
  dl_say "private PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$DL_PG_PORT ($dir)"
}

# HTTP status of a GET (000 when nothing answers).
dl_http_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time "${2:-2}" "$1" 2>/dev/null || true
}

# Waits until URL answers STATUS (default 200), at most TIMEOUT seconds (default 60). Fails otherwise.
dl_wait_http() {
  local url=$1 want=${2:-200} timeout=${3:-60} start=$SECONDS status
  while ((SECONDS - start < timeout)); do
    status=$(dl_http_status "$url" 1)
    [[ $status == "$want" ]] && return 0
    sleep 0.1
  done
  dl_say "$url did not answer $want within ${timeout}s (last: ${status:-none})"
  return 1
}

# Seconds since the epoch with milliseconds, for measuring.
dl_now() { date +%s.%3N; }

# Seconds from START to END (default: now), both from dl_now, with two decimals.
dl_elapsed() { awk -v a="$1" -v b="${2:-$(dl_now)}" 'BEGIN { printf "%.2f", b - a }'; }
