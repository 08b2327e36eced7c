"""What happens to an error nobody planned for: database damage becomes a StoreError (exit 4) with
words a person can act on; anything else becomes one line plus details in a private log file.

The log (`triage-desk.log` in the data directory, owner-only) holds the time, the version, the command
and the exception's class and stack frames (file, line, function) — never exception messages,
arguments or SQL parameters, which may carry personal data.
"""

from __future__ import annotations

import os
from pathlib import Path

from triage_desk.errors import StoreError

LOG_FILE = "triage-desk.log"
LOG_MAX_BYTES = 1024 * 1024  # then the log starts again, keeping one older file
_BUSY = ("database is locked", "database table is locked", "busy")


def private_files() -> None:
    """Every file this process creates is for its user only (PDFs, bundles, backups, logs, keys)."""
    if os.name == "posix":
        os.umask(0o077)


def _db_error_types() -> tuple[type, ...]:
    types: list[type] = []
    try:
        import sqlalchemy.exc

        types.append(sqlalchemy.exc.DatabaseError)
    except ImportError:  # pragma: no cover - SQLAlchemy is a hard dependency
        pass
    try:
        import sqlcipher3.dbapi2 as sqlcipher

        types.append(sqlcipher.DatabaseError)
    except ImportError:  # pragma: no cover
        pass
    return tuple(types)


def store_error_from(exc: BaseException) -> StoreError | None:
    """A StoreError for a database failure (damaged pages, another writer holding it), else None."""
    types = _db_error_types()
    if not types or not isinstance(exc, types):
        return None
    if type(exc).__name__ == "IntegrityError":
        return None  # a broken rule in our own code, not a damaged store
    orig = getattr(exc, "orig", exc)
    if type(orig).__module__.startswith("psycopg"):
        return _server_error(orig)
    raw = str(getattr(exc, "orig", exc)).lower()
    if any(word in raw for word in _BUSY):
        return StoreError("the database is busy with another Triage Desk window or command; try again "
                          "in a moment (nothing was changed)")
    if "readonly" in raw or "read-only" in raw:
        return StoreError("the database file or its folder is read-only for this user; nothing was changed")
    if "full" in raw:
        return StoreError("the disk holding the database is full; free some space (nothing was changed)")
    return StoreError("the database could not be read: part of it is damaged. Nothing was changed. Run "
                      "`triage-desk check` to see what is affected and `triage-desk backup list` / "
                      "`triage-desk restore` to go back to a backup")


def _server_error(orig: BaseException) -> StoreError:
    """Team mode: the server, not a file, is in trouble; say so (never "damaged", never a fallback)."""
    name = type(orig).__name__
    if name == "InsufficientPrivilege":
        return StoreError("the team server refused this change for this workstation's database role: ask IT to "
                          "re-apply the grants with `triage-desk server init` (nothing was changed)")
    if name in ("OperationalError", "AdminShutdown", "CannotConnectNow", "ConnectionFailure", "InterfaceError"):
        return StoreError("the team server stopped answering (it is down or the network is out): the change in "
                          "progress was not saved. Try again when it is back; the local database is not used in "
                          "team mode")
    return StoreError(f"the team server could not carry out the change ({name}); nothing was changed")


def log_unexpected(exc: BaseException, data_dir: Path | None, command: str | None) -> Path | None:
    """Append the class and stack of `exc` to the private log; returns its path (None if unwritable)."""
    import traceback  # here: every command and the app's start import this module (private_files)
    from datetime import UTC, datetime

    from triage_desk import __version__

    if data_dir is None or not Path(data_dir).is_dir():
        return None
    path = Path(data_dir) / LOG_FILE
    frames = traceback.extract_tb(exc.__traceback__)
    lines = [f"{datetime.now(UTC).isoformat(timespec='seconds')} triage-desk {__version__} "
             f"command={command or '-'} error={type(exc).__module__}.{type(exc).__qualname__}"]
    lines += [f"  {Path(f.filename).name}:{f.lineno} in {f.name}" for f in frames]
    try:
        if path.exists() and path.stat().st_size > LOG_MAX_BYTES:
            os.replace(path, path.with_suffix(".log.1"))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
    except OSError:
        return None
    return path
