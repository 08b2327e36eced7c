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


class WalDamaged(StoreError):
    """The write-ahead log holds committed transactions SQLite would silently skip."""

    def __init__(self, lost: int, copy_dir: Path):
        self.lost, self.copy_dir = lost, copy_dir
        super().__init__(
            f"the database's write-ahead log is damaged: at least {lost} saved change(s) cannot be read back "
            f"and would be lost. A copy of the database and its log is kept in {copy_dir}. Nothing has been "
            "changed. Restore a backup (`triage-desk backup list`, `triage-desk restore`), or continue without "
            "those changes with --accept-wal-loss (in the app: answer the question it asks)")


def guard_wal(db_path: Path, *, accept_loss: bool) -> int:
    """Before the first connection: refuse a `-wal` with committed frames that cannot be replayed.

    A copy of the database, its log and index is kept (once per damaged log) in a `wal-damage-…` folder
    beside the database. Returns how many transactions are lost when `accept_loss`, else raises."""
    import hashlib
    import shutil

    from triage_desk import wal_check

    wal = db_path.with_name(db_path.name + "-wal")
    if not wal.exists() or wal.stat().st_size == 0:
        return 0
    report = wal_check.inspect(wal)
    if not report.damaged:
        return 0
    digest = hashlib.sha256(wal.read_bytes()).hexdigest()[:12]
    copy_dir = db_path.parent / f"wal-damage-{digest}"
    if not copy_dir.exists():
        tmp = copy_dir.with_name(copy_dir.name + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(mode=0o700)
        for suffix in ("", "-wal", "-shm"):
            src = db_path.with_name(db_path.name + suffix)
            if src.exists():
                shutil.copyfile(src, tmp / src.name)
                os.chmod(tmp / src.name, 0o600)
        os.replace(tmp, copy_dir)
    if not accept_loss:
        raise WalDamaged(report.lost_transactions, copy_dir)
    return report.lost_transactions


def make_engine(db_path: Path, key: bytes):
    """SQLAlchemy engine over SQLCipher; `module=` so driver errors become SQLAlchemy errors."""
    import sqlcipher3.dbapi2 as sqlcipher
    from sqlalchemy import create_engine

    if len(key) != 32:
        raise StoreError("the data key must be 32 bytes")
    return create_engine(f"sqlite:///{db_path}", creator=lambda: _connect(db_path, key),
                         module=sqlcipher, pool_pre_ping=False)


def schema_head() -> str | None:
    """The newest revision the migration files name, read from their `revision = ...` and
    `down_revision = ...` lines without loading Alembic (its imports and the scripts cost ~0.15 s of
    every open); None when the files are not one chain with one head (Alembic then decides)."""
    import ast
    import re

    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        if path.name == "__init__.py":
            continue
        found = dict(re.findall(r"^(revision|down_revision)\s*(?::[^=\n]*)?=\s*(.+?)\s*$",
                                path.read_text("utf-8"), re.MULTILINE))
        try:
            revision, down = ast.literal_eval(found["revision"]), ast.literal_eval(found["down_revision"])
        except (KeyError, ValueError, SyntaxError):
            return None
        if not isinstance(revision, str):
            return None
        revisions.add(revision)
        parents.update(down if isinstance(down, tuple | list) else [down] if down else [])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def migrate(engine) -> bool:
    """Bring the schema to the newest Alembic revision (an empty database gets every table). A database
    already at the newest revision is left as it is without loading Alembic. True when it upgraded."""
    head = schema_head()
    if head is not None:
        try:
            with engine.connect() as conn:
                current = list(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
        except Exception:  # noqa: BLE001 - a new or unusual database: Alembic looks and says
            current = None
        if current == [head]:
            return False
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return True


class InstanceLock:
    """An OS file lock beside the database: a second Triage Desk on the same data directory is
    refused with a clear message instead of two writers racing. Released on exit or crash."""

    def __init__(self, data_dir: Path, lock_name: str):
        self.path = Path(data_dir) / lock_name
        self._fh = None

    def acquire(self) -> None:
        if not self.try_acquire():
            raise StoreError(f"the database in {self.path.parent} is already open in another Triage Desk "
                             "window or command; close it first")

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; False when another window or command has it."""
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
            return False
        return True

    @property
    def held(self) -> bool:
        return self._fh is not None

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
