#!/usr/bin/env bash
# RabbitMQ for the no-Docker mode's broker (tools/stack/src/components/rabbitmq.ts): Debian's
# rabbitmq-server package and its Erlang, at the version .env pins. Two ways:
#
#   sudo tools/rabbitmq.sh   install the package system-wide, without starting anything (the package
#                            would start a broker as a service; tools/debian-packages.sh holds that
#                            back, so that only the runner starts one)
#   tools/rabbitmq.sh --user no root: download the packages (apt-get download) and unpack them into
#                            the binaries' cache ($GO_BINARIES_DIR, or .cache/go-binaries), beside
#                            the Collector and Jaeger; a second run downloads nothing. The runner
#                            finds it there.
#
# Either prints the broker's version. Any other installation: set RABBITMQ_SERVER to its
# rabbitmq-server script.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(sed -n 's/^RABBITMQ_VERSION=//p' "$root/.env")"
server=/usr/lib/rabbitmq/bin/rabbitmq-server
fail() { echo "rabbitmq: $*" >&2; exit 1; }

installed() { dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null || true; }

# The packages rabbitmq-server needs from Debian beyond a base system: itself and its Erlang.
packages() {
  apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces --no-enhances rabbitmq-server |
    grep -E '^(rabbitmq-server|erlang-[a-z0-9-]+)$' | grep -v -- '-hipe$' | sort -u
}

user_install() {
  local cache="${GO_BINARIES_DIR:-$root/.cache/go-binaries}/rabbitmq-$version"
  local unpacked="$cache/root"
  if [ ! -d "$unpacked/usr/lib/rabbitmq/lib/rabbitmq_server-$version" ]; then
    command -v apt-get >/dev/null || fail "--user needs apt-get download (Debian or Ubuntu); elsewhere install RabbitMQ $version and set RABBITMQ_SERVER"
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    echo "rabbitmq: downloading Debian's rabbitmq-server and its Erlang into $cache" >&2
    (cd "$work" && apt-get download $(packages) >/dev/null) ||
      fail "apt-get download failed: run apt-get update (as root) first, or use sudo tools/rabbitmq.sh"
    mkdir -p "$work/root"
    for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
    [ -d "$work/root/usr/lib/rabbitmq/lib/rabbitmq_server-$version" ] ||
      fail "Debian's rabbitmq-server is not $version (RABBITMQ_VERSION in .env): $(ls "$work/root/usr/lib/rabbitmq/lib")"
    # Debian's erl scripts name their root, /usr/lib/erlang, whatever ERL_ROOTDIR says: point them
    # at the tree's own, where it will live.
    { grep -rl '/usr/lib/erlang' "$work/root/usr/lib/erlang/bin" "$work/root/usr/lib/erlang"/erts-*/bin || true; } |
      while read -r script; do sed -i "s|/usr/lib/erlang|$unpacked/usr/lib/erlang|g" "$script"; done
    rm -rf "$cache"
    mkdir -p "$cache"
    mv "$work/root" "$unpacked"
    # The Erlang VM runs from here only if this machine has the libraries it links (libc, OpenSSL, ncurses).
    "$unpacked/usr/lib/erlang/bin/erl" -noshell -eval 'halt().' || {
      rm -rf "$cache"
      fail "the unpacked Erlang does not run on this machine: install rabbitmq-server with sudo tools/rabbitmq.sh"
    }
  fi
  echo "rabbitmq-server $version in $unpacked"
}

if [ "${1:-}" = --user ]; then
  user_install
  exit 0
fi
[ $# -eq 0 ] || fail "unknown argument $1; it takes --user, or nothing"

if [ ! -x "$server" ]; then
  command -v apt-get >/dev/null || fail "no RabbitMQ here and no apt-get: install RabbitMQ $version, and set RABBITMQ_SERVER to its rabbitmq-server script"
  [ "$(id -u)" = 0 ] || fail "no RabbitMQ here: run this as root to install Debian's rabbitmq-server (sudo tools/rabbitmq.sh), or tools/rabbitmq.sh --user"
  "$root/tools/debian-packages.sh" rabbitmq-server
fi
case "$(installed)" in
  "$version"-*) echo "rabbitmq-server $(installed)" ;;
  *) fail "rabbitmq-server $(installed) is installed; .env pins $version" ;;
esac
