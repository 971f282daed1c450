#!/usr/bin/env bash
# The compose stack's base images, built locally, for machines that cannot pull from Docker Hub
# (air-gapped networks, pull limits, this project's CI). Everything comes from what such a machine
# can reach: Debian's packages, the npm registry and the Go module proxy, at the versions in .env.
#
#   tools/compose/offline-images.sh
#   docker compose --env-file .env --env-file compose.offline.env up --build --wait
#
# It writes compose.offline.env (git-ignored), which names the images for docker-compose.yml.
# Idempotent: an image already built by this same script is kept. What differs from the official
# images is listed in docs/compose-offline.md.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
env_value() { sed -n "s/^$1=//p" "$root/.env"; }
log() { echo "offline-images: $*" >&2; }
fail() { log "$*"; exit 1; }

prefix=otel-node-tracing-demo-offline
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# An image is rebuilt when this script changes: its hash is a label on every image it makes.
recipe="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-12)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

docker info >/dev/null 2>&1 || fail "no Docker daemon answers: start one first (tools/compose/docker-engine.sh start)"

is_current() {
  [ "$(docker image inspect "$1" --format '{{index .Config.Labels "otel-demo.offline-recipe"}}' 2>/dev/null)" = "$recipe" ]
}

# import_rootfs IMAGE DIR [--change ...]: a folder as a one-layer image, owned as it is on disk.
import_rootfs() {
  local image=$1 dir=$2 replaced
  shift 2
  replaced="$(docker image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)"
  tar --numeric-owner -C "$dir" -c . | docker import --change "LABEL otel-demo.offline-recipe=$recipe" "$@" - "$image" >/dev/null
  # The image this one replaces, unless a container still uses it.
  [ -z "$replaced" ] || docker image rm "$replaced" >/dev/null 2>&1 || true
  log "built $image"
}

# Debian's static busybox (its shell and wget), unpacked without installing it on this machine.
busybox_rootfs() {
  local dir=$1
  if [ ! -f "$work/busybox/bin/busybox" ]; then
    (cd "$work" && { apt-get download busybox-static >/dev/null 2>&1 || { apt-get update -qq && apt-get download busybox-static >/dev/null; }; })
    dpkg-deb -x "$work"/busybox-static_*.deb "$work/busybox"
  fi
  mkdir -p "$dir/bin" "$dir/etc" "$dir/tmp"
  chmod 1777 "$dir/tmp"
  cp "$work/busybox/bin/busybox" "$dir/bin/busybox"
  for applet in $("$dir/bin/busybox" --list); do [ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$dir/etc/group"
}

install_debootstrap() {
  command -v debootstrap >/dev/null && return
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || fail "debootstrap is missing: install it (Debian: apt-get install debootstrap)"
  "$root/tools/debian-packages.sh" debootstrap
}

busybox_version() {
  (cd "$work" && apt-cache policy busybox-static | sed -n 's/^ *Candidate: *\([0-9]*:\)\{0,1\}\([0-9.]*\).*/\2/p')
}

# An npm package's tarball, unpacked into $work/npm/NAME.
npm_unpack() {
  local package=$1 name=${1%@*}
  mkdir -p "$work/npm/$name"
  (cd "$work/npm" && npm pack --silent "$package" >/dev/null)
  tar -xzf "$work/npm/"*.tgz -C "$work/npm/$name" --strip-components=1
  rm -f "$work/npm/"*.tgz
}

build_busybox() {
  local image=$1
  is_current "$image" && return
  busybox_rootfs "$work/busybox-image"
  import_rootfs "$image" "$work/busybox-image" --change 'CMD ["sh"]'
}

# Like node:<version>-bookworm-slim: Debian bookworm, Node and npm in /usr/local (no corepack since
# Node 25), the user 'node' (uid 1000).
build_node() {
  local image=$1 node_version npm_version arch
  is_current "$image" && return
  install_debootstrap
  node_version="$(env_value NODE_VERSION)"
  npm_version="$(env_value NPM_VERSION)"
  case "$(docker version --format '{{.Server.Arch}}')" in amd64) arch=x64 ;; arm64) arch=arm64 ;; *) fail "unsupported engine CPU" ;; esac
  local rootfs="$work/node-image"
  log "debootstrap bookworm (minbase) from $mirror"
  # Node 26's Linux binary links libatomic.so.1, which minbase lacks.
  debootstrap --variant=minbase --include=libatomic1 bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    fail "debootstrap failed: $(tail -5 "$work/debootstrap.log")"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  npm_unpack "node-linux-$arch@$node_version"
  install -m 0755 "$work/npm/node-linux-$arch/bin/node" "$rootfs/usr/local/bin/node"
  # npm's package bundles its dependencies: unpacked, it runs as the official image's npm does.
  npm_unpack "npm@$npm_version"
  mkdir -p "$rootfs/usr/local/lib/node_modules"
  cp -r "$work/npm/npm" "$rootfs/usr/local/lib/node_modules/npm"
  chmod 0755 "$rootfs/usr/local/lib/node_modules/npm/bin/"np[mx]-cli.js
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$rootfs/etc/passwd"
  echo 'node:x:1000:' >>"$rootfs/etc/group"
  install -d -o 1000 -g 1000 "$rootfs/home/node"
  local changes=(--change "ENV NODE_VERSION=$node_version" --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["node"]')
  import_rootfs "$image" "$rootfs" "${changes[@]}"
}

