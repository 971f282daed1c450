#!/usr/bin/env bash
# Chromium for the browser test (tests/e2e/browser.test.ts), from the distribution: playwright-core
# drives it through its executablePath, and no browser is downloaded.
#
#   tools/chromium.sh    install Debian's chromium if no Chromium is at CHROMIUM_PATH; print its version
set -euo pipefail
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
fail() { echo "chromium: $*" >&2; exit 1; }

if [ ! -x "$chromium" ]; then
  [ "$chromium" = /usr/bin/chromium ] || fail "CHROMIUM_PATH=$chromium is not an executable"
  command -v apt-get >/dev/null || fail "no Chromium here and no apt-get: install Chromium, and set CHROMIUM_PATH to it"
  [ "$(id -u)" = 0 ] || fail "no Chromium here: run this as root to install Debian's chromium (or: sudo apt-get install chromium)"
  "$(dirname "${BASH_SOURCE[0]}")/debian-packages.sh" chromium
fi
# Debian's wrapper script warns on stderr about its own environment; the version line is on stdout.
"$chromium" --version 2>/dev/null
