#!/usr/bin/env bash
# Verifies the deploy files as far as a machine without a Docker engine allows, and says what it skipped.
#   1. docker-compose.yml parses as YAML and references only files, services and volumes that exist;
#      every COPY source in the Dockerfile exists and survives .dockerignore   (scripts/deploy_check.py static)
#   2. supervisor/sweetsstore.service passes `systemd-analyze verify`; every shell script passes `bash -n`
#   3. a dry build: the Dockerfile's COPY and RUN steps replayed by hand with the local .NET SDK
#      (scripts/deploy_check.py dry-build), then the image's ENTRYPOINT run from the resulting /app as the
#      image's user (uid 1654) against a private PostgreSQL: /health/ready must answer 200, the image's
#      HEALTHCHECK command must pass, and fail while PostgreSQL is down; SIGTERM must end it with exit code 0
#   4. with a Docker engine (not here): `docker compose config` and `docker build`
# Exit status 0 when every check that ran passed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
source scripts/pg.sh
source scripts/deploy-lib.sh
DL_TAG=verify-deploy
trap dl_cleanup EXIT
trap 'exit 130' INT TERM

step() { printf '\n== %s\n' "$*"; }
pass() { printf '  ok   %s\n' "$*"; }
skip() { printf '  SKIP %s\n' "$*"; }
die() {
  printf '  FAIL %s\n' "$*"
  exit 1
}

command -v python3 >/dev/null || dl_die "python3 is needed (Debian: apt-get install python3 python3-yaml)"
dl_need curl curl

step "1. static: docker-compose.yml, Dockerfile, .dockerignore"
python3 scripts/deploy_check.py static "$root"

step "2. systemd unit and shell scripts"
if command -v systemd-analyze >/dev/null; then
  # verify prints a line per problem (unknown keys, bad values) and may still exit 0: any output is a failure.
  out=$(cd /tmp && systemd-analyze verify "$root/supervisor/sweetsstore.service" 2>&1 || true)
  [[ -z $out ]] || die "systemd-analyze verify supervisor/sweetsstore.service: $out"
  pass "systemd-analyze verify supervisor/sweetsstore.service"
else
  skip "systemd-analyze not installed"
fi
while IFS= read -r script; do
  bash -n "$script" || die "bash -n $script"
done < <(find . -name '*.sh' -not -path './.git/*' -not -path '*/bin/*' -not -path '*/obj/*' -not -path './.data/*')
pass "bash -n on every *.sh"

step "3. dry build of the Dockerfile, then its ENTRYPOINT against a private PostgreSQL"
dl_workdir verify-deploy
work=$DL_WORK
# As `docker build --build-arg SOURCE_REVISION=<commit>` would be called (CI does).
revision=$(git rev-parse HEAD 2>/dev/null || echo unknown)
SOURCE_REVISION=$revision python3 scripts/deploy_check.py dry-build "$root" "$work/image" >"$work/final.json" 2>"$work/build.log" || {
  tail -n 30 "$work/build.log"
  die "dry build failed"
}
sed 's/^/       /' "$work/build.log" | grep -E '^\s+(COPY|RUN)' || true
json() { python3 -c "import json,sys; v=json.load(open('$work/final.json'))$1; print(v if isinstance(v,str) else json.dumps(v))"; }
app_dir=$(json "['dir']")
uid=$(json "['user']")
image_urls=$(json "['env']['ASPNETCORE_URLS']")
mapfile -t entrypoint < <(python3 -c "import json; [print(a) for a in json.load(open('$work/final.json'))['entrypoint']]")
mapfile -t health < <(python3 -c "import json; [print(a) for a in json.load(open('$work/final.json'))['healthcheck']]")
[[ -f $app_dir/SweetsStore.Api.dll ]] || die "the dry build left no SweetsStore.Api.dll in /app"
pass "dry build: /app holds the publish output; ENTRYPOINT ${entrypoint[*]}; USER $uid; ASPNETCORE_URLS $image_urls"

