"""Encrypted backups beside the database, checks of the store, and restore.

A backup is a consistent copy taken with SQLite's online backup API in one step (one read
transaction, so the app may keep working), written encrypted with the same data key into
`<data dir>/backups/triage-YYYYMMDD-HHMMSS.db`, owner-only, and renamed into place only when complete.
The newest `KEEP` are kept. The data key never changes (a new passphrase re-wraps it), so the
current `keys.json` opens every backup.

`check_store` runs SQLCipher's page authentication (`cipher_integrity_check`), SQLite's
`quick_check` and the audit chain, and reports each. Restore refuses a backup that fails them,
keeps the current files in `backups/before-restore-…/`, then swaps the backup in.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from triage_desk.errors import InputError, StoreError
from triage_desk.paths import DB_FILE, LOCK_FILE

BACKUP_DIR = "backups"
KEEP = 10
INTERVAL_MINUTES = 30  # the app's timer; also one on close
_PREFIX, _SUFFIX = "triage-", ".db"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backup:
    path: Path
    created: datetime
    size: int


@dataclass(frozen=True)
class Check:
    name: str  # what was checked, in words
    ok: bool
    detail: str


def backups_dir(data_dir: Path) -> Path:
    return Path(data_dir) / BACKUP_DIR


def list_backups(data_dir: Path) -> list[Backup]:
    """Backups in the rotating set, newest first."""
    out = []
    folder = backups_dir(data_dir)
    for path in folder.glob(f"{_PREFIX}*{_SUFFIX}") if folder.is_dir() else ():
        try:
            created = datetime.strptime(path.name[len(_PREFIX):-len(_SUFFIX)], "%Y%m%d-%H%M%S")
        except ValueError:
            continue
        out.append(Backup(path, created, path.stat().st_size))
    return sorted(out, key=lambda b: b.created, reverse=True)


def _raw_connect(path: Path, key: bytes, *, readonly: bool):
    import sqlcipher3.dbapi2 as sqlcipher

    target = f"file:{path}?mode=ro" if readonly else str(path)
    conn = sqlcipher.connect(target, uri=readonly, check_same_thread=False)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("PRAGMA cipher_log_level = NONE")
    return conn


def create_backup(ws, *, keep: int = KEEP, now: datetime | None = None) -> Path:
    """Write one backup of the open database and drop the oldest beyond `keep`."""
    if getattr(ws, "server", None) is not None:
        raise StoreError("in team mode the records are on the team server, which IT backs up with its own tools "
                         "(docs/team-server.md); this workstation keeps no copy")
    folder = backups_dir(ws.data_dir)
    folder.mkdir(mode=0o700, exist_ok=True)
    when = (now or datetime.now()).replace(microsecond=0)
    final = folder / f"{_PREFIX}{when:%Y%m%d-%H%M%S}{_SUFFIX}"
    while final.exists():  # two backups in one second: never overwrite one, take the next second's name
        when += timedelta(seconds=1)
        final = folder / f"{_PREFIX}{when:%Y%m%d-%H%M%S}{_SUFFIX}"
    tmp = folder / f".{final.name}.partial"
    tmp.unlink(missing_ok=True)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    raw = ws.engine.raw_connection()
    try:
        with closing(_raw_connect(tmp, ws.key, readonly=False)) as dst:
            raw.driver_connection.backup(dst)  # pages=-1: the whole database in one read transaction
        os.replace(tmp, final)
    except Exception as exc:
        tmp.unlink(missing_ok=True)
        from triage_desk.failures import store_error_from

        raise store_error_from(exc) or StoreError(f"backup could not be written to {folder} "
                                                  f"({exc.__class__.__name__})") from None
    finally:
        raw.close()
    rotate(ws.data_dir, keep)
    return final


def rotate(data_dir: Path, keep: int = KEEP) -> list[Path]:
    """Delete the oldest backups beyond `keep`; returns what was deleted."""
    gone = [b.path for b in list_backups(data_dir)[max(keep, 1):]]
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


def auto_backup(ws, reason: str) -> Path | None:
    """The app's backup on close and on its timer: a failure is logged, never raised (closing must
    not fail because a backup could not be written)."""
    if getattr(ws, "server", None) is not None:
        return None  # the server's backups are IT's (docs/team-server.md)
    try:
        return create_backup(ws)
    except Exception as exc:  # noqa: BLE001 - reported in the log; the next backup tries again
        log.warning("automatic backup (%s) failed: %s", reason, exc.__class__.__name__)
        return None


def check_engine_store(run_pragma: Callable[[str], list], audit_session_factory, *, copy: bool = False) -> list[Check]:
    """The three checks, through `run_pragma` (one PRAGMA -> rows) and a session for the audit chain."""
    checks = []
    try:
        rows = run_pragma("PRAGMA cipher_integrity_check")
        checks.append(Check("page authentication (every page decrypts and its HMAC matches)", not rows,
                            "all pages intact" if not rows else f"{len(rows)} damaged page(s)"))
    except Exception as exc:  # noqa: BLE001 - a failing check is a result, not a crash
        checks.append(Check("page authentication (every page decrypts and its HMAC matches)", False,
                            f"could not run ({exc.__class__.__name__})"))
    try:
        rows = run_pragma("PRAGMA quick_check")
        ok = [tuple(r) for r in rows] == [("ok",)]
        checks.append(Check("database structure (quick_check)", ok, "ok" if ok else f"{len(rows)} problem(s)"))
    except Exception as exc:  # noqa: BLE001
        checks.append(Check("database structure (quick_check)", False, f"cannot be read ({exc.__class__.__name__})"))
    checks.append(_audit_check(audit_session_factory, copy=copy))
    return checks


def _audit_check(session_factory, *, copy: bool) -> Check:
    from triage_desk import audit_anchor

    name = "audit trail (hash chain)"
    try:
        with session_factory() as s:
            report = audit_anchor.verify(s, copy=copy)
    except Exception as exc:  # noqa: BLE001
        return Check(name, False, f"cannot be read ({exc.__class__.__name__})")
    if report.intact:
        return Check(name, True, f"{report.events} events chained, head {report.head[:16]}…")
    return Check(name, False, f"broken at event {report.first_break}: {report.problem}")


def check_workspace(ws) -> list[Check]:
    """`triage-desk check` on the open database."""
    if getattr(ws, "server", None) is not None:
        raise StoreError("in team mode `check` runs on the server with PostgreSQL's own tools (pg_amcheck); "
                         "`triage-desk audit verify` checks the audit trail")

    def run_pragma(sql: str) -> list:
        with ws.engine.connect() as conn:
            return list(conn.exec_driver_sql(sql).fetchall())

    from sqlalchemy.orm import Session

    return check_engine_store(run_pragma, lambda: Session(ws.engine))


def verify_backup(path: Path, key: bytes) -> list[Check]:
    """The same checks on a backup file, opened read-only (the file is never changed)."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such backup file")
    import sqlcipher3.dbapi2 as sqlcipher

    try:
        with closing(_raw_connect(path, key, readonly=True)) as conn:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher.DatabaseError:
        return [Check("opens with this workstation's key", False,
                      "the file is damaged or is not a backup of this database")]
    engine = create_engine("sqlite://", creator=lambda: _raw_connect(path, key, readonly=True), module=sqlcipher)
    try:
        def run_pragma(sql: str) -> list:
            with engine.connect() as conn:
                return list(conn.exec_driver_sql(sql).fetchall())

        return [Check("opens with this workstation's key", True, "ok"),
                *check_engine_store(run_pragma, lambda: Session(engine), copy=True)]
    finally:
        engine.dispose()


