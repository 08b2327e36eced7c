#!/usr/bin/env bash
# Build the Debian/Ubuntu package from this checkout: PyInstaller one-folder build (installers/triage_desk.spec),
# laid out under /opt/triage-desk with a `triage-desk` command, desktop entry, icon and the .tdcase MIME type,
# then `dpkg-deb --build`. Needs Python with `pip install -e '.[build]'` and dpkg-deb.
#
#   installers/linux/build.sh [--out DIR] [--work DIR]        (COMPRESS=gzip|xz|zstd, default zstd)
#
# Prints the .deb path on the last line of standard output. PYTHON picks the interpreter (default: the
# checkout's .venv, else python3). Nothing is written in the checkout unless --out/--work point there.
set -euo pipefail
# Installed files are for every user of the PC (root-owned, world-readable); the app's own private umask
# (077, for the data it writes) must not leak into the package when this runs from a shell or test that has it.
umask 022

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$ROOT/dist"
WORK=""
while [ $# -gt 0 ]; do
    case "$1" in
        --out) OUT="$2"; shift 2 ;;
        --work) WORK="$2"; shift 2 ;;
        *) echo "build.sh: unknown option $1 (use --out DIR, --work DIR)" >&2; exit 2 ;;
    esac
done
if [ -z "${PYTHON:-}" ]; then
    if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi
command -v dpkg-deb >/dev/null || { echo "build.sh: dpkg-deb is needed (apt-get install dpkg)" >&2; exit 2; }
"$PYTHON" -c "import PyInstaller" 2>/dev/null || {
    echo "build.sh: PyInstaller is missing: $PYTHON -m pip install -e '$ROOT[build]'" >&2; exit 2; }

CLEAN_WORK=0
if [ -z "$WORK" ]; then WORK="$(mktemp -d)"; CLEAN_WORK=1; fi
trap '[ "$CLEAN_WORK" = 1 ] && rm -rf "$WORK"' EXIT
mkdir -p "$OUT" "$WORK"

START=$(date +%s)
VERSION="$("$PYTHON" -c "import sys; sys.path.insert(0, '$ROOT'); import triage_desk; print(triage_desk.__version__)")"
ARCH="$(dpkg --print-architecture 2>/dev/null || echo amd64)"

# 1. The frozen app (one folder).
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --workpath "$WORK/pyinstaller" --distpath "$WORK/frozen" "$ROOT/installers/triage_desk.spec" >&2

# 2. The package tree.
PKG="$WORK/root"
rm -rf "$PKG"
mkdir -p "$PKG/DEBIAN" "$PKG/opt" "$PKG/usr/bin" "$PKG/usr/share/applications" "$PKG/usr/share/mime/packages" \
         "$PKG/usr/share/icons/hicolor/256x256/apps" "$PKG/usr/share/icons/hicolor/scalable/apps" \
         "$PKG/usr/share/doc/triage-desk"
cp -a "$WORK/frozen/triage-desk" "$PKG/opt/triage-desk"
ln -s /opt/triage-desk/triage-desk "$PKG/usr/bin/triage-desk"
install -m 0644 "$HERE/triage-desk.desktop" "$PKG/usr/share/applications/triage-desk.desktop"
install -m 0644 "$HERE/triage-desk-mime.xml" "$PKG/usr/share/mime/packages/triage-desk.xml"
install -m 0644 "$ROOT/resources/icons/triage-desk.png" "$PKG/usr/share/icons/hicolor/256x256/apps/triage-desk.png"
install -m 0644 "$ROOT/resources/icons/triage-desk.svg" "$PKG/usr/share/icons/hicolor/scalable/apps/triage-desk.svg"
install -m 0644 "$ROOT/installers/policy.example.toml" "$PKG/usr/share/doc/triage-desk/policy.example.toml"
install -m 0644 "$ROOT/resources/fonts/DejaVu-LICENSE.txt" "$PKG/usr/share/doc/triage-desk/DejaVu-LICENSE.txt"
# Root-owned, read-only for users: the app never writes here (its data is in each user's data directory).
find "$PKG/opt/triage-desk" -type d -exec chmod 0755 {} +
find "$PKG/opt/triage-desk" -type f -exec chmod go-w,a+r {} +

SIZE_KB=$(du -sk "$PKG/opt" "$PKG/usr" | awk '{s += $1} END {print s}')
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$SIZE_KB/" "$HERE/control.in" > "$PKG/DEBIAN/control"
for script in postinst postrm; do install -m 0755 "$HERE/$script" "$PKG/DEBIAN/$script"; done

# 3. The .deb. zstd builds in seconds where gzip takes a minute and more on a busy machine; it needs dpkg
# 1.21.18+ (Debian 12, Ubuntu 22.04 and later) to install. COMPRESS=gzip (or xz) for older systems.
DEB="$OUT/triage-desk_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Z"${COMPRESS:-zstd}" --build "$PKG" "$DEB" >&2
END=$(date +%s)
echo "built $DEB: $(du -h "$DEB" | cut -f1) package, $((SIZE_KB / 1024)) MB installed, in $((END - START)) s" >&2
echo "$DEB"
