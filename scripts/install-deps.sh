#!/usr/bin/env bash
# Installs the system packages reformsync builds and tests against, when missing.
# As root it runs apt-get; otherwise it says what to run.
set -euo pipefail

# faketime: the clock-recovery test runs a node a year ahead; prometheus: its promtool checks the
# hub's and the daemon's /metrics in the tests; dpkg-dev (dpkg-shlibdeps) and lintian: `make deb` and its
# test; nginx-light and caddy: the reverse-proxy tests run Config/nginx-hub.conf and Config/Caddyfile;
# chromium, chromium-driver and curl: the office apps' browser tests (WebDriver over curl).
packages=(libsqlite3-dev libcurl4-openssl-dev zlib1g-dev pkg-config openssl faketime prometheus dpkg-dev lintian nginx-light caddy
          chromium chromium-driver curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  if [ "$(id -u)" -eq 0 ]; then
    echo "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "reformsync needs these system packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "swift is not on PATH: install the Swift 6 toolchain (swift.org) and add its usr/bin to PATH" >&2
  exit 1
fi
