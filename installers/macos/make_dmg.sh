#!/usr/bin/env bash
# macOS: build "Triage Desk.app" from installers/triage_desk.spec (its BUNDLE step) and wrap it in a .dmg.
# Run on a Mac with Python 3.11+ and `pip install -e '.[build]'`. Not built or run on the Linux machine
# this repository is developed on (see installers/README.md).
#
#   installers/macos/make_dmg.sh [--sign "Developer ID Application: ..."]
#
# Signing and notarisation need the council's Apple Developer ID; without --sign the app is ad-hoc signed
# (fine for testing, Gatekeeper will warn on other Macs).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SIGN="-"
if [ "${1:-}" = "--sign" ]; then SIGN="$2"; fi
PYTHON="${PYTHON:-python3}"
VERSION="$("$PYTHON" -c "import sys; sys.path.insert(0, '$ROOT'); import triage_desk; print(triage_desk.__version__)")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

"$PYTHON" -m PyInstaller --noconfirm --clean --workpath "$WORK/build" --distpath "$ROOT/dist" \
    "$ROOT/installers/triage_desk.spec"
APP="$ROOT/dist/Triage Desk.app"
codesign --force --deep --options runtime --sign "$SIGN" "$APP"
"$APP/Contents/MacOS/triage-desk" --version
QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/triage-desk" --self-test --data-dir "$WORK/selftest-data"

mkdir -p "$WORK/dmg"
cp -R "$APP" "$WORK/dmg/"
ln -s /Applications "$WORK/dmg/Applications"
DMG="$ROOT/dist/TriageDesk-$VERSION.dmg"
rm -f "$DMG"
hdiutil create -volname "Triage Desk $VERSION" -srcfolder "$WORK/dmg" -fs HFS+ -format UDZO "$DMG"
if [ "$SIGN" != "-" ]; then codesign --sign "$SIGN" "$DMG"; fi
echo "$DMG"
