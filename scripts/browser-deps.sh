#!/usr/bin/env bash
# What the dashboard's browser test needs: Debian's chromium (/usr/bin/chromium) and tests/browser/node_modules
# (playwright-core only: it drives the system browser and never downloads one of its own).
# Idempotent and quiet when everything is there; installs what is missing (apt-get needs root or sudo, npm the registry).
# Failing here does not stop test.sh: the browser test then fails and says why.
set -uo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[browser]\033[0m %s\n' "$*" >&2; }

# Any Chromium-family browser will do (tests/browser/dashboard.mjs looks for these; CHROMIUM_PATH overrides).
if [[ -z ${CHROMIUM_PATH:-} && ! -x /usr/bin/chromium && ! -x /usr/bin/chromium-browser && ! -x /usr/bin/google-chrome && ! -x /usr/bin/google-chrome-stable ]]; then
  say "installing Debian's chromium with apt-get (for the dashboard's browser test)"
  sudo=
  [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2 ||
    say "installing chromium failed"
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  say "installing Debian's nodejs and npm with apt-get (for the dashboard's browser test)"
  sudo=
  [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >&2 ||
    say "installing node failed"
fi

lock=tests/browser/package-lock.json
stamp=tests/browser/node_modules/.package-lock.json
if [[ ! -f $stamp || $lock -nt $stamp ]]; then
  say "npm ci in tests/browser"
  (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >&2) || say "npm ci failed"
fi
exit 0
