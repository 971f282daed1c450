#!/usr/bin/env bash
# Builds the real OpenTelemetry Collector, Jaeger, Prometheus and VictoriaLogs from Go modules, at the versions
# the compose images use (.env), once, into a cache folder. Later runs reuse the binaries.
#
#   tools/build-go-binaries.sh                  build what is missing, print nothing else
#   tools/build-go-binaries.sh jaeger ...       only these (collector, jaeger, prometheus, victoria-logs)
#   GO_BINARIES_DIR=/some/dir ...               cache elsewhere (CI keeps it outside the clone)
#
# tools/install-binaries.sh, which pnpm demo runs, prefers the projects' release archives and falls
# back to this build; this script is the Go path alone.
#
# Prints the binary paths as KEY=path lines on stdout; progress goes to stderr.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
env_value() { sed -n "s/^$1=//p" "$root/.env"; }
collector_version="$(env_value OTEL_COLLECTOR_VERSION)"
jaeger_module_version="$(env_value JAEGER_GO_MODULE_VERSION)"
prometheus_module_version="$(env_value PROMETHEUS_GO_MODULE_VERSION)"
victoria_logs_version="$(env_value VICTORIA_LOGS_VERSION)"
cache="${GO_BINARIES_DIR:-$root/.cache/go-binaries}"

export CGO_ENABLED=0 GOFLAGS=-mod=mod

log() { echo "build-go-binaries: $*" >&2; }

# Checked only when something is to be built: cached binaries need no Go.
require_go() {
  command -v go >/dev/null && return
  log "Go is not installed, and $1 is not built yet. Install Go 1.26.7 or newer (https://go.dev/doc/install),"
  log "or let tools/install-binaries.sh fetch the release archives (it needs github.com), or use 'docker compose up'."
  exit 1
}
# shellcheck source=tools/go-module.sh
source "$root/tools/go-module.sh"

build_collector() {
  local manifest_hash out dir
  manifest_hash="$(sha256sum "$root/tools/collector/builder-config.yaml" | cut -c1-12)"
  dir="$cache/otelcol-$collector_version-$manifest_hash"
  out="$dir/otelcol-demo"
  if [ ! -x "$out" ]; then
    require_go "the Collector"
    log "building the Collector $collector_version with the OpenTelemetry Collector Builder (a few minutes, once)"
    local work; work="$(mktemp -d)"
    GOBIN="$work/bin" go install "go.opentelemetry.io/collector/cmd/builder@v$collector_version"
    sed -e "s|\${OTEL_COLLECTOR_VERSION}|$collector_version|g" -e "s|\${OUTPUT_PATH}|$work/src|g" \
      "$root/tools/collector/builder-config.yaml" > "$work/manifest.yaml"
    "$work/bin/builder" --config "$work/manifest.yaml" >&2
    mkdir -p "$dir" && mv "$work/src/otelcol-demo" "$out" && rm -rf "$work"
  fi
  echo "OTELCOL_BIN=$out"
}

build_jaeger() {
  local out="$cache/jaeger-$jaeger_module_version/jaeger"
  if [ ! -x "$out" ]; then
    require_go Jaeger
    log "building Jaeger $jaeger_module_version (cmd/jaeger, the v2 binary) from Go modules (a few minutes, once)"
    go_build_module github.com/jaegertracing/jaeger "$jaeger_module_version" github.com/jaegertracing/jaeger/cmd/jaeger "$out"
  fi
  echo "JAEGER_BIN=$out"
}

# go install of a command at a release into $1, with the version stamp ($3, an -X flag) that its
# release build sets, so that its --version names it, and any build tags ($5). Skipped when the
# binary $2 is there.
install_stamped() {
  local dir=$1 out=$2 stamp=$3 package=$4 tags=${5:-}
  [ -x "$out" ] && return
  require_go "$(basename "$out")"
  log "building $package from Go modules (a few minutes, once)"
  GOBIN="$dir" go install -trimpath -tags "$tags" -ldflags "-s -w -X $stamp" "$package"
}

build_prometheus() {
  local dir="$cache/prometheus-$prometheus_module_version"
  # The web UI's compiled assets are not part of the Go module (they come from an npm build),
  # so this binary serves the API only: enough for Jaeger's Monitor tab and the tests.
  # It scrapes nothing (prometheus.yml: the Collector pushes by remote write), so it is built with
  # Prometheus's own tag that leaves out the optional service discoveries (Kubernetes, the clouds'
  # SDKs): file, HTTP and static discovery stay.
  install_stamped "$dir" "$dir/prometheus" \
    "github.com/prometheus/common/version.Version=$(env_value PROMETHEUS_VERSION | sed 's/^v//')" \
    "github.com/prometheus/prometheus/cmd/prometheus@$prometheus_module_version" remove_all_sd
  echo "PROMETHEUS_BIN=$dir/prometheus"
}

build_victoria_logs() {
  local dir="$cache/victoria-logs-$victoria_logs_version"
  # Its module carries the built web UI (app/vlselect/vmui): this binary serves the real one.
  install_stamped "$dir" "$dir/victoria-logs" \
    "github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version=victoria-logs-$victoria_logs_version" \
    "github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@$victoria_logs_version"
  echo "VICTORIA_LOGS_BIN=$dir/victoria-logs"
}

[ $# -gt 0 ] || set -- collector jaeger prometheus victoria-logs
for name in "$@"; do
  case "$name" in
    collector) timed "build-go-binaries: the Collector" build_collector ;;
    jaeger) timed "build-go-binaries: Jaeger" build_jaeger ;;
    prometheus) timed "build-go-binaries: Prometheus" build_prometheus ;;
    victoria-logs) timed "build-go-binaries: VictoriaLogs" build_victoria_logs ;;
    *) echo "build-go-binaries: unknown binary '$name' (collector, jaeger, prometheus, victoria-logs)" >&2; exit 2 ;;
  esac
done
