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

# One row a binary, each field read from listings of the real releases (evidence below), not from the
# projects' build scripts alone:
#   name | output key | .env version key | .env key of the release tag | GitHub repository | archive |
#   the binary's path inside it | checksum file | which of its rows are checked: archive, binary, or both
# In names, {v} is the version without its leading v, {os} linux or darwin, {arch} amd64 or arm64. The
# release is at <repository>/releases/download/<tag>/, the tag being the .env value with a leading v.
# Rows are matched by their exact name (a '*' before it, shasum's binary mode, is dropped).
#
# collector: the otelcol-contrib distribution, which has every component the configs use, and more.
#   Tag v0.161.0. Archive at the root of the tarball, checksums in one file for the whole distribution,
#   "<sha256>  <file>", which also lists .sbom.json, .deb, .rpm and .msi files.
#   - open-telemetry/opentelemetry-collector-releases#1002 quotes a real one (v0.129.1):
#     "fe57edb9...  otelcol-contrib_0.129.1_windows_386.tar.gz", "...tar.gz.sbom.json", "..._windows_x64.msi"
#     (v0.123 to v0.131 listed only Windows rows: a missing row is reported by name, below).
#   - grafana/docker-otel-lgtm docker/download-otelcol.sh: "ARCHIVE=otelcol-contrib_"${VERSION:1}"_linux_
#     "${TARGETARCH}".tar.gz", ".../opentelemetry-collector-releases/releases/download/"${VERSION}"/...",
#     and the binary at the archive's root: "tar xfz "${ARCHIVE}" -C /otel-lgtm/otelcol-contrib/".
#   - Install scripts verifying v0.161.0: ".../releases/download/v0.161.0/otelcol-contrib_0.161.0_linux_amd64.tar.gz",
#     "opentelemetry-collector-releases_otelcol-contrib_checksums.txt", "tar xzf otelcol.tar.gz otelcol-contrib".
# jaeger: Jaeger 2.x before 2.14.0 was published under the v1 tag of the same commit, so the tag is
#   JAEGER_GO_MODULE_VERSION (v1.75.0 for 2.12.0). Its per-platform checksum file lists the files
#   inside the archive, not the archive: the binary is checked after unpacking, before it is cached.
#   - jaegertracing/documentation, commit 21449428 "Release 2.12.0/1.75.0": binariesLatest "1.75.0",
#     binariesLatestV2 "2.12.0", and its binaries shortcode: "The releases on GitHub are currently tagged
#     with v1xx tag, so we use $latestV1 in the base URLs", asset "jaeger-%s-%s-amd64.tar.gz" $latest.
#   - jaegertracing/jaeger docs/SCARF.md: ".../jaeger/releases/download/v1.69.0/jaeger-2.6.0-darwin-amd64.tar.gz".
#   - phpactor/phpactor flake.nix: ".../releases/download/v1.73.0/jaeger-2.10.0-linux-amd64.tar.gz", "install ./jaeger".
#   - jaegertracing/documentation content/download.md, Artifact Checksums: "jaeger-1.39.0-darwin-amd64.sha256sum.txt",
#     "5088bcd3...  *jaeger-1.39.0-darwin-amd64/example-hotrod" (shasum -b -a 256 of a file inside).
#   - jaegertracing/jaeger at v1.75.0: .github/workflows/ci-release.yml uploads "deploy/*.sha256sum.txt" to
#     "tag: ${{ env.BRANCH }}", BRANCH=$(make echo-v1); scripts/build/package-deploy.sh writes one such file
#     per archive. It also writes an aggregate jaeger-2.12.0.sha256sum.txt of the archives, but no listing
#     of a real release shows it, so it is not relied on.
# prometheus: tag v3.16.0. "<sha256>  <file>" for every archive of the release in sha256sums.txt.
#   - aquaproj/aqua-registry pkgs/prometheus/prometheus/registry.yaml: asset "prometheus-{{trimV .Version}}.
#     {{.OS}}-{{.Arch}}.tar.gz", checksum asset "sha256sums.txt", src "prometheus-{{trimV .Version}}.{{.OS}}-
#     {{.Arch}}/prometheus".
#   - grafana/docker-otel-lgtm docker/download-prometheus.sh: "sha256sum -c sha256sums.txt --ignore-missing".
#   - prometheus/promu cmd/checksum.go (the release tool): fmt.Fprintf(file, "%x  %s\n", ...).
# victoria-logs: tag v1.52.1 of VictoriaMetrics/VictoriaLogs (its releases left VictoriaMetrics/VictoriaMetrics
#   and the -victorialogs tag suffix in 2025). The checksum file has two rows, the archive and the binary
#   inside, and an enterprise archive and checksum file sit beside them.
#   - VictoriaLogs' QuickStart: "Download the victoria-logs-<os>-<arch>-<version>.tar.gz archive ... It
#     contains a single victoria-logs-prod binary", ".../VictoriaLogs/releases/download/v1.51.0/
#     victoria-logs-linux-amd64-v1.51.0.tar.gz".
#   - A Puppet module's spec: ".../VictoriaLogs/releases/download/v1.49.0/victoria-logs-linux-amd64-v1.49.0_checksums.txt",
#     and an enterprise archive "includes -enterprise suffix" (victoria-logs-linux-amd64-v1.51.1-enterprise.tar.gz).
#   - VictoriaLogs v1.52.1's Makefile, release-victoria-logs-goos-goarch: "sha256sum <archive> victoria-logs-
#     $(GOOS)-$(GOARCH)-prod | sed s/-$(GOOS)-$(GOARCH)-prod/-prod/ > ..._checksums.txt".
# tests/e2e/install-binaries.test.ts serves these releases from a mirror built from the same evidence
# (tests/e2e/published-releases.ts), never from this table.
RELEASES='
collector|OTELCOL|OTEL_COLLECTOR_VERSION|OTEL_COLLECTOR_VERSION|open-telemetry/opentelemetry-collector-releases|otelcol-contrib_{v}_{os}_{arch}.tar.gz|otelcol-contrib|opentelemetry-collector-releases_otelcol-contrib_checksums.txt|archive
jaeger|JAEGER|JAEGER_VERSION|JAEGER_GO_MODULE_VERSION|jaegertracing/jaeger|jaeger-{v}-{os}-{arch}.tar.gz|jaeger-{v}-{os}-{arch}/jaeger|jaeger-{v}-{os}-{arch}.sha256sum.txt|binary
prometheus|PROMETHEUS|PROMETHEUS_VERSION|PROMETHEUS_VERSION|prometheus/prometheus|prometheus-{v}.{os}-{arch}.tar.gz|prometheus-{v}.{os}-{arch}/prometheus|sha256sums.txt|archive
victoria-logs|VICTORIA_LOGS|VICTORIA_LOGS_VERSION|VICTORIA_LOGS_VERSION|VictoriaMetrics/VictoriaLogs|victoria-logs-{os}-{arch}-v{v}.tar.gz|victoria-logs-prod|victoria-logs-{os}-{arch}-v{v}_checksums.txt|archive binary
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

