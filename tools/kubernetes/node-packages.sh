#!/usr/bin/env bash
# What a real node needs from Debian, for the chart's real-cluster test (tests/e2e/kubernetes/node.ts):
# containerd and runc (docker.io brings both) and the CNI plugins. Installs only what is missing.
set -euo pipefail
fail() { echo "kubernetes/node-packages: $*" >&2; exit 1; }
missing=()
command -v containerd >/dev/null || missing+=(containerd)
command -v runc >/dev/null || missing+=(runc)
[ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
[ ${#missing[@]} = 0 ] && exit 0
command -v apt-get >/dev/null || fail "missing ${missing[*]}, and no apt-get to install them"
[ "$(id -u)" = 0 ] || fail "missing ${missing[*]}: run this as root to install them with apt-get"
echo "kubernetes/node-packages: installing Debian's ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