# The Go binaries tools/build-go-binaries.sh builds, at the versions of the compose images.
go_binary() { sed -n "s/^$1=//p" <<<"$go_binaries"; }

# Like otel/opentelemetry-collector-contrib: the Collector alone, as uid 10001. This build has only
# the components of tools/collector/builder-config.yaml, which are the ones the demo's config uses.
build_collector() {
  local image=$1 rootfs="$work/collector-image"
  is_current "$image" && return
  mkdir -p "$rootfs/etc/otelcol"
  install -m 0755 "$(go_binary OTELCOL_BIN)" "$rootfs/otelcol"
  import_rootfs "$image" "$rootfs" --change 'ENTRYPOINT ["/otelcol"]' --change 'USER 10001'
}

# Like jaegertracing/jaeger: /cmd/jaeger/jaeger-linux as uid 10001, /tmp a volume, wget for healthchecks.
build_jaeger() {
  local image=$1 rootfs="$work/jaeger-image"
  is_current "$image" && return
  busybox_rootfs "$rootfs"
  install -D -m 0755 "$(go_binary JAEGER_BIN)" "$rootfs/cmd/jaeger/jaeger-linux"
  import_rootfs "$image" "$rootfs" --change 'ENTRYPOINT ["/cmd/jaeger/jaeger-linux"]' --change 'USER 10001' --change 'VOLUME /tmp'
}

# Like prom/prometheus: /bin/prometheus on busybox as nobody, its data in the volume /prometheus.
build_prometheus() {
  local image=$1 rootfs="$work/prometheus-image"
  is_current "$image" && return
  busybox_rootfs "$rootfs"
  install -m 0755 "$(go_binary PROMETHEUS_BIN)" "$rootfs/bin/prometheus"
  install -d -o 65534 -g 65534 "$rootfs/prometheus" "$rootfs/etc/prometheus"
  import_rootfs "$image" "$rootfs" --change 'ENTRYPOINT ["/bin/prometheus"]' --change 'USER nobody' \
    --change 'WORKDIR /prometheus' --change 'VOLUME /prometheus'
}

# Like victoriametrics/victoria-logs: /victoria-logs-prod alone (the official image is distroless).
build_victoria_logs() {
  local image=$1 rootfs="$work/victoria-logs-image"
  is_current "$image" && return
  mkdir -p "$rootfs/tmp"
  chmod 1777 "$rootfs/tmp"
  install -m 0755 "$(go_binary VICTORIA_LOGS_BIN)" "$rootfs/victoria-logs-prod"
  import_rootfs "$image" "$rootfs" --change 'ENTRYPOINT ["/victoria-logs-prod"]' --change 'EXPOSE 9428'
}

