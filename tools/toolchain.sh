#!/usr/bin/env bash
# Installs the project's own Node.js (NODE_VERSION in .env) and pnpm (packageManager in
# package.json) into .toolchain/, from the npm registry, using whatever npm is on the machine.
# Source it to put them first on PATH:   source tools/toolchain.sh
# Idempotent: a second run only checks the versions. When sourced, it changes nothing in your
# shell but PATH (no `set -e` leaks into it), and returns non-zero if the install failed.

_toolchain_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The work runs in a subshell, so that its strict mode and variables stay there.
(
  set -euo pipefail
  root="$_toolchain_root"
  node_version="$(sed -n 's/^NODE_VERSION=//p' "$root/.env")"
  pnpm_version="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$root/package.json")"
  prefix="$root/.toolchain"
  bin="$prefix/node_modules/.bin"

  case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) echo "toolchain: unsupported OS $(uname -s); install Node $node_version yourself" >&2; exit 1 ;; esac
  case "$(uname -m)" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; *) echo "toolchain: unsupported CPU $(uname -m)" >&2; exit 1 ;; esac

  if [ "$("$bin/node" --version 2>/dev/null)" != "v$node_version" ] || [ "$("$bin/pnpm" --version 2>/dev/null)" != "$pnpm_version" ]; then
    command -v npm >/dev/null || { echo "toolchain: npm is needed once, to fetch Node $node_version and pnpm $pnpm_version from the npm registry" >&2; exit 1; }
    echo "toolchain: installing Node $node_version ($os-$arch) and pnpm $pnpm_version into .toolchain/" >&2
    # The per-platform package carries the Node binary itself, so no install script has to run.
    npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel=error \
      "node-$os-$arch@$node_version" "pnpm@$pnpm_version" >&2
    [ "$("$bin/node" --version)" = "v$node_version" ] || { echo "toolchain: Node $node_version did not install" >&2; exit 1; }
  fi
) && export PATH="$_toolchain_root/.toolchain/node_modules/.bin:$PATH"
