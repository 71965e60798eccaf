#!/usr/bin/env bash
# Renders the hub's dashboard after the seed scenario in headless Chromium (Debian's `chromium`)
# and saves docs/dashboard.png. Usage: scripts/screenshot-dashboard.sh [BIN] [OUT]
set -euo pipefail
bin=${1:-.build/debug/reformsync}
out=${2:-docs/dashboard.png}
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else echo "install Debian's chromium first: sudo apt-get install chromium" >&2; exit 1; fi
fi
work=$(mktemp -d /tmp/reformsync-shot.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" demo --dir "$work" --port "$port" >"$work/demo.out" 2>&1 &
demo=$!
trap 'kill -INT $demo 2>/dev/null; wait $demo 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do grep -q "^Operator token:" "$work/demo.out" && break; sleep 0.5; done
grep -q "^Operator token:" "$work/demo.out" || { cat "$work/demo.out" >&2; exit 1; }
# The dashboard needs an operator token (HTTP Basic: any user name, the token as password).
token=$(sed -n 's/^Operator token: //p' "$work/demo.out")
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=820,2250 \
  --screenshot="$out" "http://operator:$token@127.0.0.1:$port/dashboard?year=2021&as_of=2022-07-15" 2>/dev/null
echo "saved $out"
