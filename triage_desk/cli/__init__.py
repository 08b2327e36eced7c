"""`triage-desk` command line. With no command it starts the GUI.

Each command group lives in its own module with `register(subparsers, common)`; `common` is a parent
parser carrying `--data-dir` and `--passphrase-file`. Modules import heavy libraries inside their
handlers so that starting the GUI stays fast. A handler returns an exit code (or None for 0) and
raises `TriageError` for anything a user did wrong; main() prints it as one line and exits with its
code. No command ever reads standard input unless it is a terminal (or `-` was given as a file).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from triage_desk import __version__
from triage_desk.errors import TriageError

# Order is the order in `--help`.
COMMAND_MODULES = (
    "triage_desk.cli.gui_cmd",
    "triage_desk.cli.init_cmd",
    "triage_desk.cli.user_cmd",
    "triage_desk.cli.key_cmd",
    "triage_desk.cli.audit_cmd",
    "triage_desk.cli.demo_cmd",
    "triage_desk.cli.referral_cmd",
    "triage_desk.cli.catalogue_cmd",
    "triage_desk.cli.assess_cmd",
    "triage_desk.cli.rescore_cmd",
    "triage_desk.cli.export_cmd",
    "triage_desk.cli.verify_cmd",
    "triage_desk.cli.trust_cmd",
    "triage_desk.cli.partner_cmd",
    "triage_desk.cli.store_cmd",
    "triage_desk.cli.case_cmd",
    "triage_desk.cli.strategy_cmd",
    "triage_desk.cli.feedback_cmd",
    "triage_desk.cli.review_pack_cmd",
    "triage_desk.cli.measures_cmd",
    "triage_desk.cli.server_cmd",
)


# The module that registers each top-level command: `triage-desk NAME ...` registers that module's parser
# only (importing and registering all of them was ~60 ms of every command's start). A name missing here
# still works, through the whole command line (tests/test_startup_perf.py checks the table).
COMMANDS = {"gui": "gui_cmd", "open": "gui_cmd", "init": "init_cmd", "user": "user_cmd", "key": "key_cmd",
            "audit": "audit_cmd", "demo": "demo_cmd", "referral": "referral_cmd", "catalogue": "catalogue_cmd",
            "assess": "assess_cmd", "rescore": "rescore_cmd", "export": "export_cmd", "verify": "verify_cmd",
            "import-bundle": "verify_cmd", "trust": "trust_cmd", "partner": "partner_cmd", "checks": "partner_cmd",
            "check": "store_cmd", "backup": "store_cmd", "restore": "store_cmd", "case": "case_cmd",
            "strategy": "strategy_cmd", "feedback": "feedback_cmd", "review-pack": "review_pack_cmd",
            "measures": "measures_cmd", "server": "server_cmd"}


def common_parser(top_level: bool = False) -> argparse.ArgumentParser:
    """`--data-dir` / `--passphrase-file`, accepted before or after the command.

    Subcommands use SUPPRESS defaults: otherwise a subparser's default (None) would overwrite the value
    given before the command (`triage-desk --data-dir D audit verify`)."""
    default = None if top_level else argparse.SUPPRESS
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", metavar="DIR", default=default,
                        help="data directory (default: the user's data directory for Triage Desk)")
    common.add_argument("--passphrase-file", metavar="F", default=default,
                        help="file holding the database passphrase (used when no keyring is available)")
    common.add_argument("--accept-wal-loss", action="store_true", default=default or False,
                        help="open even though the write-ahead log is damaged, losing the changes it held "
                             "(a copy is kept)")
    return common


def build_parser(*, commands: bool = True, only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; `commands=False`: the top-level options only (starting the app needs no
    more, and registering every command's arguments was ~70 ms of the app's start); `only`: the commands
    of that one module (e.g. "assess_cmd")."""
    parser = argparse.ArgumentParser(
        prog="triage-desk", parents=[common_parser(top_level=True)],
        description="Triage Desk - safeguarding front-door triage workstation. "
                    "With no command, starts the desktop application.")
    parser.add_argument("--version", action="version", version=f"triage-desk {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="show the first window offscreen-safe, check the installation, print one line, exit "
                             "(0 = healthy); nothing is written")
    parser.add_argument("--demo", action="store_true",
                        help="with no command: start the app and fill the database with synthetic demo data")
    if not commands:
        parser.set_defaults(command=None)
        return parser
    common = common_parser()
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES if only is None else (f"triage_desk.cli.{only}",):
        importlib.import_module(name).register(sub, common)
    return parser


def _command_module(argv: list[str]) -> str | None:
    """The module of the command `argv` names (None: no command, help, version or a name not in COMMANDS)."""
    words = iter(argv)
    for word in words:
        if word in _VALUED:
            next(words, None)
        elif word in ("-h", "--help", "--version"):
            return None
        elif not word.startswith("-"):
            return COMMANDS.get(word)
    return None


_VALUED = ("--data-dir", "--passphrase-file")  # top-level options that take the next word as their value
_APP_OPTIONS = ("--self-test", "--demo", "--accept-wal-loss")


def _starts_the_app(argv: list[str]) -> bool:
    """True when `argv` names no command and asks for no help or version: only the app's own options."""
    words = iter(argv)
    for word in words:
        if word in _VALUED:
            if next(words, None) is None:
                return False  # let the full parser say what is missing
        elif not (word in _APP_OPTIONS or word.split("=", 1)[0] in _VALUED):
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    from triage_desk.cli.gui_cmd import bundle_shortcut
    from triage_desk.failures import private_files

    private_files()

    words = bundle_shortcut(list(sys.argv[1:] if argv is None else argv))
    if _starts_the_app(words):
        parser = build_parser(commands=False)
    else:
        parser = build_parser(only=_command_module(words))
    args = parser.parse_args(words)
    if args.command is None or args.self_test:
        from triage_desk.cli.gui_cmd import run_gui
        return run_gui(args)
    try:
        return int(args.func(args) or 0)
    except TriageError as exc:
        print(f"triage-desk: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback: damage is exit 4, anything else one line and a log entry
        return _unexpected(exc, args)


def _unexpected(exc: Exception, args: argparse.Namespace) -> int:
    from triage_desk.failures import log_unexpected, store_error_from
    from triage_desk.paths import resolve_data_dir

    store = store_error_from(exc)
    if store is not None:
        print(f"triage-desk: {store}", file=sys.stderr)
        return store.exit_code
    try:
        data_dir = resolve_data_dir(getattr(args, "data_dir", None))
    except Exception:  # noqa: BLE001 - the log is a courtesy; the one-line message still goes out
        data_dir = None
    action = next((v for k, v in sorted(vars(args).items()) if k.endswith("_command") and isinstance(v, str)), None)
    where = log_unexpected(exc, data_dir, " ".join(filter(None, (args.command, action))))
    detail = f"; details are in {where}" if where else ""
    print(f"triage-desk: unexpected error ({type(exc).__name__}){detail}", file=sys.stderr)
    return 1
