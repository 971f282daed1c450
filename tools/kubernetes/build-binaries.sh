#!/usr/bin/env bash
# Builds what the chart's checks need, from Go modules, at the versions in .env, once, into the
# same cache as the other Go binaries (tools/build-go-binaries.sh):
#   kube-apiserver, kube-controller-manager and kube-scheduler  (k8s.io/kubernetes)
#   etcd                                                          (go.etcd.io/etcd/server/v3)
#   helm                                                          (helm.sh/helm/v4)
#   kwok: fake nodes whose pods "run", so that every rollout can complete  (sigs.k8s.io/kwok)
#
#   tools/kubernetes/build-binaries.sh          build what is missing; prints KEY=path lines on stdout
#   tools/kubernetes/build-binaries.sh --node   also what a real node runs: kubelet, kube-proxy and
#                                               CoreDNS with the plugins its Corefile uses (pnpm test:real-cluster)
#
# Only the chart's tests need these; the demo itself (pnpm demo, docker compose) does not.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
env_value() { sed -n "s/^$1=//p" "$root/.env"; }
kubernetes_version="$(env_value KUBERNETES_VERSION)"
etcd_version="$(env_value ETCD_VERSION)"
helm_version="$(env_value HELM_VERSION)"
kwok_version="$(env_value KWOK_VERSION)"
coredns_version="$(env_value COREDNS_VERSION)"
with_node=false
[ "${1:-}" = --node ] && with_node=true
cache="${GO_BINARIES_DIR:-$root/.cache/go-binaries}"

if ! command -v go >/dev/null; then
  echo "kubernetes/build-binaries: Go is not installed. The chart's checks build kube-apiserver, etcd and helm" >&2
  echo "from source: install Go 1.26 or newer (https://go.dev/doc/install)." >&2
  exit 1
fi
export CGO_ENABLED=0 GOFLAGS=-mod=mod
log() { echo "kubernetes/build-binaries: $*" >&2; }
# shellcheck source=tools/go-module.sh
source "$root/tools/go-module.sh"

# k8s.io/kubernetes is not meant to be required: its go.mod points its ~30 staging modules
# (k8s.io/api, k8s.io/apiserver, ...) at ./staging/src/..., which a dependent cannot see. A throwaway
# module requires it and replaces each of them by its published release: v1.X.Y ships them as v0.X.Y.
build_kubernetes() {
  local dir="$cache/kubernetes-$kubernetes_version" commands=(kube-apiserver kube-controller-manager kube-scheduler)
  "$with_node" && commands+=(kubelet kube-proxy)
  local missing=0 command
  for command in "${commands[@]}"; do [ -x "$dir/$command" ] || missing=1; done
  if [ "$missing" = 1 ]; then
    log "building ${commands[*]} $kubernetes_version from Go modules (several minutes, once)"
    local work status; work="$(mktemp -d)"
    (
      cd "$work" && require_release_module k8s.io/kubernetes "$kubernetes_version" || exit
      local staged staging_version="v0.${kubernetes_version#v1.}"
      for staged in $(sed -n 's|^[[:space:]]*\(k8s.io/[^[:space:]]*\) => ./staging/.*|\1|p' "$RELEASE_MODULE_DIR/go.mod"); do
        go mod edit -replace="$staged=$staged@$staging_version" || exit
      done
      # Unstamped, the binaries call themselves v0.0.0-master+$Format:%H$, which clients cannot parse.
      local stamp="-X k8s.io/component-base/version.gitVersion=$kubernetes_version"
      # One build for all of them: the module graph loads once, and the links run side by side.
      go build -trimpath -ldflags "-s -w $stamp" -o "$work/out/" "${commands[@]/#/k8s.io/kubernetes/cmd/}" || exit
    ) && mkdir -p "$dir" && mv "$work"/out/* "$dir/"
    status=$?
    rm -rf "$work"
    [ "$status" = 0 ] || return "$status"
  fi
  echo "KUBE_APISERVER_BIN=$dir/kube-apiserver"
  echo "KUBE_CONTROLLER_MANAGER_BIN=$dir/kube-controller-manager"
  echo "KUBE_SCHEDULER_BIN=$dir/kube-scheduler"
  if "$with_node"; then
    echo "KUBELET_BIN=$dir/kubelet"
    echo "KUBE_PROXY_BIN=$dir/kube-proxy"
  fi
}

build_etcd() {
  local out="$cache/etcd-$etcd_version/etcd"
  if [ ! -x "$out" ]; then
    log "building etcd $etcd_version from Go modules (a minute, once)"
    go_build_module go.etcd.io/etcd/server/v3 "$etcd_version" go.etcd.io/etcd/server/v3 "$out" \
      "-X go.etcd.io/etcd/api/v3/version.Version=${etcd_version#v}"
  fi
  echo "ETCD_BIN=$out"
}

build_helm() {
  local out="$cache/helm-$helm_version/helm"
  if [ ! -x "$out" ]; then
    log "building helm $helm_version from Go modules (a minute or two, once)"
    go_build_module helm.sh/helm/v4 "$helm_version" helm.sh/helm/v4/cmd/helm "$out" \
      "-X helm.sh/helm/v4/internal/version.version=$helm_version"
  fi
  echo "HELM_BIN=$out"
}

build_kwok() {
  local dir="$cache/kwok-$kwok_version"
  if [ ! -x "$dir/kwok" ]; then
    log "building kwok $kwok_version from Go modules (a minute, once)"
    GOBIN="$dir" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$kwok_version"
  fi
  echo "KWOK_BIN=$dir/kwok"
}

# CoreDNS with only the plugins the node's Corefile uses (tests/e2e/kubernetes/node.ts), built the
# way CoreDNS documents custom builds: a main package that imports the chosen plugins, sets their
# order and runs coremain. The release's own graph, but 781 packages to compile instead of 1403
# (no cloud DNS SDKs). A Corefile that names another plugin fails at start with "Unknown directive".
coredns_plugins=(bind kubernetes forward)
build_coredns() {
  local out="$cache/coredns-$coredns_version-$(IFS=-; echo "${coredns_plugins[*]}")/coredns"
  if [ ! -x "$out" ]; then
    log "building CoreDNS $coredns_version with ${coredns_plugins[*]} from Go modules (a minute, once)"
    local plugin imports=""
    for plugin in "${coredns_plugins[@]}"; do imports+="  _ \"github.com/coredns/coredns/plugin/$plugin\""$'\n'; done
    # SetDirectives in plugin.cfg's order, which is the order a query passes through them.
    go_build_module github.com/coredns/coredns "$coredns_version" . "$out" "" "package main

import (
  \"github.com/coredns/coredns/core/dnsserver\"
  \"github.com/coredns/coredns/coremain\"
$imports)

func init() {
  if err := dnsserver.SetDirectives([]string{$(printf '"%s", ' "${coredns_plugins[@]}")}); err != nil {
    panic(err)
  }
}

func main() { coremain.Run() }"
  fi
  echo "COREDNS_BIN=$out"
}

timed "kubernetes/build-binaries: Kubernetes" build_kubernetes
timed "kubernetes/build-binaries: etcd" build_etcd
timed "kubernetes/build-binaries: helm" build_helm
timed "kubernetes/build-binaries: kwok" build_kwok
if "$with_node"; then timed "kubernetes/build-binaries: CoreDNS" build_coredns; fi
