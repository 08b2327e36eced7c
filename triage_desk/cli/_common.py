"""Shared CLI plumbing: secrets from files (never from standard input unless it is a terminal),
opening the workspace from `--data-dir` / `--passphrase-file`, and signing in with `--user`."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from triage_desk.errors import InputError


def read_secret_file(path: str, option: str) -> str:
    """A secret from a file: one line, trailing newline dropped. Errors name the option and file."""
    try:
        text = Path(path).read_text("utf-8")
    except FileNotFoundError:
        raise InputError(f"{option}: file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{option}: cannot read {path} ({exc.__class__.__name__})") from None
    secret = text.rstrip("\r\n")
    if not secret:
        raise InputError(f"{option}: file {path} is empty")
    return secret


def ask_secret(prompt: str, option: str) -> str:
    """Prompt on a terminal; with no terminal, refuse instead of waiting on standard input."""
    if not sys.stdin or not sys.stdin.isatty():
        raise InputError(f"{option} is required when standard input is not a terminal")
    return getpass.getpass(prompt)


def add_user_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", metavar="NAME", required=True, help="act as this user")
    parser.add_argument("--password-file", metavar="P", help="file holding that user's password")


def add_command(sub, name: str, common: argparse.ArgumentParser, func, *, user: bool = False,
                **kwargs) -> argparse.ArgumentParser:
    """One sub-command: the common options (+ `--user`/`--password-file` when it acts as a user) and the
    function that runs it. `kwargs` go to add_parser (help, description)."""
    parser = sub.add_parser(name, parents=[common], **kwargs)
    if user:
        add_user_options(parser)
    parser.set_defaults(func=func)
    return parser


def add_decrypt_options(parser: argparse.ArgumentParser, *, required: bool = True, prefix: str = "") -> None:
    """How to open an encrypted bundle or pack: a passphrase file or an age identity (one of them).
    `prefix` starts each help text (e.g. "with --bundle: ")."""
    key = parser.add_mutually_exclusive_group(required=required)
    key.add_argument("--bundle-passphrase-file", metavar="F", help=f"{prefix}file holding the passphrase")
    key.add_argument("--identity", metavar="AGE_KEYFILE", help=f"{prefix}age identity file (as age-keygen writes it)")


def open_from_args(args: argparse.Namespace, *, shared: bool = False):
    """Open the workspace: keyring first, then --passphrase-file, then a terminal prompt.
    `shared`: a read-only command, which also works while the app has the database open."""
    from functools import partial

    from triage_desk import vault
    from triage_desk.paths import resolve_data_dir
    from triage_desk.workspace import open_workspace

    data_dir = resolve_data_dir(getattr(args, "data_dir", None))
    open_ = partial(open_workspace, data_dir, shared=shared,
                    accept_wal_loss=bool(getattr(args, "accept_wal_loss", False)))
    if getattr(args, "passphrase_file", None):
        return open_(passphrase=read_secret_file(args.passphrase_file, "--passphrase-file"))
    try:
        return open_()
    except vault.NeedsPassphrase:
        return open_(passphrase=ask_secret("Database passphrase: ", "--passphrase-file (no usable keyring)"))


def sign_in(ws, args: argparse.Namespace):
    """Authenticate `--user` with `--password-file` (or a terminal prompt); sets ws.user."""
    from triage_desk import accounts

    password = (read_secret_file(args.password_file, "--password-file") if args.password_file
                else ask_secret(f"Password for {args.user}: ", "--password-file"))
    with ws.session() as s:
        ws.user = accounts.authenticate(s, args.user, password, action="cli.login")
    return ws.user


class opened:
    """`with opened(args) as ws:` — the workspace, closed (and its lock released) afterwards.
    `shared=True` for commands that only read (they work while the app is open)."""

    def __init__(self, args: argparse.Namespace, *, user: bool = False, shared: bool = False):
        self.args, self.user, self.shared = args, user, shared

    def __enter__(self):
        self.ws = open_from_args(self.args, shared=self.shared)
        try:
            if self.user:
                sign_in(self.ws, self.args)
        except BaseException:
            self.ws.close()
            raise
        return self.ws

    def __exit__(self, *exc) -> None:
        self.ws.close()
