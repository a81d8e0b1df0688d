#!/usr/bin/env bash
# What the dashboard's browser test needs beyond the .NET SDK: a Chromium-family browser (Debian's chromium,
# /usr/bin/chromium) and a font to render with. The test drives it with Microsoft.Playwright, whose driver comes in the
# NuGet package (with its own node binary) and never downloads a browser: no node, npm or package.json here.
# Idempotent and quiet when everything is there; installs what is missing (apt-get needs root or sudo).
# Failing here does not stop test.sh: the browser test then fails and says why.
set -uo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[browser]\033[0m %s\n' "$*" >&2; }

# Any Chromium-family browser will do (SweetsStore.Tests/Browser/Chromium.cs looks for these; CHROMIUM_PATH overrides).
if [[ -z ${CHROMIUM_PATH:-} && ! -x /usr/bin/chromium && ! -x /usr/bin/chromium-browser && ! -x /usr/bin/google-chrome && ! -x /usr/bin/google-chrome-stable ]]; then
  say "installing Debian's chromium with apt-get (for the dashboard's browser test)"
  sudo=
  [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2 ||
    say "installing chromium failed"
elif [[ -x /usr/bin/chromium && ! -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] && command -v apt-get >/dev/null; then
  say "installing fonts-dejavu-core with apt-get (the dashboard's screenshots need a font)"
  sudo=
  [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-dejavu-core >&2 ||
    say "installing fonts-dejavu-core failed"
fi
exit 0
