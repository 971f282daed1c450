#!/usr/bin/env bash
# The OpenTelemetry Collector, Jaeger, Prometheus and VictoriaLogs of the no-Docker mode (pnpm demo),
# at the versions .env pins, cached in $GO_BINARIES_DIR (default .cache/go-binaries/). Each binary
# comes one of two ways, tried in this order:
#   release  the project's official archive for this OS and CPU, from its GitHub release, checked
#            against the checksum file published with that release. Jaeger's and Prometheus' carry
#            their web UIs. Seconds, and no Go.
#   go       tools/build-go-binaries.sh: built from Go modules. Needs Go, and minutes the first time;
#            Jaeger and Prometheus then serve their APIs with a placeholder page instead of a UI.
#
#   DEMO_BINARIES=auto      (default) release, else go, binary by binary
#   DEMO_BINARIES=release   release only: an error if it cannot be had
#   DEMO_BINARIES=go        go only (CI here, where no release host is reachable)
#   DEMO_BINARIES_RELEASE_URL=https://github.com   where the releases are: a mirror, or a test's server
#
# stdout: <NAME>_BIN=path and <NAME>_SOURCE=release|go lines. stderr: one line a binary (and the
# Go build's progress, when it runs).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
env_value() { sed -n "s/^$1=//p" "$root/.env"; }
strategy="${DEMO_BINARIES:-auto}"
base_url="${DEMO_BINARIES_RELEASE_URL:-https://github.com}"
base_url="${base_url%/}"
cache="${GO_BINARIES_DIR:-$root/.cache/go-binaries}"
# An offline machine falls back in seconds: no connection within CONNECT_TIMEOUT_S, or a transfer
# slower than 1 KB/s for STALL_TIMEOUT_S, and the release is given up.
CONNECT_TIMEOUT_S=5
STALL_TIMEOUT_S=5

case "$strategy" in auto | release | go) ;; *)
  echo "install-binaries: DEMO_BINARIES must be auto, release or go, not '$strategy'" >&2
  exit 2
  ;;
esac

# One row a binary: name | output key | .env version key | GitHub repository | archive | the binary's
# path inside it | checksum file. In names, {v} is the version without its leading v, {os} is linux or
# darwin, {arch} amd64 or arm64. Every release is at <repository>/releases/download/v{v}/.
# Each pattern was read (2026-12-03) in the project's own release tooling:
#   collector      open-telemetry/opentelemetry-collector-releases, distributions/otelcol-contrib/.goreleaser.yaml
#                  (archive and checksum name_template; GoReleaser puts the binary at the archive's root)
#   jaeger         jaegertracing/jaeger, scripts/build/package-deploy.sh (archive, folder, checksum file) and
#                  .github/workflows/ci-release.yml (uploaded to the v2 tag)
#   prometheus     prometheus/promu, cmd/tarball.go (archive and folder) and cmd/checksum.go (sha256sums.txt)
#   victoria-logs  VictoriaMetrics/VictoriaLogs, Makefile (release-victoria-logs-goos-goarch) and
#                  package/release/Makefile (uploaded to that repository's releases)
# The Collector is the otelcol-contrib distribution: it has every component the configs use, and more.
RELEASES='
collector|OTELCOL|OTEL_COLLECTOR_VERSION|open-telemetry/opentelemetry-collector-releases|otelcol-contrib_{v}_{os}_{arch}.tar.gz|otelcol-contrib|opentelemetry-collector-releases_otelcol-contrib_checksums.txt
jaeger|JAEGER|JAEGER_VERSION|jaegertracing/jaeger|jaeger-{v}-{os}-{arch}.tar.gz|jaeger-{v}-{os}-{arch}/jaeger|jaeger-{v}.sha256sum.txt
prometheus|PROMETHEUS|PROMETHEUS_VERSION|prometheus/prometheus|prometheus-{v}.{os}-{arch}.tar.gz|prometheus-{v}.{os}-{arch}/prometheus|sha256sums.txt
victoria-logs|VICTORIA_LOGS|VICTORIA_LOGS_VERSION|VictoriaMetrics/VictoriaLogs|victoria-logs-{os}-{arch}-v{v}.tar.gz|victoria-logs-prod|victoria-logs-{os}-{arch}-v{v}_checksums.txt
'

case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) os="" ;; esac
case "$(uname -m)" in x86_64 | amd64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; *) arch="" ;; esac

mkdir -p "$cache"
work="$(mktemp -d "$cache/.install.XXXXXX")"
trap 'rm -rf "$work"' EXIT

