"""Where things live: the data directory and the resource files shipped with the app."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

APP_DIR_NAME = "TriageDesk"
DB_FILE = "triage.db"
KEY_FILE = "keys.json"  # wrapped copies of the data key (never the key in clear)
LOCK_FILE = "triage.lock"
TEAM_SERVER_FILE = "team-server.json"  # team mode: the workstation's connection profile (no password)


def default_data_dir() -> Path:
    """The per-user data directory (platformdirs), overridable by TRIAGE_DESK_DATA_DIR; an IT policy's
    `data_directory` wins over both."""
    from triage_desk import policy

    fixed = policy.current().get(policy.DATA_DIRECTORY)
    if fixed:
        return Path(str(fixed))
    env = os.environ.get("TRIAGE_DESK_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_DIR_NAME, appauthor=False))


def resolve_data_dir(arg: str | os.PathLike | None) -> Path:
    """`--data-dir` when given, else the default; always absolute so messages and locks are unambiguous.
    A data directory fixed by IT policy wins over `--data-dir` (said once on standard error)."""
    from triage_desk import policy

    fixed = policy.current()
    if arg and fixed.locked(policy.DATA_DIRECTORY) and Path(arg).expanduser().resolve() != default_data_dir().resolve():
        policy.log.warning("triage-desk: --data-dir %s is ignored: the data directory is set by your IT department "
                           "(policy file %s)", arg, fixed.path)
        arg = None
    return (Path(arg).expanduser() if arg else default_data_dir()).resolve()


def resource_path(*parts: str) -> Path:
    """A file from resources/ (installed as the package triage_desk.resources, or the checkout's folder)."""
    if importlib.util.find_spec("triage_desk.resources") is not None:  # installed: shipped inside the package
        from importlib import resources  # here, not at the top: every start imports this module

        base = resources.files("triage_desk.resources")
        for part in parts:  # one at a time: a namespace package's MultiplexedPath joins a single name (3.11)
            base = base.joinpath(part)
        candidate = Path(str(base))
        if candidate.exists():
            return candidate
    return Path(__file__).resolve().parent.parent / "resources" / Path(*parts)
