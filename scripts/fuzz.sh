#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/ and runs each for a fixed number of executions, one after
# the other (the machine's cores are shared). Prints per target: executions, seconds, coverage
# (libFuzzer's `cov:` edges and `ft:` features) and crashes with the files that reproduce them;
# exits 1 if any target crashed (or failed to build or run). `make fuzz` runs it.
#
#   scripts/fuzz.sh [TARGET...]          default: every target
#
# Environment:
#   FUZZ_RUNS=N          executions per target (default 1000000)
#   FUZZ_TIMEOUT=S       seconds one input may take before it counts as a crash (default 10)
#   FUZZ_RSS_MB=M        memory limit in MB; one allocation above it is a crash too (default 2048)
#   FUZZ_MAX_LEN=B       longest input libFuzzer makes up, in bytes (default 16384)
#   FUZZ_SANITIZE=LIST   -sanitize= list (default fuzzer,address; "fuzzer" alone runs faster)
#   FUZZ_WORK=DIR        corpora, crashes and logs (default .build-fuzz/work; the corpora are made
#                        afresh from Protocol/vectors, Config/ and Fuzz/seeds/ on every run)
#
# Reproduce a crash: .build-fuzz/release/FuzzX CRASH_FILE   (minimise: add -minimize_crash=1 -runs=10000)
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${FUZZ_RUNS:-1000000}
TIMEOUT=${FUZZ_TIMEOUT:-10}
RSS_MB=${FUZZ_RSS_MB:-2048}
MAX_LEN=${FUZZ_MAX_LEN:-16384}
SANITIZE=${FUZZ_SANITIZE:-fuzzer,address}
WORK=${FUZZ_WORK:-.build-fuzz/work}
SWIFT=${SWIFT:-swift}
# Fastest first: a long run that is cut short has the most targets done.
ALL=(FuzzLocalAPI FuzzGzip FuzzCSV FuzzChangeSet FuzzMessages FuzzConfig)
if (($#)); then TARGETS=("$@"); else TARGETS=("${ALL[@]}"); fi

for target in "${TARGETS[@]}"; do
  echo "== building $target (-sanitize=$SANITIZE)"
  REFORMSYNC_FUZZ=1 $SWIFT build -c release --scratch-path .build-fuzz -Xswiftc "-sanitize=$SANITIZE" --product "$target" 2>&1 \
    | grep -Ev '^\[[0-9]+/[0-9]+\]|Cannot export local symbol' || true
  [ -x ".build-fuzz/release/$target" ] || { echo "fuzz: $target did not build" >&2; exit 1; }
done

# Seed corpora: every change set, message body and invalid set of Protocol/vectors, the example
# configurations, gzip files of all of these, and the small hand-written seeds of Fuzz/seeds/.
rm -rf "$WORK/corpus"
mkdir -p "$WORK/corpus" "$WORK/logs"
python3 - "$WORK/corpus" <<'EOF'
import glob, gzip, hashlib, json, os, sys
out = sys.argv[1]
def put(target, data):
    if isinstance(data, str): data = data.encode()
    d = os.path.join(out, target); os.makedirs(d, exist_ok=True)
    open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb").write(data)
def compact(value): return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

change_sets, messages = [], []
for path in sorted(glob.glob("Protocol/vectors/change-sets/*.json")):
    for s in json.load(open(path))["changesets"]: change_sets.append(compact(s))
for case in json.load(open("Protocol/vectors/invalid-change-sets.json"))["cases"]:
    change_sets.append(case["changeset_text"] if "changeset_text" in case else compact(case["changeset"]))
for path in sorted(glob.glob("Protocol/vectors/messages/*.json")):
    v = json.load(open(path))
    for r in v["setup"].get("before", []) + [v["request"]]:
        if "body" in r: messages.append(compact(r["body"]))
        elif "body_text" in r: messages.append(r["body_text"])
    if v["response"].get("body") is not None: messages.append(compact(v["response"]["body"]))
for s in change_sets:
    put("FuzzChangeSet", s); put("FuzzMessages", s)
for m in messages:
    put("FuzzMessages", m)
    try:
        body = json.loads(m)
        if isinstance(body, dict) and isinstance(body.get("changes"), dict): put("FuzzChangeSet", compact(body["changes"]))
    except ValueError:
        pass
for i, m in enumerate(change_sets[:8] + messages[:8] + [" " * 70000, "{}", ""]):
    put("FuzzGzip", gzip.compress(m.encode(), compresslevel=1 + i % 9, mtime=0))
for path in sorted(glob.glob("Config/*.yaml")):
    text = open(path, encoding="utf-8").read()
    put("FuzzConfig", text)
    put("FuzzConfig", text + "\n---ENV---\nSYNC_INTERVAL=60\nHUB_URL=http://127.0.0.1:8443\nSERVER_PORT=8443\n")
for target in ("FuzzCSV", "FuzzConfig", "FuzzLocalAPI", "FuzzChangeSet", "FuzzMessages", "FuzzGzip"):
    for path in sorted(glob.glob(f"Fuzz/seeds/{target}/*")):
        put(target, open(path, "rb").read())
EOF

status=0
summary=()
for target in "${TARGETS[@]}"; do
  corpus="$WORK/corpus/$target"; mkdir -p "$corpus"
  crashes="$WORK/crashes/$target"; rm -rf "$crashes"; mkdir -p "$crashes"
  log="$WORK/logs/$target.log"
  echo "== fuzzing $target: $RUNS executions (log: $log)"
  start=$(date +%s)
  rc=0
  # The Swift backtracer and ASan both catch the crash and wait on each other: libFuzzer reports it.
  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} ".build-fuzz/release/$target" -runs="$RUNS" -timeout="$TIMEOUT" \
    -rss_limit_mb="$RSS_MB" -max_len="$MAX_LEN" -print_final_stats=1 -detect_leaks=0 \
    -artifact_prefix="$crashes/" "$corpus" >"$log" 2>&1 || rc=$?
  seconds=$(($(date +%s) - start))
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  line=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
  cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$line")
  ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<<"$line")
  found=$(find "$crashes" -type f | sort)
  count=$(grep -c . <<<"$found" || true)
  if ((rc != 0 && count == 0)); then count=1; found="(exit code $rc, no crash file: see $log)"; fi
  row=$(printf '%-14s %10s %8s %6s %7s %8s' "$target" "${execs:-?}" "$seconds" "${cov:-?}" "${ft:-?}" "$count")
  echo "$row"
  summary+=("$row")
  if ((count > 0)); then
    status=1
    while read -r f; do [ -n "$f" ] && echo "   crash: $f"; done <<<"$found"
    grep -m1 -E 'Fatal error|ERROR: (AddressSanitizer|libFuzzer)|fuzz property broken' "$log" | sed 's/^/   /' || true
  fi
done

echo
printf '%-14s %10s %8s %6s %7s %8s\n' target executions seconds cov ft crashes
printf '%s\n' "${summary[@]}"
exit $status
