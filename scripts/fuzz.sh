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
ALL=(FuzzSeasonDates FuzzContentSniffer FuzzFileTransfer FuzzGzip FuzzCSV FuzzChangeSet FuzzLocalAPI FuzzMessages FuzzConfig FuzzOfficeForms)
if (($#)); then TARGETS=("$@"); else TARGETS=("${ALL[@]}"); fi

for target in "${TARGETS[@]}"; do
  echo "== building $target (-sanitize=$SANITIZE)"
  REFORMSYNC_FUZZ=1 $SWIFT build -c release --scratch-path .build-fuzz -Xswiftc "-sanitize=$SANITIZE" --product "$target" 2>&1 \
    | grep -Ev '^\[[0-9]+/[0-9]+\]|Cannot export local symbol' || true
  [ -x ".build-fuzz/release/$target" ] || { echo "fuzz: $target did not build" >&2; exit 1; }
done

# Seed corpora: every change set, message body and invalid set of Protocol/vectors, the example
# configurations, gzip files of all of these, the chunk-frame streams of Protocol/vectors/files,
# small files of every evidence type (zip containers made here), and the small hand-written seeds
# of Fuzz/seeds/.
rm -rf "$WORK/corpus"
mkdir -p "$WORK/corpus" "$WORK/logs"
python3 - "$WORK/corpus" <<'EOF'
import glob, gzip, hashlib, io, json, os, struct, sys, zipfile
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
# Chunk frames: byte 0 = cut count | 0x80 for frame mode, 2 bytes per cut, then the payload.
frames = json.load(open("Protocol/vectors/files/frames.json"))
for case in frames["valid"] + frames["invalid"]:
    stream = bytes.fromhex(case["stream_hex"])
    put("FuzzFileTransfer", b"\x00" + stream)
    put("FuzzFileTransfer", bytes([3]) + struct.pack(">HHH", 1, 35, 2) + stream)
    put("FuzzFileTransfer", bytes([2]) + struct.pack(">HH", 36, 0) + stream)
for header in ["bytes=0-", "bytes=65536-131071", "bytes=5-2", "bytes=1-2,4-5", " bytes=99999999999999999999-", "bytes=-500", "bytes=+1-"]:
    put("FuzzFileTransfer", b"\x00\x01\x86\xa0" + header.encode())
put("FuzzFileTransfer", bytes([0x82]) + struct.pack(">HH", 3, 100) + "Quyết định 15/QĐ-UBND".encode() * 20)
put("FuzzFileTransfer", bytes([0x81]) + struct.pack(">H", 65535) + bytes(range(256)) * 8)
# Evidence files: byte 0 picks the name (0 .pdf, 1 .doc, 2 .xls, 4 .docx), then the file.
def zipped(entries, stored_first=None):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        if stored_first: z.writestr(zipfile.ZipInfo("mimetype"), stored_first, compress_type=zipfile.ZIP_STORED)
        for name, data in entries: z.writestr(name, data)
    return out.getvalue()
ole = bytes([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) + bytes(504)
for choice, data in [
    (0, b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"), (5, bytes([0xFF, 0xD8, 0xFF, 0xE0]) + b"\x00\x10JFIF" + bytes(32)),
    (5, bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + bytes(32)), (1, ole), (2, ole), (6, ole),
    (4, zipped([("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>")])),
    (4, zipped([("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<workbook/>")])),
    (4, zipped([("content.xml", "<office:document/>")], "application/vnd.oasis.opendocument.text")),
    (4, zipped([("content.xml", "<office:document/>")], "application/vnd.oasis.opendocument.spreadsheet")),
    (4, zipped([("a.txt", "not an office file")])), (0, b"MZ\x90\x00 renamed program"), (0, "Báo cáo.txt".encode())]:
    put("FuzzContentSniffer", bytes([choice]) + data)
# Office forms: first line the upload's Content-Type, then the body.
boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
upload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\nabc\r\n--{boundary}\r\n"
          f"Content-Disposition: form-data; name=\"file\"; filename=\"Quyết định 06.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
          f"%PDF-1.4\r\n--{boundary}--\r\n")
put("FuzzOfficeForms", f"multipart/form-data; boundary={boundary}\n{upload}")
put("FuzzOfficeForms", f'multipart/form-data; boundary="{boundary}"\n{upload}')
# Season dates: one text (its bytes also give two millisecond times).
for text in ["2021-02-28", "2021-02-30", "2024-02-29", "2100-02-29", "0000-03-01", "-999-01-01", "9999-12-31", "2021-13-01", "+021-01-01",
             "2021-1-01", "2021-01-01T00:00", "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"]:
    put("FuzzSeasonDates", text)
for target in ("FuzzCSV", "FuzzConfig", "FuzzLocalAPI", "FuzzChangeSet", "FuzzMessages", "FuzzGzip",
               "FuzzFileTransfer", "FuzzContentSniffer", "FuzzOfficeForms", "FuzzSeasonDates"):
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
  # `|| true`: a target that crashes on a seed prints no stats, and the summary must still come.
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2}' || true)
  line=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 || true)
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
