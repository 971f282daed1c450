# Sourced by tools/build-go-binaries.sh, tools/compose/docker-engine.sh and
# tools/kubernetes/build-binaries.sh: builds a command of a Go module at a release, from the Go
# module proxy, with that release's own dependency graph; and times builds.
#
#   go_build_module MODULE VERSION PACKAGE OUTPUT [EXTRA_LDFLAGS] [MAIN_SOURCE]
#     MAIN_SOURCE, if given, is written as the throwaway module's main.go, and PACKAGE is then "."
#     (a custom build of the release's packages, as CoreDNS documents for choosing its plugins)
#   require_release_module MODULE VERSION   (the throwaway module alone, for builds that adjust it)
#
# `go install PACKAGE@VERSION` refuses a module whose go.mod has replace or exclude directives
# (Jaeger and Docker Compose both have them). A throwaway main module that requires the module,
# repeats those directives and starts from its go.sum builds the same graph the release does.

go_build_module() {
  local module=$1 version=$2 package=$3 output=$4 extra_ldflags=${5:-} main_source=${6:-}
  local work status
  work="$(mktemp -d)"
  (
    cd "$work" &&
      export CGO_ENABLED=0 GOFLAGS=-mod=mod &&
      require_release_module "$module" "$version" &&
      { [ -z "$main_source" ] || printf '%s\n' "$main_source" >main.go; } &&
      go build -trimpath -ldflags "-s -w $extra_ldflags" -o "$work/out" "$package"
  ) && mkdir -p "$(dirname "$output")" && mv "$work/out" "$output"
  status=$?
  rm -rf "$work"
  return $status
}

# In the current folder, empty: the throwaway main module that requires MODULE at VERSION, with
# that release's go.sum and directives. Sets RELEASE_MODULE_DIR to the required module's folder.
# Each step is checked: set -e does not hold in a subshell whose status is tested, as above.
require_release_module() {
  local module=$1 version=$2
  go mod init local/go-module-build >/dev/null 2>&1 &&
    go mod edit -require="$module@$version" &&
    go mod download "$module@$version" &&
    RELEASE_MODULE_DIR="$(go list -m -f '{{.Dir}}' "$module")" &&
    cat "$RELEASE_MODULE_DIR/go.sum" >>go.sum &&
    directives_of "$RELEASE_MODULE_DIR/go.mod" >>go.mod
}

# The replace and exclude directives of a go.mod, one-line and block forms, except replacements
# by local paths (they point into the module's own tree, which a dependent cannot see).
directives_of() {
  awk '
    /^(replace|exclude)[ \t]*\(/ { block = 1; print; next }
    block { print; if ($0 ~ /^\)/) block = 0; next }
    /^(replace|exclude)[ \t]/ { print }
  ' "$1" | { grep -v '=>[ \t]*\.' || true; }
}

# timed NAME COMMAND...: runs COMMAND, then logs how long NAME took to build, if it was built at
# all (a cached binary takes no whole second). The setup's timings in CI come from these lines.
# Called as a plain command, not in a test (`timed ... || ...`), so that set -e holds inside COMMAND.
timed() {
  local name=$1 began=$SECONDS
  shift
  "$@"
  [ "$SECONDS" = "$began" ] || echo "$name built in $((SECONDS - began)) s" >&2
}
