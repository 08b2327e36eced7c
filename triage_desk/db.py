"""The encrypted store: SQLCipher under SQLAlchemy, migrations on open, one process per database.

The data key is the raw SQLCipher key (`PRAGMA key = "x'…'"` first on every connection): a raw-key
open costs well under a millisecond where a passphrase-derived one costs ~100 ms each time.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from triage_desk.errors import StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "models" / "migrations"


def _connect(db_path: Path, key: bytes):
    import sqlcipher3.dbapi2 as sqlcipher

    conn = sqlcipher.connect(str(db_path), check_same_thread=False, timeout=10)
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("PRAGMA cipher_log_level = NONE")
        # Reading the schema is the key check: a wrong key or a damaged file fails here, before
        # anything has been written.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute("PRAGMA secure_delete = ON")  # freed pages are zeroed, not left with old text
    except sqlcipher.DatabaseError as exc:
        conn.close()
        raise StoreError(f"database file {db_path} cannot be read: it is damaged or is not this "
                         f"workstation's database (nothing was changed; restore it from backup) [{exc}]") from None
    return conn


def make_engine(db_path: Path, key: bytes):
    """SQLAlchemy engine over SQLCipher; `module=` so driver errors become SQLAlchemy errors."""
    import sqlcipher3.dbapi2 as sqlcipher
    from sqlalchemy import create_engine

    if len(key) != 32:
        raise StoreError("the data key must be 32 bytes")
    return create_engine(f"sqlite:///{db_path}", creator=lambda: _connect(db_path, key),
                         module=sqlcipher, pool_pre_ping=False)


def migrate(engine) -> None:
    """Bring the schema to the newest Alembic revision (an empty database gets every table)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class InstanceLock:
    """An OS file lock beside the database: a second Triage Desk on the same data directory is
    refused with a clear message instead of two writers racing. Released on exit or crash."""

    def __init__(self, data_dir: Path, lock_name: str):
        self.path = Path(data_dir) / lock_name
        self._fh = None

    def acquire(self) -> None:
        try:
            self._fh = open(self.path, "a+b")  # noqa: SIM115 - held open for the process lifetime
        except OSError as exc:
            raise StoreError(f"data directory {self.path.parent} is not writable ({exc.strerror})") from None
        try:
            if sys.platform == "win32":
                import msvcrt

                msvcrt.locking(self._fh.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._fh.close()
            self._fh = None
            raise StoreError(f"the database in {self.path.parent} is already open in another Triage Desk "
                             "window or command; close it first") from None

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def check_data_dir(data_dir: Path, *, create: bool) -> None:
    """Refuse missing or unwritable directories with a message naming the directory."""
    if not data_dir.exists():
        if not create:
            raise StoreError(f"no Triage Desk database in {data_dir}: run `triage-desk init` "
                             "or start the app to set one up")
        try:
            data_dir.mkdir(parents=True, mode=0o700)
        except OSError as exc:
            raise StoreError(f"cannot create data directory {data_dir} ({exc.strerror})") from None
    if not data_dir.is_dir():
        raise StoreError(f"data directory {data_dir} is not a directory")
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise StoreError(f"data directory {data_dir} is not writable")
