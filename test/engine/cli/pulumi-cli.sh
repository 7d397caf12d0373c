#!/usr/bin/env bash
# Finds or builds the Pulumi CLI the engine tests and the demo run, and prints the folders to
# put first on PATH (one line, colon-separated).
#
# A user of registry-dr has a `pulumi` already: it is used when it is at least the pinned
# version. Otherwise the pinned release is built from its Go modules into a cache outside the
# repository (built once per version; up to half an hour on two busy cores). That build has no
# Node.js language host (its module is not served by the Go module proxy), so ./bin adds a
# small one, and the dynamic-provider plugin script Pulumi's release archive ships. Both go next
# to a link of the CLI, where an installed CLI keeps its own: the engine looks for these plugins
# there and warns ("using ... from $PATH") about any it finds elsewhere.
set -euo pipefail

# The one place that names the Pulumi CLI version.
PULUMI_VERSION=3.276.0

shims=$(cd "$(dirname "$0")/bin" && pwd)
cache=${REGISTRY_DR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/registry-dr}/pulumi/v$PULUMI_VERSION
say() { echo "pulumi-cli: $*" >&2; }

# "3.276.0" from "v3.276.0" or "v3.276.0-dev.0"; sort -V compares them.
at_least_pinned() {
  local found=${1#v}
  found=${found%%-*}
  [ "$(printf '%s\n%s\n' "$PULUMI_VERSION" "$found" | sort -V | head -1)" = "$PULUMI_VERSION" ]
}

if [ -z "${REGISTRY_DR_BUILD_PULUMI:-}" ] && command -v pulumi >/dev/null 2>&1; then
  installed=$(pulumi version 2>/dev/null || true)
  if at_least_pinned "$installed"; then
    say "using $(command -v pulumi) ($installed)"
    # A released CLI ships its language host and dynamic-provider plugin beside it.
    dirname "$(command -v pulumi)"
    exit 0
  fi
  say "$(command -v pulumi) is ${installed:-of unknown version}, older than the pinned v$PULUMI_VERSION: building v$PULUMI_VERSION"
fi

# Go's own installer puts it here, outside the default PATH.
[ -x /usr/local/go/bin/go ] && PATH="$PATH:/usr/local/go/bin"

if [ ! -x "$cache/bin/pulumi" ]; then
  command -v go >/dev/null || { say "no pulumi on PATH and no Go to build v$PULUMI_VERSION with: install one of them"; exit 1; }
  say "building the Pulumi CLI v$PULUMI_VERSION from Go modules into $cache (once; up to half an hour on two cores)"
  started=$(date +%s)
  mkdir -p "$cache/src"
  cd "$cache/src"
  # A module of our own: the CLI's go.mod has replace directives, so `go install pkg@version` refuses it.
  [ -f go.mod ] || go mod init registry-dr.local/pulumi-cli >/dev/null 2>&1
  say "fetching modules"
  go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" 2>&1 |
    grep -v '^go: \(added\|upgraded\|downloading\|finding\)' >&2 || true
  say "compiling (fetched in $(($(date +%s) - started)) s)"
  go build -o "$cache/bin/pulumi.partial" \
    -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
  mv "$cache/bin/pulumi.partial" "$cache/bin/pulumi"
  say "built $cache/bin/pulumi in $(($(date +%s) - started)) s"
fi

# The engine finds bundled plugins next to the running CLI (symlinks resolved), so each checkout
# gets a folder with a hard link of the CLI and small scripts that run this checkout's plugins.
# Hard links stay on one file system: the folder lives in the cache.
checkout=$(printf '%s' "$shims" | sha256sum | cut -c1-16)
beside="$cache/checkouts/$checkout"
if [ ! -x "$beside/pulumi-resource-pulumi-nodejs" ]; then
  staging=$(mktemp -d "$cache/checkouts.XXXXXX")
  ln "$cache/bin/pulumi" "$staging/pulumi"
  for plugin in pulumi-language-nodejs pulumi-resource-pulumi-nodejs; do
    printf '#!/bin/sh\nexec "%s/%s" "$@"\n' "$shims" "$plugin" > "$staging/$plugin"
    chmod +x "$staging/$plugin"
  done
  mkdir -p "$cache/checkouts"
  # Another run may have made it meanwhile: theirs is the same, so keep it.
  mv -T "$staging" "$beside" 2>/dev/null || rm -rf "$staging"
fi
echo "$beside"
