#!/usr/bin/env bash
# Starts SweetsStore at http://127.0.0.1:${PORT:-8080}.
#   ./run.sh          on a private PostgreSQL cluster under .data/ (created on first run, reused after),
#                     or on the database in ConnectionStrings__Postgres when that is set.
#   ./run.sh --stop   stops the private cluster.
# Environment: PORT (API port, 8080), SWEETSSTORE_DATA (cluster and build folder, ./.data),
#              ConnectionStrings__Postgres (use this database; no private cluster).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/pg.sh

data=${SWEETSSTORE_DATA:-$PWD/.data}
mkdir -p "$data"
data=$(cd "$data" && pwd)
chmod 755 "$data"
cluster=$data/pg
port=${PORT:-8080}

if [[ ${1:-} == --stop ]]; then
  if [[ -f $cluster/pgdata/PG_VERSION ]]; then
    pg_ensure_binaries
    pg_stop "$cluster"
    echo "private PostgreSQL stopped ($cluster)"
  else
    echo "no private PostgreSQL cluster in $cluster"
  fi
  exit 0
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
    pg_start "$cluster" "$pgport"
  fi
  pg_create_database "$cluster" "$pgport" sweetsstore
  ConnectionStrings__Postgres=$(pg_connection_string "$cluster" "$pgport" sweetsstore)
  export ConnectionStrings__Postgres
  pg_say "PostgreSQL: 127.0.0.1:$pgport (private cluster in $cluster; ./run.sh --stop stops it)"
else
  pg_say "PostgreSQL: the database in ConnectionStrings__Postgres"
fi

echo "building SweetsStore (Release)..."
dotnet publish SweetsStore.Api -c Release -o "$data/app" --nologo -clp:ErrorsOnly >/dev/null

base=http://127.0.0.1:$port
cat <<INFO

SweetsStore is starting at $base
  API        $base/couriers, $base/orders
  Swagger UI $base/swagger   (document: $base/swagger/v1/swagger.json)
  Dashboard  $base/dashboard
  Health     $base/health/live   $base/health/ready
Ctrl-C stops the API (the private PostgreSQL keeps running: ./run.sh --stop).

INFO
export ASPNETCORE_URLS=$base
export DOTNET_gcServer=${DOTNET_gcServer:-1}
exec dotnet "$data/app/SweetsStore.Api.dll"
