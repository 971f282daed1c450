#!/usr/bin/env bash
# Installs the Debian packages that are missing, in one apt-get call, and starts none of the
# services they ship: the project's runners start their own (tools/stack, tools/compose/docker-engine.sh,
# the chart's real node) on private ports, and stop them by pid.
#
#   tools/debian-packages.sh PACKAGE...   install those of PACKAGE not installed yet (as root)
#
# tools/chromium.sh, tools/rabbitmq.sh, tools/compose/docker-engine.sh and
# tools/kubernetes/node-packages.sh call it. It checks, rather than assumes, what a machine may have,
# whether a bare Debian or an image built for Docker:
#   - root and apt-get: needed only when something is missing; else it names the packages to install;
#   - the package lists: apt-get update when no Release file is there or the newest is over an hour old (images
#     built for Docker often ship none); else not, so that several calls in one run update once;
#   - /usr/sbin/policy-rc.d, which invoke-rc.d asks before a package's scripts start its service
#     (exit 101: forbidden; README.policy-rc.d in init-system-helpers):
#       absent                   a policy that forbids every start, for the install only;
#       forbids each start       used as it is (Debian images built for Docker ship one);
#       would allow a start      set aside, the forbidding one in its place for the install, then put
#                                back. A run killed mid-install leaves it aside: the next run puts it
#                                back before anything else.
#
# POLICY_RC_D, APT_LISTS_DIR and APT_GET name other paths and another apt-get, for its test
# (tests/e2e/debian-packages.test.ts).
set -euo pipefail
policy="${POLICY_RC_D:-/usr/sbin/policy-rc.d}"
aside="$policy.set-aside-by-otel-node-tracing-demo"
lists="${APT_LISTS_DIR:-/var/lib/apt/lists}"
apt_get="${APT_GET:-apt-get}"
marker='# written by tools/debian-packages.sh for the length of an install'
log() { echo "debian-packages: $*" >&2; }
fail() { log "$*"; exit 1; }

is_installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

# The machine's policy as it was before this script wrote its own.
put_back_policy() {
  if [ -e "$aside" ]; then
    mv -f "$aside" "$policy"
  elif grep -qxF "$marker" "$policy" 2>/dev/null; then
    rm -f "$policy"
  fi
}

# Whether the policy in place forbids the start of each of these services.
forbids_starts() {
  [ -x "$policy" ] || return 1
  local service status
  for service; do
    status=0
    "$policy" "$service" start >/dev/null 2>&1 </dev/null || status=$?
    [ "$status" = 101 ] || return 1
  done
}

write_forbidding_policy() {
  printf '#!/bin/sh\n%s\nexit 101\n' "$marker" >"$policy"
  chmod 0755 "$policy"
}

# Until this script exits, no service of these packages may start.
hold_back_starts() {
  if forbids_starts "$@"; then
    log "$policy forbids service starts already; using it as it is"
    return
  fi
  if [ -e "$policy" ]; then
    log "$policy would allow a start: set aside for the install, and put back after"
    mv "$policy" "$aside"
  fi
  trap put_back_policy EXIT
  write_forbidding_policy
}

lists_are_fresh() {
  [ -n "$(find "$lists" -maxdepth 1 -name '*Release' -mmin -60 -print -quit 2>/dev/null)" ]
}

[ $# -gt 0 ] || { echo "usage: $0 PACKAGE..." >&2; exit 2; }
missing=()
for package; do is_installed "$package" || missing+=("$package"); done
[ ${#missing[@]} = 0 ] && exit 0

command -v "$apt_get" >/dev/null || fail "missing ${missing[*]}, and no apt-get here to install them: install them yourself"
[ "$(id -u)" = 0 ] || fail "missing ${missing[*]}: run this as root (sudo), or: sudo apt-get install ${missing[*]}"
[ -e "$aside" ] && log "putting back the $policy that an interrupted run set aside"
put_back_policy
hold_back_starts "${missing[@]}"
if ! lists_are_fresh; then
  log "updating the package lists"
  "$apt_get" update -qq || fail "apt-get update failed: is a Debian mirror reachable from here?"
fi
log "installing ${missing[*]} (their services not started)"
DEBIAN_FRONTEND=noninteractive "$apt_get" install -y -qq "${missing[@]}" >/dev/null
