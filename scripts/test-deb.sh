#!/bin/sh
# The Debian package, end to end on this machine (CI runs as root on Debian): builds it
# (scripts/build-deb.sh; SwiftPM rebuilds only what changed), lints it, installs it with dpkg,
# checks files, owners and modes, `systemd-analyze verify` on the installed units, `setup node`
# and `setup hub`, `init` as root, the service user writing its replica and the hint when it
# cannot, then removes and purges it and checks the machine is as before.
# Last line: "N passed, N failed"; exit 1 when anything failed.
# It refuses to run where reformsync is already installed or its user or folders exist.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $1"; }
bad() { failed=$((failed + 1)); echo "FAIL $1"; }
check() { # check NAME COMMAND...: passes when the command succeeds
    name=$1; shift
    # The output goes to last.txt once the command is done, so a check may grep the previous one's.
    if "$@" >"$work/out.txt" 2>&1; then status=0; else status=1; fi
    mv "$work/out.txt" "$work/last.txt"
    if [ "$status" -eq 0 ]; then ok "$name"; else bad "$name"; sed 's/^/     /' "$work/last.txt" | head -20; fi
}
mode_of() { stat -c '%U:%G %a' "$1" 2>/dev/null || echo "missing"; }
expect_mode() { # expect_mode PATH "user:group mode"
    got=$(mode_of "$1")
    if [ "$got" = "$2" ]; then ok "$1 is $2"; else bad "$1 is $2 (got $got)"; fi
}
finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}

if [ "$(id -u)" -ne 0 ]; then
    echo "SKIPPED the Debian package test: it installs the package with dpkg and needs root (CI runs as root)"
    echo "0 passed, 0 failed"
    exit 0
fi
for leftover in /etc/reformsync /var/lib/reformsync /usr/bin/reformsync; do
    if [ -e "$leftover" ]; then
        echo "FAIL this machine already has $leftover: the test installs and purges reformsync and would touch it."
        echo "     Remove it first (dpkg --purge reformsync; userdel reformsync; rm -r /var/lib/reformsync) or run elsewhere."
        echo "0 passed, 1 failed"; exit 1
    fi
done
if getent passwd reformsync >/dev/null || dpkg-query -W reformsync >/dev/null 2>&1; then
    echo "FAIL this machine already has the user or package reformsync: remove them first (dpkg --purge reformsync; userdel reformsync)"
    echo "0 passed, 1 failed"; exit 1
fi

work=$(mktemp -d /tmp/reformsync-deb-test.XXXXXX)
chmod 0755 "$work"
cleanup() {
    dpkg --purge reformsync >/dev/null 2>&1 || true
    rm -rf /var/lib/reformsync /etc/reformsync "$work"
    userdel reformsync >/dev/null 2>&1 || true
    groupdel reformsync >/dev/null 2>&1 || true
}
trap cleanup EXIT

# --- build ------------------------------------------------------------------------------------
start=$(date +%s)
if SWIFT=${SWIFT:-swift} "$root/scripts/build-deb.sh" "$work" >"$work/build.txt" 2>&1; then
    ok "make deb built the package in $(( $(date +%s) - start )) s"
else
    bad "make deb"; tail -30 "$work/build.txt"; finish
fi
version=$(sed -n 's/.*static let current = "\([^"]*\)".*/\1/p' "$root/Sources/WireProtocol/ReformsyncVersion.swift")
deb="$work/reformsync_${version}_amd64.deb"
check "the package is named reformsync_${version}_amd64.deb" test -f "$deb"
tail -1 "$work/build.txt"
check "Depends names Debian's libcurl4, libsqlite3-0 and libc6" sh -c \
    "dpkg-deb -f '$deb' Depends | grep -q libcurl4 && dpkg-deb -f '$deb' Depends | grep -q libsqlite3-0 && dpkg-deb -f '$deb' Depends | grep -q libc6"
check "the conffiles are the two configurations" sh -c \
    "dpkg-deb -I '$deb' conffiles | grep -qx /etc/reformsync/district.yaml && dpkg-deb -I '$deb' conffiles | grep -qx /etc/reformsync/hub.yaml"

# --- lintian: no tag left but those packaging/deb/lintian-overrides justifies ------------------
if command -v lintian >/dev/null 2>&1; then
    lintian --fail-on error,warning,info --display-info "$deb" >"$work/lintian.txt" 2>&1
    status=$?
    if [ "$status" -eq 0 ] && ! grep -q '^[EWI]:' "$work/lintian.txt"; then ok "lintian reports no tag"; else bad "lintian (exit $status)"; sed 's/^/     /' "$work/lintian.txt" | head -30; fi
