#!/usr/bin/env bash
# A Docker engine with the compose and buildx plugins, for the compose suite (and for anyone on a
# Debian or Ubuntu machine with no Docker Desktop).
#
#   tools/compose/docker-engine.sh install install what is missing, start nothing
#   tools/compose/docker-engine.sh start   install what is missing; start dockerd if none answers
#   tools/compose/docker-engine.sh stop    stop the dockerd that 'start' started, and nothing else
#
# What it installs, each only when missing:
#   - the engine: Debian's docker.io, with apt-get (as root);
#   - the compose and buildx CLI plugins, at DOCKER_COMPOSE_VERSION and DOCKER_BUILDX_VERSION in
#     .env. Debian ships neither, so they are built from Go modules into a cache outside the clone
#     (DOCKER_PLUGINS_DIR) and linked into ~/.docker/cli-plugins. Plugins you already have, there
#     or system-wide, are used as they are.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
env_value() { sed -n "s/^$1=//p" "$root/.env"; }
cache="${DOCKER_PLUGINS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/otel-node-tracing-demo/docker-plugins}"
plugins="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
# Where `start` records the dockerd it started (<state>.pid, <state>.log), and where `stop` looks:
# a caller that must stop only its own daemon (.ci/run) gives each run a state of its own.
state="${DOCKERD_STATE:-${TMPDIR:-/tmp}/otel-node-tracing-demo-dockerd}"
log() { echo "docker-engine: $*" >&2; }
fail() { log "$*"; exit 1; }

install_engine() {
  command -v dockerd >/dev/null && command -v docker >/dev/null && return
  command -v apt-get >/dev/null || fail "no Docker Engine here, and no apt-get to install one: install Docker yourself (https://docs.docker.com/engine/install/)"
  [ "$(id -u)" = 0 ] || fail "no Docker Engine here: run this as root to install Debian's docker.io, or install Docker yourself"
  # Not started by its package: start_daemon starts the dockerd that 'stop' may stop.
  "$root/tools/debian-packages.sh" docker.io
}

# install_plugin NAME MODULE VERSION PACKAGE LDFLAGS: builds the plugin once, then links it.
install_plugin() {
  local name=$1 module=$2 version=$3 package=$4 ldflags=$5
  if docker "$name" version >/dev/null 2>&1; then return; fi
  command -v go >/dev/null || fail "docker $name is missing and Go is not installed to build it: install the docker-$name plugin, or Go 1.26.8 or newer"
  local binary="$cache/$name-$version/docker-$name"
  if [ ! -x "$binary" ]; then
    log "building docker $name $version from Go modules (about a minute, once)"
    # shellcheck source=tools/go-module.sh
    source "$root/tools/go-module.sh"
    timed "docker-engine: docker $name" go_build_module "$module" "$version" "$package" "$binary" "$ldflags"
  fi
  mkdir -p "$plugins"
  ln -sf "$binary" "$plugins/docker-$name"
}

install_plugins() {
  local compose buildx
  compose="$(env_value DOCKER_COMPOSE_VERSION)"
  buildx="$(env_value DOCKER_BUILDX_VERSION)"
  # Both stamp their version as their release builds do: compose refuses a buildx that reads v0.0.0.
  install_plugin compose github.com/docker/compose/v5 "$compose" github.com/docker/compose/v5/cmd \
    "-X github.com/docker/compose/v5/internal.Version=$compose"
  install_plugin buildx github.com/docker/buildx "$buildx" github.com/docker/buildx/cmd/buildx \
    "-X github.com/docker/buildx/version.Version=$buildx"
}

start_daemon() {
  if docker info >/dev/null 2>&1; then
    log "a Docker daemon is already running; using it"
    return
  fi
  [ "$(id -u)" = 0 ] || fail "no Docker daemon answers, and only root can start one here: start dockerd, or run this as root"
  log "starting dockerd (its log: $state.log)"
  dockerd >"$state.log" 2>&1 &
  echo $! >"$state.pid"
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && return
    kill -0 "$(cat "$state.pid")" 2>/dev/null || fail "dockerd exited at start: $(tail -5 "$state.log")"
    sleep 0.5
  done
  fail "dockerd did not answer within 30 s: $(tail -5 "$state.log")"
}

stop_daemon() {
  [ -f "$state.pid" ] || { log "no dockerd was started by this script; nothing to stop"; return; }
  local pid
  pid="$(cat "$state.pid")"
  rm -f "$state.pid"
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] || return 0
  log "stopping the dockerd it started (pid $pid)"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  fail "dockerd (pid $pid) did not stop within 30 s"
}

case "${1:-}" in
  install)
    install_engine
    install_plugins
    ;;
  start)
    install_engine
    install_plugins
    start_daemon
    log "ready: engine $(docker version --format '{{.Server.Version}}'), compose $(docker compose version --short), buildx $(docker buildx version | cut -d' ' -f2)"
    ;;
  stop) stop_daemon ;;
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
