#!/usr/bin/env bash
# Builds and runs every test against a throwaway PostgreSQL cluster (or the server named by SWEETSSTORE_TEST_DB),
# then prints `tests: N passed, M failed, K skipped` as the last line. Extra arguments go to `dotnet test`.
# While the tests run: each failure as it happens, and every 30 s how many tests have finished. A failed run's
# results (results.trx, the whole console output, the test PostgreSQL's log) are kept in .data/test-results/<time>/.
set -uo pipefail
cd "$(dirname "$0")"
source scripts/pg.sh
scripts/browser-deps.sh # chromium (and a font) for the dashboard's browser test; quiet when installed

kept_runs=.data/test-results
work=$(mktemp -d /tmp/sweetsstore-test.XXXXXX)
chmod 755 "$work"
heartbeat=
cleanup() {
  [[ -n $heartbeat ]] && kill "$heartbeat" 2>/dev/null
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
  echo "test PostgreSQL: 127.0.0.1:$port (throwaway)"
fi

if ! dotnet build -c Release --nologo -clp:ErrorsOnly SweetsStore.Tests; then
  echo "build failed"
  summary 0 1 0
  exit 1
fi

# The console logger at normal verbosity names every finished test; progress() shows what a person needs of that:
# failures and skips at once, with their messages, and a count (in $work/progress) for the heartbeat. Everything
# dotnet test printed goes to console.log whole.
awk_stream=(awk)
awk -W version 2>/dev/null | grep -q mawk && awk_stream=(awk -W interactive) # else mawk reads a pipe in blocks
progress() {
  "${awk_stream[@]}" -v counts="$work/progress" '
    function save() { printf "%d %d %d\n", passed, failed, skipped > counts; close(counts) }
    /^  Passed /  { passed++; save(); show = 0; next }
    /^  Failed /  { failed++; save(); show = 1; print; fflush(); next }
    /^  Skipped / { skipped++; save(); show = 1; print; fflush(); next }
    /^Results File: / { next }  # the run folder is deleted (or moved) at the end
    /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:.]+Z (trce|dbug|info|warn|fail|crit): / { next }  # the API host'"'"'s own console log
    /^\{"(Timestamp|EventId)":/ { next }  # the same in JSON
    /^\[xUnit\.net [0-9:.]+\] +(Discovering|Discovered|Starting|Finished): / { next }
    /^\[xUnit\.net [0-9:.]+\] xUnit\.net VSTest Adapter/ { next }
    /^\[xUnit\.net [0-9:.]+\]      / { next }  # its copy of a failure'"'"'s message and stack: printed below as "Failed"
    /^  [A-Z]/ && show == 0 { next }  # output of a passed test
    /^    / && show == 0 { next }
    { print; fflush() }
  '
}

mkdir -p "$work/results"
started_at=$SECONDS
(
  while sleep 30; do
    read -r p f s <"$work/progress" 2>/dev/null || { p=0 f=0 s=0; }
    elapsed=$((SECONDS - started_at))
    printf '[tests] %d:%02d: %d finished (%d passed, %d failed, %d skipped)\n' \
      $((elapsed / 60)) $((elapsed % 60)) $((p + f + s)) "$p" "$f" "$s"
  done
) &
heartbeat=$!

dotnet test -c Release --no-build --nologo SweetsStore.Tests \
  --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" --results-directory "$work/results" "$@" 2>&1 |
  tee "$work/results/console.log" | progress
status=${PIPESTATUS[0]}
kill "$heartbeat" 2>/dev/null
wait "$heartbeat" 2>/dev/null
heartbeat=

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

if ((failed > 0)); then
  names=$(grep -E '^  Failed ' "$work/results/console.log" | sed -E 's/^  Failed (.*) \[[^]]*\]$/\1/' | sort -u)
  if [[ -n $names ]]; then
    echo "failed:"
    head -n 20 <<<"$names" | sed 's/^/  /'
    (($(wc -l <<<"$names") > 20)) && echo "  … and $(($(wc -l <<<"$names") - 20)) more"
  fi
  keep=$kept_runs/$(date -u +%Y%m%dT%H%M%SZ)
  mkdir -p "$keep"
  cp -r "$work/results/." "$keep/"
  [[ -n ${cluster:-} && -f $cluster/postgres.log ]] && cp "$cluster/postgres.log" "$keep/"
  # The ten latest failed runs stay.
  ls -1d "$kept_runs"/*/ 2>/dev/null | sort | head -n -10 | xargs -r rm -rf
  echo "this failed run's results are kept in $keep/ (results.trx, console.log$([[ -f $keep/postgres.log ]] && echo ", postgres.log"))"
fi
summary "$passed" "$failed" "$skipped"
((failed == 0))