now_ms() {
  if [ -n "${EPOCHREALTIME:-}" ]; then
    local t=${EPOCHREALTIME/[.,]/}
    echo $((t / 1000))
  else
    echo $((SECONDS * 1000))
  fi
}
elapsed() { local ms=$(($(now_ms) - $1)); printf '%d.%d s' $((ms / 1000)) $((ms % 1000 / 100)); }
report() { printf 'install-binaries: %-14s %-8s %7s  %s\n' "$1" "$2" "$3" "$4" >&2; }
sha256_of() { if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1; }
fill() { local text=$1; text=${text//\{v\}/$version}; text=${text//\{os\}/$os}; text=${text//\{arch\}/$arch}; echo "$text"; }

# The binary whose download found the host unreachable, so that the next ones do not wait for it.
unreachable=""
current=""
# Why the last release_install failed, for the report line.
why=""

# download URL FILE: curl with short timeouts; on failure, sets why and, for a network failure,
# unreachable.
download() {
  local status=0 message
  message="$(curl --fail --silent --show-error --location --connect-timeout "$CONNECT_TIMEOUT_S" \
    --speed-limit 1024 --speed-time "$STALL_TIMEOUT_S" --output "$2" "$1" 2>&1)" || status=$?
  [ "$status" -eq 0 ] && return 0
  message="${message#curl: }"
  # Could not resolve (5, 6), connect (7), timed out or stalled (28), TLS handshake (35): the host
  # is unreachable. Anything else (an HTTP error, say) belongs to this URL.
  case "$status" in
    5 | 6 | 7 | 28 | 35) why="${message:-curl exit $status}" unreachable="$current" ;;
    *) why="${message:-curl exit $status}: $1" ;;
  esac
  return 1
}

# release_install NAME REPOSITORY ARCHIVE MEMBER CHECKSUMS DESTINATION: download, verify, unpack the one
# binary, and rename it into place. Nothing is unpacked or run before the checksum matches.
release_install() {
  local name=$1 repository=$2 archive=$3 member=$4 checksums=$5 destination=$6
  local url="$base_url/$repository/releases/download/v$version" dir="$work/$name" expected actual
  if [ -z "$os" ] || [ -z "$arch" ]; then why="no release archive for $(uname -s)/$(uname -m)"; return 1; fi
  if [ -n "$unreachable" ]; then why="not tried, the host did not answer for $unreachable"; return 1; fi
  mkdir -p "$dir"
  download "$url/$checksums" "$dir/$checksums" || return 1
  expected="$(awk -v file="$archive" '{ name = $2; sub(/^\*/, "", name); if (name == file) { print $1; exit } }' "$dir/$checksums")"
  if [ -z "$expected" ]; then why="$checksums lists no $archive"; return 1; fi
  download "$url/$archive" "$dir/$archive" || return 1
  actual="$(sha256_of "$dir/$archive")"
  if [ "$actual" != "$expected" ]; then
    rm -f "$dir/$archive"
    why="CHECKSUM MISMATCH for $archive (sha256 $actual, $checksums says $expected): the download was deleted"
    return 1
  fi
  if ! tar -xzf "$dir/$archive" -C "$dir" "$member" 2>/dev/null || [ ! -f "$dir/$member" ]; then
    why="$archive has no $member"
    return 1
  fi
  chmod 0755 "$dir/$member"
  mkdir -p "$(dirname "$destination")"
  mv -f "$dir/$member" "$destination"
  rm -rf "$dir"
}

# go_install NAME KEY: tools/build-go-binaries.sh for this binary (cached, or built now).
go_install() {
  local line
  line="$("$root/tools/build-go-binaries.sh" "$1" | grep "^$2_BIN=")" || return 1
  echo "${line#*=}"
}

install_one() {
  local name=$1 key=$2 repository=$4 archive member checksums destination started path
  version="$(env_value "$3")"
  version="${version#v}"
  archive="$(fill "$5")" member="$(fill "$6")" checksums="$(fill "$7")"
  destination="$cache/release/$name-$version-$os-$arch/$(basename "$member")"
  started=$(now_ms)
  if [ "$strategy" != go ]; then
    local how=""
    if [ -x "$destination" ]; then
      how="cached"
    elif release_install "$name" "$repository" "$archive" "$member" "$checksums" "$destination"; then
      how="downloaded $archive, sha256 verified"
    fi
    if [ -n "$how" ]; then
      report "$name" release "$(elapsed "$started")" "$version, $how"
      emit "$key" "$destination" release
      return
    fi
    if [ "$strategy" = release ]; then
      report "$name" FAILED "$(elapsed "$started")" "DEMO_BINARIES=release: $why"
      exit 1
    fi
  fi
  path="$(go_install "$name" "$key")" || { report "$name" FAILED "$(elapsed "$started")" "no release, and no Go build (above)"; exit 1; }
  report "$name" go "$(elapsed "$started")" "Go build${why:+; release not used: $why}"
  emit "$key" "$path" go
}

# emit KEY PATH SOURCE: the two stdout lines ensureBinaries (tools/stack) reads.
emit() { printf '%s_BIN=%s\n%s_SOURCE=%s\n' "$1" "$2" "$1" "$3"; }

while IFS='|' read -r name key version_key repository archive member checksums; do
  [ -n "$name" ] || continue
  why="" current="$name"
  install_one "$name" "$key" "$version_key" "$repository" "$archive" "$member" "$checksums"
done <<<"$RELEASES"