dl_private_pg "$work/pg"
port=$(pg_free_port)
base=http://127.0.0.1:$port
mkdir -p "$work/home"
chown "$uid:$uid" "$work/home"
# The image's environment, with the port moved off 8080 (taken on shared machines) and loopback only.
urls=${image_urls//+/127.0.0.1}
urls=${urls//8080/$port}
mapfile -t image_env < <(python3 -c "import json; [print(f'{k}={v}') for k, v in json.load(open('$work/final.json'))['env'].items() if k != 'ASPNETCORE_URLS']")
(
  cd "$app_dir"
  exec env -i PATH="$PATH" HOME="$work/home" "${image_env[@]}" ASPNETCORE_URLS="$urls" ConnectionStrings__Postgres="$DL_PG_CS" \
    setpriv --reuid="$uid" --regid="$uid" --clear-groups -- "${entrypoint[@]}"
) >"$work/api.log" 2>&1 &
api_pid=$!
dl_on_exit "dl_stop_pid $api_pid"
dl_wait_http "$base/health/ready" 200 90 || {
  tail -n 20 "$work/api.log"
  die "/health/ready did not answer 200"
}
pass "ENTRYPOINT (${entrypoint[*]}) as uid $(ps -o uid= -p "$api_pid" | tr -d ' ') in /app: /health/ready 200: $(curl -s "$base/health/ready")"
for kv in "${image_env[@]}"; do
  tr '\0' '\n' <"/proc/$api_pid/environ" | grep -qxF "$kv" || die "the image's ENV $kv did not reach the process"
done
pass "the image's ENV reached the process: ${image_env[*]}"

curl -s "$base/health/live" | grep -qF "$revision" || die "/health/live does not report the build's revision $revision"
pass "/health/live reports the revision passed as SOURCE_REVISION: $(curl -s "$base/health/live" | grep -o '"version":"[^"]*"')"

healthcheck() {
  local cmd=("${health[@]}")
  cmd[-1]=${cmd[-1]//8080/$port}
  "${cmd[@]}"
}
healthcheck || die "the image's HEALTHCHECK command failed while the API is ready"
pass "HEALTHCHECK command exits 0 while ready"

pg_stop "$work/pg"
dl_wait_http "$base/health/ready" 503 30 || die "/health/ready did not turn 503 with PostgreSQL down"
if healthcheck; then die "HEALTHCHECK passed with PostgreSQL down"; fi
pass "PostgreSQL stopped: /health/ready 503 and HEALTHCHECK exits non-zero; /health/live still $(dl_http_status "$base/health/live")"
pg_start "$work/pg" "$DL_PG_PORT"
dl_wait_http "$base/health/ready" 200 30 || die "/health/ready did not recover after PostgreSQL came back"
healthcheck || die "HEALTHCHECK failed after PostgreSQL came back"
pass "PostgreSQL back: /health/ready 200 and HEALTHCHECK passes again, without restarting the API"

stop_started=$(dl_now)
kill -TERM "$api_pid"
status=0
wait "$api_pid" || status=$?
[[ $status == 0 ]] || die "SIGTERM (docker stop) ended the API with exit code $status"
pass "SIGTERM (what docker stop sends): exit code 0 after $(dl_elapsed "$stop_started") s"

step "4. Docker engine"
if docker info >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  docker compose config -q && pass "docker compose config"
  docker build -q -t sweetsstore-api:verify . && pass "docker build"
else
  engine=$(docker info >/dev/null 2>&1 && echo reachable || echo "not reachable")
  plugin=$(docker compose version >/dev/null 2>&1 && echo present || echo absent)
  skip "Docker engine $engine, compose plugin $plugin"
  skip "not run: docker build, docker compose up, the real base images (sdk:10.0, aspnet:10.0, postgres:15)"
fi

printf '\nverify-deploy: all checks that ran passed\n'
