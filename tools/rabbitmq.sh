#!/usr/bin/env bash
# RabbitMQ for the no-Docker mode's broker (tools/stack/src/components/rabbitmq.ts): Debian's
# rabbitmq-server package, at the version .env pins. The package would start a system-wide broker
# as a service; this installs it without starting anything (a policy-rc.d that refuses, for the
# length of the install), so that only the runner starts it, as a local process.
#
#   tools/rabbitmq.sh    install it if it is missing; print its version
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(sed -n 's/^RABBITMQ_VERSION=//p' "$root/.env")"
server=/usr/lib/rabbitmq/bin/rabbitmq-server
fail() { echo "rabbitmq: $*" >&2; exit 1; }

installed() { dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null || true; }

if [ ! -x "$server" ]; then
  command -v apt-get >/dev/null || fail "no RabbitMQ here and no apt-get: install RabbitMQ $version, and set RABBITMQ_SERVER to its rabbitmq-server script"
  [ "$(id -u)" = 0 ] || fail "no RabbitMQ here: run this as root to install Debian's rabbitmq-server (or: sudo tools/rabbitmq.sh)"
  policy=/usr/sbin/policy-rc.d
  [ -e "$policy" ] && fail "$policy exists; this script will not replace it. Install rabbitmq-server yourself, without starting it."
  echo "rabbitmq: installing Debian's rabbitmq-server (not started)" >&2
  printf '#!/bin/sh\n# tools/rabbitmq.sh: no service starts while rabbitmq-server installs\nexit 101\n' >"$policy"
  chmod 0755 "$policy"
  trap 'rm -f "$policy"' EXIT
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null
fi
case "$(installed)" in
  "$version"-*) echo "rabbitmq-server $(installed)" ;;
  *) fail "rabbitmq-server $(installed) is installed; .env pins $version" ;;
esac
