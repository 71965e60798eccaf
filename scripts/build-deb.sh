#!/bin/sh
# Builds reformsync_VERSION_amd64.deb with Debian's own tools (dpkg-deb, dpkg-shlibdeps):
#   scripts/build-deb.sh [OUTPUT_DIR]        (make deb; OUTPUT_DIR defaults to the repository)
# The binary is a release build with the Swift runtime linked in (--static-swift-stdlib), so the
# package needs only Debian's libraries (found by dpkg-shlibdeps from what the binary links).
# The layout is README "Installing"; packaging/deb/ holds the package's own files.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root}
swift=${SWIFT:-swift}
cd "$root"

version=$(sed -n 's/.*static let current = "\([^"]*\)".*/\1/p' Sources/WireProtocol/ReformsyncVersion.swift)
[ -n "$version" ] || { echo "build-deb: no version in Sources/WireProtocol/ReformsyncVersion.swift" >&2; exit 1; }
mkdir -p "$out"
deb="$out/reformsync_${version}_amd64.deb"

# Always asked: SwiftPM rebuilds only what changed, so an up-to-date binary costs seconds.
start=$(date +%s)
$swift build -c release --product reformsync --static-swift-stdlib
bin=$($swift build -c release --static-swift-stdlib --show-bin-path)/reformsync
echo "build-deb: release binary ready in $(( $(date +%s) - start )) s"

stage="$root/.build/deb/reformsync_${version}_amd64"
rm -rf "$stage"
doc="$stage/usr/share/doc/reformsync"
install -d -m 0755 "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/lib/systemd/system" "$stage/usr/lib/sysusers.d" \
    "$stage/usr/lib/tmpfiles.d" "$stage/etc/reformsync" "$doc/examples/reference" "$stage/usr/share/man/man1"

install -m 0755 "$bin" "$stage/usr/bin/reformsync"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/bin/reformsync"
"$stage/usr/bin/reformsync" --version >/dev/null || { echo "build-deb: the stripped binary does not run" >&2; exit 1; }

install -m 0644 systemd/reformsync-daemon.service systemd/reformsync-hub.service "$stage/usr/lib/systemd/system/"
install -m 0644 packaging/deb/sysusers.conf "$stage/usr/lib/sysusers.d/reformsync.conf"
install -m 0644 packaging/deb/tmpfiles.conf "$stage/usr/lib/tmpfiles.d/reformsync.conf"
install -m 0644 Config/district.yaml Config/hub.yaml "$stage/etc/reformsync/"

install -m 0644 README.md "$doc/README.md"
install -m 0644 Protocol/README.md "$doc/Protocol.md"
install -m 0644 Protocol/schema-v1.md "$doc/schema-v1.md"
install -m 0644 Config/README.md "$doc/Config.md"
install -m 0644 Config/district.yaml Config/hub.yaml "$doc/examples/"
cp -R Config/reference/. "$doc/examples/reference/"
find "$doc/examples/reference" -type d -exec chmod 0755 {} + && find "$doc/examples/reference" -type f -exec chmod 0644 {} +
install -m 0644 packaging/deb/copyright "$doc/copyright"
sed "s/@VERSION@/$version/" packaging/deb/changelog | gzip -9n > "$doc/changelog.gz"  # a native package: changelog.gz
sed "s/@VERSION@/$version/" packaging/deb/reformsync.1 | gzip -9n > "$stage/usr/share/man/man1/reformsync.1.gz"
chmod 0644 "$doc/changelog.gz" "$stage/usr/share/man/man1/reformsync.1.gz"
install -d -m 0755 "$stage/usr/share/lintian/overrides"
install -m 0644 packaging/deb/lintian-overrides "$stage/usr/share/lintian/overrides/reformsync"

# Depends: what the binary links, as Debian's shlibs files name it (libc6, libcurl4, libsqlite3-0, …).
shlib="$root/.build/deb/shlibdeps"
rm -rf "$shlib" && mkdir -p "$shlib/debian"
printf 'Source: reformsync\n\nPackage: reformsync\nArchitecture: amd64\n' > "$shlib/debian/control"
depends=$(cd "$shlib" && dpkg-shlibdeps -O "$stage/usr/bin/reformsync" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" -e "s/@DEPENDS@/$depends/" packaging/deb/control.in > "$stage/DEBIAN/control"
printf '/etc/reformsync/district.yaml\n/etc/reformsync/hub.yaml\n' > "$stage/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 0755 "packaging/deb/$script" "$stage/DEBIAN/$script"; done
# md5sums of every file but the conffiles (dpkg --verify, debsums), as dh_md5sums writes them.
(cd "$stage" && find usr -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum) > "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/md5sums"
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles"

dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "build-deb: $deb ($(du -k "$deb" | cut -f1) KiB, installed $size KiB; Depends: $depends)"
