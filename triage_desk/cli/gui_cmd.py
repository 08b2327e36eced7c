"""`triage-desk gui` (also what runs with no command): the desktop application."""

from __future__ import annotations

import argparse
import sys

BUNDLE_SUFFIX = ".tdcase"


def register(sub, common) -> None:
    # Not parents=[common]: a subparser's default (None) would overwrite a top-level
    # `--data-dir DIR gui`; SUPPRESS keeps whichever position the user chose. No --passphrase-file:
    # the GUI asks for the passphrase in its unlock dialog.
    p = sub.add_parser("gui", help="start the desktop application (the default)",
                       description="Start the desktop application. On first run it walks you through "
                                   "setting up the administrator, the passphrase and the recovery code.")
    p.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS,
                   help="data directory (default: the user's data directory for Triage Desk)")
    p.add_argument("--demo", action="store_true", default=argparse.SUPPRESS,
                   help="fill the database with synthetic demo data")
    p.set_defaults(func=run_gui)
    o = sub.add_parser("open", help="start the app and open a case bundle's verify view (what a double-click does)",
                       description="Start the desktop application and, after sign-in, check and show the case "
                                   "bundle FILE (.tdcase). `triage-desk FILE.tdcase` does the same.")
    o.add_argument("bundle", metavar="FILE", help="the case bundle to open")
    o.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS,
                   help="data directory (default: the user's data directory for Triage Desk)")
    o.set_defaults(func=run_gui)


def bundle_shortcut(argv: list[str]) -> list[str]:
    """`triage-desk FILE.tdcase` (how desktops pass a double-clicked file) means `triage-desk open FILE`."""
    positional = [i for i, a in enumerate(argv) if not a.startswith("-") and (i == 0 or argv[i - 1] != "--data-dir")]
    if positional and argv[positional[0]].lower().endswith(BUNDLE_SUFFIX):
        return [*argv[:positional[0]], "open", *argv[positional[0]:]]
    return argv


def demo_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("triage_desk.demo") is not None


def run_gui(args) -> int:
    """Start the GUI with `--data-dir` / `--demo` from `args` (Qt is imported only here)."""
    demo = bool(getattr(args, "demo", False))
    if demo and not demo_available():
        print("triage-desk: demo data arrives with the referral model; starting without it", file=sys.stderr)
    from triage_desk.ui.app import run

    return run(getattr(args, "data_dir", None), demo=demo, self_test=bool(getattr(args, "self_test", False)),
               open_path=getattr(args, "bundle", None))
