#!/usr/bin/env bash
# Installs the programs the integration tests and the benchmark run against: a real
# registry (CNCF Distribution), skopeo as the independent oracle, htpasswd for bcrypt
# password files, openssl for TLS and token-signing certificates, and two authoritative DNS
# servers (BIND 9, Knot) with dig and nsupdate for the data-center failover tests.
# Idempotent and quick when everything is already there, so `npm test` can call it every time.
set -euo pipefail

missing=()
for tool in docker-registry skopeo htpasswd openssl named knotd dig nsupdate; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
# GNU time measures peak memory in the benchmark.
[ -x /usr/bin/time ] || missing+=(time)

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-tools: docker-registry, skopeo, htpasswd, openssl, named, knotd, dig, nsupdate and time already present; nothing to do"
  exit 0
fi

# Root in CI and on the dev machines; sudo only for a developer's own box.
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
fi

"${as_root[@]}" apt-get update -q >/dev/null
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -q docker-registry skopeo apache2-utils openssl time bind9 knot bind9-dnsutils >/dev/null
echo "install-tools: installed docker-registry skopeo apache2-utils openssl time bind9 knot bind9-dnsutils (was missing: ${missing[*]})"