def restore(data_dir: Path, backup_path: Path, key: bytes) -> Path:
    """Replace the database with a verified backup; returns where the previous files were kept.
    The caller holds no workspace open: the instance lock is taken here for the whole swap."""
    from triage_desk.db import InstanceLock

    data_dir = Path(data_dir)
    bad = [c for c in verify_backup(backup_path, key) if not c.ok]
    if bad:
        raise StoreError(f"backup {backup_path} fails its checks ({bad[0].name}: {bad[0].detail}); "
                         "nothing was changed")
    lock = InstanceLock(data_dir, LOCK_FILE)
    lock.acquire()
    try:
        db = data_dir / DB_FILE
        kept = backups_dir(data_dir) / f"before-restore-{datetime.now():%Y%m%d-%H%M%S}"
        kept.mkdir(mode=0o700, parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            src = db.with_name(db.name + suffix)
            if src.exists():
                shutil.copyfile(src, kept / src.name)
                os.chmod(kept / src.name, 0o600)
        tmp = db.with_name(db.name + ".restoring")
        shutil.copyfile(backup_path, tmp)
        os.chmod(tmp, 0o600)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        for suffix in ("-wal", "-shm"):  # the old log must never be replayed onto the restored file
            db.with_name(db.name + suffix).unlink(missing_ok=True)
        os.replace(tmp, db)
    finally:
        lock.release()
    return kept
