"""`triage-desk gui` (also what runs with no command): the desktop application."""

from __future__ import annotations

import argparse
import sys


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


def demo_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("triage_desk.demo") is not None


def run_gui(args) -> int:
    """Start the GUI with `--data-dir` / `--demo` from `args` (Qt is imported only here)."""
    demo = bool(getattr(args, "demo", False))
    if demo and not demo_available():
        print("triage-desk: demo data arrives with the referral model; starting without it", file=sys.stderr)
    from triage_desk.ui.app import run

    return run(getattr(args, "data_dir", None), demo=demo)