else
    bad "lintian is not installed (apt-get install lintian; make deps installs it)"
fi

# --- install ----------------------------------------------------------------------------------
check "dpkg -i installs it" dpkg -i "$deb"
dpkg -L reformsync > "$work/files.txt" 2>/dev/null
check "/usr/bin/reformsync --version says $version" sh -c "/usr/bin/reformsync --version | grep -q '^reformsync $version '"
expect_mode /usr/bin/reformsync "root:root 755"
for unit in reformsync-daemon reformsync-hub; do
    expect_mode "/usr/lib/systemd/system/$unit.service" "root:root 644"
    check "$unit.service starts /usr/bin/reformsync" grep -q '^ExecStart=/usr/bin/reformsync ' "/usr/lib/systemd/system/$unit.service"
done
expect_mode /usr/lib/sysusers.d/reformsync.conf "root:root 644"
expect_mode /usr/lib/tmpfiles.d/reformsync.conf "root:root 644"
expect_mode /etc/reformsync/district.yaml "root:root 644"
expect_mode /etc/reformsync/hub.yaml "root:root 644"
for doc in README.md Protocol.md Config.md copyright changelog.gz examples/district.yaml examples/reference/README.md; do
    check "/usr/share/doc/reformsync/$doc is installed" test -s "/usr/share/doc/reformsync/$doc"
done
check "the man page is installed" test -s /usr/share/man/man1/reformsync.1.gz
check "the user reformsync exists, home /var/lib/reformsync, no login" sh -c \
    "getent passwd reformsync | grep -q ':/var/lib/reformsync:/usr/sbin/nologin\$'"
expect_mode /var/lib/reformsync "reformsync:reformsync 750"

# systemd-analyze verify on the units as installed (ExecStart, Documentation= and the user exist now).
if command -v systemd-analyze >/dev/null 2>&1; then
    for unit in reformsync-daemon reformsync-hub; do
        SYSTEMD_LOG_COLOR=0 systemd-analyze verify "/usr/lib/systemd/system/$unit.service" >"$work/verify.txt" 2>&1
        status=$?
        if [ "$status" -eq 0 ] && ! grep -q "$unit.service" "$work/verify.txt"; then ok "systemd-analyze verify $unit.service"; else
            bad "systemd-analyze verify $unit.service (exit $status)"; sed 's/^/     /' "$work/verify.txt" | head -20; fi
    done
else
    bad "systemd-analyze is not installed"
fi

# --- setup node -------------------------------------------------------------------------------
printf 'rs1_testtoken_for_sonduong\n' > "$work/sonduong.token"
check "setup node" reformsync setup node --unit SONDUONG --hub-url https://hub.example.invalid:8443 --token-file "$work/sonduong.token"
sed 's/^/     /' "$work/last.txt"
check "setup node prints the next command" grep -q 'systemctl enable --now reformsync-daemon' "$work/last.txt"
expect_mode /etc/reformsync/token "reformsync:reformsync 600"
check "the token file holds the token" grep -qx rs1_testtoken_for_sonduong /etc/reformsync/token
expect_mode /var/lib/reformsync "reformsync:reformsync 750"
expect_mode /var/lib/reformsync/replica.sqlite "reformsync:reformsync 640"
expect_mode /var/lib/reformsync/api-token "reformsync:reformsync 600"
check "district.yaml names the unit, the hub and the token file, comments kept" sh -c \
    "grep -q '^unit: SONDUONG ' /etc/reformsync/district.yaml && grep -q '^  url: https://hub.example.invalid:8443 ' /etc/reformsync/district.yaml \
     && grep -q '^  token_file: /etc/reformsync/token ' /etc/reformsync/district.yaml && grep -q '^  # ca_file: ' /etc/reformsync/district.yaml \
     && grep -q '^# reformsync' /etc/reformsync/district.yaml"
check "config check accepts the configured file" reformsync config check --config /etc/reformsync/district.yaml
# What the unit runs: the service user, its environment; here a write to the replica.
record='{"id":"SD-TEST-1","unit":"SONDUONG","year":2026,"title":"Một cửa điện tử"}'
check "the service user writes the replica setup created" runuser -u reformsync -- env REFORMSYNC_DATA_DIR=/var/lib/reformsync \
    /usr/bin/reformsync record put initiatives "$record" --config /etc/reformsync/district.yaml
check "the service user reads the token file" runuser -u reformsync -- cat /etc/reformsync/token
check "setup node again keeps the replica" reformsync setup node --unit SONDUONG --hub-url https://hub2.example.invalid --token rs1_second
check "... and says so" grep -q 'kept the existing replica' "$work/last.txt"
check "... with the record still there" reformsync record get initiatives SD-TEST-1 --config /etc/reformsync/district.yaml
cp /etc/reformsync/district.yaml "$work/district-before.yaml"
if reformsync setup node --unit BADUNIT --hub-url https://hub.example.invalid --token rs1_x >"$work/last.txt" 2>&1; then
    bad "setup node refuses another unit over an existing replica"