# Like rabbitmq:<RABBITMQ_VERSION>: Debian bookworm's rabbitmq-server on its Erlang, as the user
# rabbitmq (uid 999, as in the official image), rabbitmq-server on PATH, /var/lib/rabbitmq a volume.
# The install makes an Erlang cookie; it is deleted, so that each broker makes its own at first start.
build_rabbitmq() {
  local image=$1 version=$2 rootfs="$work/rabbitmq-image"
  is_current "$image" && return
  install_debootstrap
  log "debootstrap bookworm (minbase) with rabbitmq-server from $mirror"
  debootstrap --variant=minbase --include=rabbitmq-server bookworm "$rootfs" "$mirror" >"$work/debootstrap-rabbitmq.log" 2>&1 ||
    fail "debootstrap failed: $(tail -5 "$work/debootstrap-rabbitmq.log")"
  [ -d "$rootfs/usr/lib/rabbitmq/lib/rabbitmq_server-$version" ] ||
    fail "Debian's rabbitmq-server is not $version (RABBITMQ_VERSION in .env): $(ls "$rootfs/usr/lib/rabbitmq/lib")"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs/var/lib/rabbitmq/.erlang.cookie"
  sed -i 's/^rabbitmq:x:[0-9]*:[0-9]*:/rabbitmq:x:999:999:/' "$rootfs/etc/passwd"
  sed -i 's/^rabbitmq:x:[0-9]*:/rabbitmq:x:999:/' "$rootfs/etc/group"
  chown -R 999:999 "$rootfs/var/lib/rabbitmq" "$rootfs/var/log/rabbitmq" "$rootfs/etc/rabbitmq"
  # RUNNING_UNDER_SYSTEMD: the start script execs the Erlang VM, so SIGTERM reaches the broker.
  local changes=(--change 'ENV PATH=/usr/lib/rabbitmq/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
    --change 'ENV HOME=/var/lib/rabbitmq' --change 'ENV RUNNING_UNDER_SYSTEMD=true' --change 'USER rabbitmq'
    --change 'VOLUME /var/lib/rabbitmq' --change 'EXPOSE 5672 15692' --change 'CMD ["rabbitmq-server"]')
  import_rootfs "$image" "$rootfs" "${changes[@]}"
}

node_image="$prefix/node:$(env_value NODE_VERSION)-bookworm-slim"
collector_image="$prefix/otelcol-demo:$(env_value OTEL_COLLECTOR_VERSION)"
jaeger_image="$prefix/jaeger:$(env_value JAEGER_VERSION)"
prometheus_image="$prefix/prometheus:$(env_value PROMETHEUS_VERSION)"
victoria_logs_image="$prefix/victoria-logs:$(env_value VICTORIA_LOGS_VERSION)"
rabbitmq_image="$prefix/rabbitmq:$(env_value RABBITMQ_VERSION)"
# Debian's busybox, named by its own version (it is not the BUSYBOX_VERSION image).
busybox_image="$prefix/busybox:debian-$(busybox_version)"
[ "$busybox_image" != "$prefix/busybox:debian-" ] || { apt-get update -qq; busybox_image="$prefix/busybox:debian-$(busybox_version)"; }

go_binaries="$("$root/tools/build-go-binaries.sh")"
started=$SECONDS
build_node "$node_image"
build_busybox "$busybox_image"
build_collector "$collector_image"
build_jaeger "$jaeger_image"
build_prometheus "$prometheus_image"
build_victoria_logs "$victoria_logs_image"
build_rabbitmq "$rabbitmq_image" "$(env_value RABBITMQ_VERSION)"

cat >"$root/compose.offline.env" <<EOF
# Written by tools/compose/offline-images.sh: locally built stand-ins for the official images.
#   docker compose --env-file .env --env-file compose.offline.env up --build --wait
NODE_IMAGE=$node_image
COLLECTOR_IMAGE=$collector_image
JAEGER_IMAGE=$jaeger_image
PROMETHEUS_IMAGE=$prometheus_image
VICTORIA_LOGS_IMAGE=$victoria_logs_image
RABBITMQ_IMAGE=$rabbitmq_image
BUSYBOX_IMAGE=$busybox_image
EOF

# A machine that reaches npm through a TLS-intercepting proxy trusts the proxy's CA (by
# NODE_EXTRA_CA_CERTS, or in its system store); the image builds need it too. The builds get what
# this machine's npm trusts, as a build secret, never into a layer, from a copy inside the project
# (compose's bake builder reads secret files there only).
build_ca="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
if [ -f "$build_ca" ]; then
  mkdir -p "$root/.cache/compose"
  cp "$build_ca" "$root/.cache/compose/build-ca.pem"
  echo "BUILD_CA_FILE=.cache/compose/build-ca.pem" >>"$root/compose.offline.env"
  log "the image builds will trust $build_ca (copied to .cache/compose/build-ca.pem)"
fi
log "images ready in $((SECONDS - started)) s; compose.offline.env names them"
