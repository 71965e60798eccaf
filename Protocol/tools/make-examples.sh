#!/usr/bin/env bash
# Produces the examples of Protocol/README.md with the real binary: a hub and two nodes in a
# temporary folder, the hub served on 127.0.0.1, every request sent with curl. Prints each
# request and response, pretty-printed (Protocol/tools/pretty.py), under a "### name" heading.
#
#   swift build --product reformsync && Protocol/tools/make-examples.sh [.build/debug/reformsync]
#
# The output changes from run to run (site ids, clocks, tokens); the README shows one run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "$(dirname "${1:-.build/debug/reformsync}")" && pwd)/$(basename "${1:-.build/debug/reformsync}")
work=$(mktemp -d /tmp/reformsync-examples.XXXXXX)
hub_pid=
cleanup() { [ -n "$hub_pid" ] && kill "$hub_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
pretty() { python3 "$here/pretty.py"; }
show() { printf '\n### %s\n' "$1"; }
quiet() { "$@" >/dev/null 2>&1; }

# Replicas: the hub (unit SNV) and the nodes of Sơn Dương and Hàm Yên.
quiet "$bin" init --data-dir hub --unit SNV --role hub
site=$("$bin" init --data-dir sd --unit SONDUONG | sed -n 's/.*(site \([0-9a-f]*\)).*/\1/p')
sd_token=$("$bin" hub token create --data-dir hub --unit SONDUONG --note "sd-server-1" 2>/dev/null)
hy_token=$("$bin" hub token create --data-dir hub --unit HAMYEN 2>/dev/null)
old_token=$("$bin" hub token create --data-dir hub --unit SONDUONG --note "old laptop" 2>/dev/null)
old_id=$(echo "$old_token" | cut -d_ -f2)
quiet "$bin" hub token revoke --data-dir hub "$old_id"
show "token"; echo "$sd_token"

# Reference data at the hub, and a record of Hàm Yên that Sơn Dương must not receive.
quiet "$bin" record put --data-dir hub units '{"id":"SONDUONG","name":"UBND huyện Sơn Dương","group":"district"}'
quiet "$bin" record put --data-dir hub units '{"id":"HAMYEN","name":"UBND huyện Hàm Yên","group":"district"}'
quiet "$bin" record put --data-dir hub criteria '{"id":"C3.1","methodology":"QD876","level":"criterion","code":"3.1","name":"Cải cách thủ tục hành chính","max_points":3}'
quiet "$bin" record put --data-dir hub criterion_exclusions '{"unit":"HAMYEN","year":2022,"criterion":"C3.1","reason":"không áp dụng"}'

# Sơn Dương works offline: a self-assessed score (then corrected) and an initiative.
quiet "$bin" record put --data-dir sd assessment_scores '{"unit":"SONDUONG","year":2022,"criterion":"C3.1","self_score":2.5,"evidence":"Báo cáo 12/BC-UBND"}'
sleep 0.05
quiet "$bin" record put --data-dir sd initiatives '{"id":"SD-2022-1","unit":"SONDUONG","year":2022,"title":"Một cửa số"}'
sleep 0.05
quiet "$bin" record put --data-dir sd assessment_scores '{"unit":"SONDUONG","year":2022,"criterion":"C3.1","self_score":2.75}'

# The hub, on a free port.
REFORMSYNC_SERVER_PORT=0 REFORMSYNC_LOG_LEVEL=error "$bin" hub serve --data-dir hub >hub.out 2>hub.err &
hub_pid=$!
for _ in $(seq 50); do grep -q listening hub.out 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' hub.out)
post() { curl -s -X POST "$url$1" -H "Authorization: Bearer $sd_token" -H 'Content-Type: application/json' --data-binary "$2"; }
get() { curl -s "$url$1" -H "Authorization: Bearer $sd_token"; }

show "health"; curl -s "$url/v1/health" | pretty

now=$(python3 -c 'import time; print(int(time.time()*1000))')
handshake=$(printf '{"protocol_min":1,"protocol_max":1,"schema":1,"site":"%s","unit":"SONDUONG","node_time_ms":%s,"software":"reformsync/0.3"}' "$site" "$((now - 1250))")
show "handshake request"; echo "$handshake" | pretty
show "handshake response"; post /v1/handshake "$handshake" | pretty

set1=$("$bin" export-changes --data-dir sd - 2>/dev/null)
version=$(echo "$set1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["source"]["version"])')
push1=$(printf '{"through":{"baseline":%s,"position":%s},"changes":%s}' "$version" "$version" "$set1")
show "push request"; echo "$push1" | pretty
show "push response"; post /v1/push "$push1" | pretty
show "push response (same batch again)"; post /v1/push "$push1" | pretty

# Sơn Dương writes a field only the hub writes, and creates a record in Hàm Yên's name.
quiet "$bin" record put --data-dir sd assessment_scores '{"unit":"SONDUONG","year":2022,"criterion":"C3.1","appraised_score":3}'
quiet "$bin" record put --data-dir sd initiatives '{"id":"HY-2022-4","unit":"HAMYEN","year":2022,"title":"Số hoá hồ sơ"}'
set2=$("$bin" export-changes --data-dir sd --since "$version" - 2>/dev/null)
version2=$(echo "$set2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["source"]["version"])')
push2=$(printf '{"through":{"baseline":%s,"position":%s},"changes":%s}' "$version2" "$version2" "$set2")
show "push request (refused changes)"; echo "$push2" | pretty
show "push response (refused changes)"; post /v1/push "$push2" | pretty

# The hub appraises the score: its fields of Sơn Dương's record are stamped by the hub.
quiet "$bin" record put --data-dir hub assessment_scores '{"unit":"SONDUONG","year":2022,"criterion":"C3.1","appraised_score":2.5,"appraisal_note":"Thiếu tài liệu kiểm chứng"}'

show "pull page 1 request"; echo "GET /v1/pull?site=$site&baseline=0&position=0&limit=10"
page1=$(get "/v1/pull?site=$site&baseline=0&position=0&limit=10")
show "pull page 1 response"; echo "$page1" | pretty
next=$(echo "$page1" | python3 -c 'import json,sys; n=json.load(sys.stdin)["next"]; print("baseline=%d&position=%d" % (n["baseline"], n["position"]))')
show "pull page 2 request"; echo "GET /v1/pull?site=$site&$next&limit=10"
show "pull page 2 response"; get "/v1/pull?site=$site&$next&limit=10" | pretty

show "401 missing token"; curl -s -X POST "$url/v1/handshake" --data-binary "$handshake" | pretty
show "401 revoked token"; curl -s -X POST "$url/v1/handshake" -H "Authorization: Bearer $old_token" --data-binary "$handshake" | pretty
show "403 unit mismatch"; curl -s -X POST "$url/v1/handshake" -H "Authorization: Bearer $hy_token" --data-binary "$handshake" | pretty
show "409 schema mismatch"; post /v1/handshake "${handshake/\"schema\":1/\"schema\":2}" | pretty
show "400 garbage"; post /v1/push 'hello' | pretty
show "415 encoding"; curl -s -X POST "$url/v1/push" -H "Authorization: Bearer $sd_token" -H 'Content-Encoding: br' --data-binary "$push1" | pretty
show "413 too large"; head -c 9000000 /dev/zero | tr '\0' ' ' > big.json
curl -s -X POST "$url/v1/push" -H "Authorization: Bearer $sd_token" --data-binary @big.json | pretty

show "exchange file"; "$bin" export-changes --data-dir sd --since "$version" - 2>/dev/null | pretty
