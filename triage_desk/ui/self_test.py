"""`triage-desk --self-test`: the first window a user would see is shown, events are processed, the
installation's files and Qt plugins are checked, one line is printed, and the app exits (0 = healthy).
IT runs it after deploying; the Linux package test runs it on the frozen app, offscreen."""

from __future__ import annotations

import sys

from PySide6.QtGui import QGuiApplication, QImageReader
from PySide6.QtWidgets import QApplication

NEEDED_IMAGE_FORMATS = (b"png", b"jpeg", b"svg", b"ico")  # icons, logos, the system theme


def _qt_problems() -> list[str]:
    out = []
    formats = {bytes(f) for f in QImageReader.supportedImageFormats()}
    missing = [f.decode() for f in NEEDED_IMAGE_FORMATS if f not in formats]
    if missing:
        out.append(f"Qt image format plugins missing: {', '.join(missing)}")
    try:
        from PySide6.QtPrintSupport import QPrinter

        QPrinter(QPrinter.PrinterMode.HighResolution)
    except Exception as exc:  # noqa: BLE001 - printing unavailable is the finding, whatever the cause
        out.append(f"Qt print support cannot start ({exc.__class__.__name__})")
    return out


def report_first_window() -> None:
    """Called on the event-loop turn after the first window's Show event (see ui/app.py)."""
    from triage_desk import __version__, selfcheck

    app = QApplication.instance()
    app.processEvents()
    shown = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    problems = ([] if shown else ["no window was shown"]) + _qt_problems() + selfcheck.problems()
    if problems:
        print("triage-desk self-test: FAILED - " + "; ".join(problems), file=sys.stderr, flush=True)
        app.exit(1)
        return
    title = shown[0].windowTitle()
    print(f"triage-desk self-test: OK - version {__version__}, first window \"{title}\" shown on the "
          f"{QGuiApplication.platformName()} platform; fonts, forms, rules, print support and database "
          f"migrations (newest {selfcheck.newest_revision()}) found", flush=True)
    app.exit(0)
