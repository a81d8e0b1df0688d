#!/usr/bin/env bash
# Builds and runs every test against a throwaway PostgreSQL cluster (or the server named by SWEETSSTORE_TEST_DB),
# then prints `tests: N passed, M failed, K skipped` as the last line. Extra arguments go to `dotnet test`.
set -uo pipefail
cd "$(dirname "$0")"
source scripts/pg.sh
scripts/browser-deps.sh # chromium and playwright-core for the dashboard's browser test; quiet when installed

work=$(mktemp -d /tmp/sweetsstore-test.XXXXXX)
chmod 755 "$work"
cleanup() {
  [[ -n ${cluster:-} ]] && pg_stop "$cluster"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

summary() {
  echo "tests: $1 passed, $2 failed, $3 skipped"
}

if [[ -z ${SWEETSSTORE_TEST_DB:-} ]]; then
  pg_ensure_binaries || { summary 0 1 0; exit 1; }
  cluster=$work/pg
  pg_init "$cluster" || { summary 0 1 0; exit 1; }
  # A throwaway cluster: durability off, room for the parallel test classes' pools. A port found free can still be
  # taken by the time the server binds it: then another one.
  started=
  for attempt in 1 2 3; do
    port=$(pg_free_port)
    if pg_start "$cluster" "$port" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400; then
      started=1
      break
    fi
    echo "test PostgreSQL did not start on port $port (attempt $attempt of 3)" >&2
  done
  [[ -n $started ]] || { summary 0 1 0; exit 1; }
  export SWEETSSTORE_TEST_DB
  SWEETSSTORE_TEST_DB=$(pg_connection_string "$cluster" "$port" postgres)
  echo "test PostgreSQL: 127.0.0.1:$port (throwaway, in $cluster)"
fi

if ! dotnet build -c Release --nologo -clp:ErrorsOnly SweetsStore.Tests; then
  echo "build failed"
  summary 0 1 0
  exit 1
fi

dotnet test -c Release --no-build --nologo SweetsStore.Tests \
  --logger "trx;LogFileName=results.trx" --results-directory "$work/results" "$@"
status=$?

passed=0 failed=0 skipped=0 found=0
for trx in "$work"/results/*.trx; do
  [[ -f $trx ]] || continue
  found=1
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted) + $(get inconclusive)))
done
if ((found == 0 || (status != 0 && failed == 0))); then
  # The run broke before the results were written (a crashed test host, say): count that as a failure.
  failed=$((failed + 1))
fi
summary "$passed" "$failed" "$skipped"
((failed == 0))