# expected_sha256 CHECKSUMS_FILE NAME: the hash on the row whose name is exactly NAME, or nothing.
expected_sha256() {
  awk -v file="$2" '{ name = $2; sub(/^\*/, "", name); if (name == file) { print $1; exit } }' "$1"
}

# verify FILE NAME EXPECTED: the sha256 of FILE against its row; a mismatch deletes FILE and says so.
verify() {
  local actual
  actual="$(sha256_of "$1")"
  [ "$actual" = "$3" ] && return 0
  rm -f "$1"
  why="CHECKSUM MISMATCH for $2 (sha256 $actual, $checksums says $3): the download was deleted"
  return 1
}

# release_install: download, verify and unpack the one binary of this row, and rename it into place.
# The rows to check are read before anything is downloaded; the archive is checked before it is
# unpacked, and the binary (where the file lists it) after, before it is cached or run.
release_install() {
  local dir="$work/$name" archive_sha="" binary_sha=""
  if [ -z "$os" ] || [ -z "$arch" ]; then why="no release archive for $(uname -s)/$(uname -m)"; return 1; fi
  if [ -n "$unreachable" ]; then why="not tried, the host did not answer for $unreachable"; return 1; fi
  mkdir -p "$dir"
  download "$release_url/$checksums" "$dir/$checksums" || return 1
  if [[ " $checked " == *" archive "* ]]; then
    archive_sha="$(expected_sha256 "$dir/$checksums" "$archive")"
    [ -n "$archive_sha" ] || { why="$checksums (from $release_url) has no row for $archive"; return 1; }
  fi
  if [[ " $checked " == *" binary "* ]]; then
    binary_sha="$(expected_sha256 "$dir/$checksums" "$member")"
    [ -n "$binary_sha" ] || { why="$checksums (from $release_url) has no row for $member"; return 1; }
  fi
  download "$release_url/$archive" "$dir/$archive" || return 1
  if [ -n "$archive_sha" ]; then verify "$dir/$archive" "$archive" "$archive_sha" || return 1; fi
  if ! tar -xzf "$dir/$archive" -C "$dir" "$member" 2>/dev/null || [ ! -f "$dir/$member" ]; then
    why="$archive has no $member"
    return 1
  fi
  if [ -n "$binary_sha" ]; then verify "$dir/$member" "$member in $archive" "$binary_sha" || return 1; fi
  chmod 0755 "$dir/$member"
  mkdir -p "$(dirname "$destination")"
  mv -f "$dir/$member" "$destination"
  rm -rf "$dir"
}

# What the report line says was checked: "the archive", "<binary>", or both, against which file.
checked_what() {
  local what=""
  [[ " $checked " == *" archive "* ]] && what="the archive"
  [[ " $checked " == *" binary "* ]] && what="${what:+$what and }$member"
  echo "sha256 of $what matched $checksums"
}

# go_install NAME KEY: tools/build-go-binaries.sh for this binary (cached, or built now).
go_install() {
  local line
  line="$("$root/tools/build-go-binaries.sh" "$1" | grep "^$2_BIN=")" || return 1
  echo "${line#*=}"
}

# install_one: this row (the globals the loop below reads), from the release or from Go.
install_one() {
  local tag archive member checksums release_url destination started path how=""
  version="$(env_value "$version_key")" tag="$(env_value "$tag_key")"
  version="${version#v}" tag="v${tag#v}"
  archive="$(fill "$archive_pattern")" member="$(fill "$member_pattern")" checksums="$(fill "$checksums_pattern")"
  release_url="$base_url/$repository/releases/download/$tag"
  destination="$cache/release/$name-$version-$os-$arch/$(basename "$member")"
  started=$(now_ms)
  if [ "$strategy" != go ]; then
    if [ -x "$destination" ]; then
      how="cached, from $release_url/$archive"
    elif release_install; then
      how="$release_url/$archive, $(checked_what)"
    fi
    if [ -n "$how" ]; then
      report "$name" release "$(elapsed "$started")" "$version: $how"
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

while IFS='|' read -r name key version_key tag_key repository archive_pattern member_pattern checksums_pattern checked; do
  [ -n "$name" ] || continue
  why="" current="$name"
  install_one
done <<<"$RELEASES"
