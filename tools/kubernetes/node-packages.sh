#!/usr/bin/env bash
# What a real node needs from Debian, for the chart's real-cluster test (tests/e2e/kubernetes/node.ts):
# containerd and runc (docker.io brings both), the CNI plugins, and the host tools the node is set up
# with (ip, iptables, pkill), which a slim Debian image lacks. Each is looked for as a command or a
# file, so that one installed some other way (Docker's containerd.io, say) is used as it is; only what
# is missing is installed, by tools/debian-packages.sh, its services not started.
set -euo pipefail
missing=()
command -v containerd >/dev/null || missing+=(containerd)
command -v runc >/dev/null || missing+=(runc)
[ -x /usr/lib/cni/bridge ] || missing+=(containernetworking-plugins)
command -v ip >/dev/null || missing+=(iproute2)
command -v iptables >/dev/null || missing+=(iptables)
command -v pkill >/dev/null || missing+=(procps)
[ ${#missing[@]} = 0 ] && exit 0
"$(dirname "${BASH_SOURCE[0]}")/../debian-packages.sh" "${missing[@]}"