else
    check "setup node refuses another unit over an existing replica, naming both" grep -q 'replica of unit SONDUONG, not BADUNIT' "$work/last.txt"
    check "... and leaves the configuration as it was" cmp "$work/district-before.yaml" /etc/reformsync/district.yaml
fi

# --- init as root hands the files to the folder's owner ---------------------------------------
rm -f /var/lib/reformsync/replica.sqlite* /var/lib/reformsync/api-token
check "init as root on the service user's folder" reformsync init --config /etc/reformsync/district.yaml
expect_mode /var/lib/reformsync/replica.sqlite "reformsync:reformsync 640"
expect_mode /var/lib/reformsync/api-token "reformsync:reformsync 600"
check "the service user writes the replica init created as root" runuser -u reformsync -- \
    /usr/bin/reformsync record put initiatives "$record" --config /etc/reformsync/district.yaml

# --- a replica the service user cannot write: the error names the file and the fix ------------
chown root:root /var/lib/reformsync/replica.sqlite && chmod 0644 /var/lib/reformsync/replica.sqlite
runuser -u reformsync -- /usr/bin/reformsync record put initiatives "$record" --config /etc/reformsync/district.yaml >"$work/last.txt" 2>&1
status=$?
sed 's/^/     /' "$work/last.txt"
if [ "$status" -ne 0 ] && grep -q 'cannot write /var/lib/reformsync/replica.sqlite (owned by root:root, mode 0644; this process runs as reformsync)' "$work/last.txt" \
    && grep -q 'chown -R reformsync: /var/lib/reformsync' "$work/last.txt"; then
    ok "a root-owned replica: the error names the file, owner, mode and the chown to run"
else
    bad "a root-owned replica: the error names the file, owner, mode and the chown to run (exit $status)"
fi
runuser -u reformsync -- /usr/bin/reformsync status --config /etc/reformsync/district.yaml >"$work/status.txt" 2>&1
check "status says the replica is not readable, its size and the chown" sh -c "grep -q 'replica not readable' '$work/status.txt' \
    && ! grep -q '  replica *0 B' '$work/status.txt' && grep -q 'chown -R reformsync: /var/lib/reformsync' '$work/status.txt'"
chown -R reformsync: /var/lib/reformsync

# --- setup hub (its own folder here: this machine plays both roles) ---------------------------
check "setup hub" reformsync setup hub --unit SNV --data-dir /var/lib/reformsync/hub
check "setup hub prints the next command" grep -q 'systemctl enable --now reformsync-hub' "$work/last.txt"
expect_mode /var/lib/reformsync/hub "reformsync:reformsync 750"
expect_mode /var/lib/reformsync/hub/replica.sqlite "reformsync:reformsync 640"
check "the service user reads the hub replica" runuser -u reformsync -- /usr/bin/reformsync record list units --config /etc/reformsync/hub.yaml
check "hub.yaml names the unit" grep -q '^unit: SNV ' /etc/reformsync/hub.yaml

# --- remove, purge ----------------------------------------------------------------------------
check "dpkg --remove" dpkg --remove reformsync
check "remove: the binary and units are gone" sh -c "! test -e /usr/bin/reformsync && ! test -e /usr/lib/systemd/system/reformsync-daemon.service"
check "remove: the configurations stay (conffiles)" test -f /etc/reformsync/district.yaml
check "dpkg --purge" dpkg --purge reformsync
check "purge: /etc/reformsync is gone (token included)" sh -c "! test -e /etc/reformsync"
check "purge: /var/lib/reformsync holding a replica is kept" test -f /var/lib/reformsync/replica.sqlite
check "purge: dpkg no longer knows reformsync" sh -c "! dpkg-query -W -f='\${Status}' reformsync 2>/dev/null | grep -q installed"
leftovers=$(while read -r path; do [ -e "$path" ] && [ ! -d "$path" ] && echo "$path"; done < "$work/files.txt")
if [ -z "$leftovers" ]; then ok "purge: no installed file is left"; else bad "purge left: $leftovers"; fi
rm -rf /var/lib/reformsync
userdel reformsync >/dev/null 2>&1; groupdel reformsync >/dev/null 2>&1
check "the machine is as before: no user, no folders" sh -c \
    "! getent passwd reformsync && ! getent group reformsync && ! test -e /var/lib/reformsync && ! test -e /etc/reformsync"
finish
