"""Every dialog, page and panel runnable alone on synthetic data (Orange3's widget previews):

    python -m triage_desk.ui.preview --list
    python -m triage_desk.ui.preview users_dialog [--as lead]

A screen registers itself with `@screen(name, shows)` (ui/preview_registry.py) in ui/preview_screens.py or
ui/preview_referral.py. The smoke test (tests/test_ui_previews.py) opens each registered one offscreen
and fails when a dialog, wizard, window, area, panel, view or step class under ui/ has no preview, so a
new screen is tested the day it is added.

The workspace is a new one in a temporary directory with invented people only (demo.py), removed on
exit; the real credential store is never touched (the data key stays in memory).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from triage_desk.ui.preview_registry import REGISTRY, PreviewContext, Screen


def screens() -> dict[str, Screen]:
    import triage_desk.ui.preview_referral  # noqa: F401 - registers the referral and bundle screens
    import triage_desk.ui.preview_screens  # noqa: F401 - registers every other screen

    return REGISTRY


def open_screen(ctx: PreviewContext, name: str, user: str | None = None):
    """Build the named screen for `user` (default: the screen's own) and return the widget, not yet shown."""
    entry = screens()[name]
    ctx.sign_in(user or entry.user)
    return entry.build(ctx)


def _quiet_keyring() -> None:
    """A preview must never write a throwaway data key into the user's real credential store."""
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m triage_desk.ui.preview",
                                     description="Show one screen of Triage Desk on synthetic data.")
    parser.add_argument("name", nargs="?", help="the screen to show (see --list)")
    parser.add_argument("--list", action="store_true", help="list the screens and exit")
    parser.add_argument("--as", dest="user", choices=("admin", "officer", "lead"), help="who is signed in")
    args = parser.parse_args(argv)
    known = screens()
    if args.list or not args.name:
        for entry in sorted(known.values(), key=lambda e: e.name):
            print(f"{entry.name:28} {entry.shows}")
        return 0
    if args.name not in known:
        print(f"preview: no screen called {args.name!r} (try --list)", file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication

    _quiet_keyring()
    from triage_desk.ui.wheel_guard import install_wheel_guard

    app = QApplication.instance() or QApplication(sys.argv[:1])
    install_wheel_guard(app)
    with tempfile.TemporaryDirectory(prefix="triage-desk-preview-") as tmp:
        ctx = PreviewContext(Path(tmp))
        try:
            widget = open_screen(ctx, args.name, args.user)
            widget.show()
            code = app.exec()
        finally:
            ctx.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
