"""An opened data directory: the unlocked engine, the instance lock and the signed-in user.

Services take a Workspace, open a session, write, audit and commit (one writer). The GUI and the CLI
both come through here, so key handling and migrations behave identically in both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from triage_desk import changefeed, vault  # noqa: F401 - changefeed: its session events NOTIFY on a server
from triage_desk.db import InstanceLock, check_data_dir, guard_wal, make_engine, migrate
from triage_desk.errors import StoreError
from triage_desk.paths import DB_FILE, KEY_FILE, LOCK_FILE


def preload() -> None:
    """Import the database stack (~0.5 s the first time) and configure the ORM's mappers (the first
    query does it otherwise: ~0.1 s of the sign-in's own time); the app calls it while the user types."""
    from sqlalchemy.orm import configure_mappers

    import triage_desk.accounts  # noqa: F401 - pulls in SQLAlchemy and the models

    configure_mappers()


def is_initialised(data_dir: Path) -> bool:
    from triage_desk import server

    return (data_dir / KEY_FILE).exists() or (data_dir / DB_FILE).exists() or server.joined(data_dir)


@dataclass
class Workspace:
    data_dir: Path
    key_file: vault.KeyFile
    engine: object
    lock: InstanceLock
    key: bytes = field(repr=False)  # held in memory while unlocked: the engine needs it for new connections
    user: object | None = None  # models.User once signed in
    unlocked_with: str = "keyring"  # keyring | passphrase | recovery_code (recovery prompts a passphrase reset)
    backup_on_close: bool = False  # the app sets it: a backup is written when it closes
    restore_on_close: str | None = None  # File › Backups › Restore: swapped in once the database is closed
    server: object | None = None  # team mode: the server.Profile this workspace is open on
    _sessionmaker: object = field(default=None, repr=False)

    @property
    def exclusive(self) -> bool:
        """True for the one writer holding the instance lock; False for a reader beside the open app."""
        return self.lock.held

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILE

    @property
    def location(self) -> str:
        """Where the records are, for the status bar and About: the file, or the team server (no password)."""
        return f"team server {self.server.where}" if self.server is not None else str(self.db_path)

    @contextmanager
    def session(self) -> Iterator:
        """A unit of work: commits on success, rolls back on any error."""
        from sqlalchemy.orm.exc import StaleDataError

        if self._sessionmaker is None:
            from sqlalchemy.orm import sessionmaker

            self._sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        session = self._sessionmaker()
        session.info["actor"] = self.actor  # models.referral names who changed a referral
        try:
            if not self.exclusive:
                # Beside the app: take the write lock at the start, so this unit of work (a sign-in,
                # an audit event) never interleaves with the app's and waits its turn instead.
                session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session
            session.commit()
        except StaleDataError:  # a versioned row was saved elsewhere between our read and our write
            session.rollback()
            from triage_desk.concurrency import ChangedMeanwhile

            raise ChangedMeanwhile() from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @property
    def actor(self) -> str | None:
        return getattr(self.user, "username", None)

    def close(self) -> None:
        if self.exclusive:  # readers beside the app never write
            from triage_desk import audit_anchor

            try:
                audit_anchor.checkpoint(self, "close")  # a signed head at every close (issue 9 point 3)
            except Exception:  # noqa: BLE001 - never block closing; `audit verify` names an unsigned tail
                pass
        try:
            if self.backup_on_close and self.exclusive and self.server is None:
                from triage_desk import backup

                backup.auto_backup(self, reason="close")
        finally:
            try:
                self.engine.dispose()
            finally:
                self.lock.release()
        if self.restore_on_close:
            from triage_desk import backup

            path, self.restore_on_close = self.restore_on_close, None
            backup.restore(self.data_dir, Path(path), self.key)


def _open_engine(data_dir: Path, key: bytes, kf: vault.KeyFile, lock: InstanceLock) -> Workspace:
    db_path = data_dir / DB_FILE
    if not db_path.exists():
        db_path.touch(mode=0o600)  # owner-only; SQLite gives its -wal/-shm files the same mode
    engine = make_engine(db_path, key)
    try:
        migrate(engine)
    except StoreError:
        engine.dispose()
        raise
    except Exception as exc:  # a migration failing must not leave a half-open workspace behind
        engine.dispose()
        raise StoreError(f"database {data_dir / DB_FILE} could not be upgraded ({exc.__class__.__name__}); "
                         "nothing was changed") from None
    ws = Workspace(data_dir, kf, engine, lock, key)
    from triage_desk.forms.form import use_data_dir

    use_data_dir(data_dir)  # a council's <data dir>/forms/marf.json, when present, is the referral form used
    try:
        from triage_desk.partners import ensure_partners

        ensure_partners(ws)  # the default partner directory, once, so checks work from the first run
    except BaseException:
        engine.dispose()
        raise
    return ws


def init_workspace(data_dir: Path, *, admin_username: str, admin_display_name: str, admin_password: str,
                   passphrase: str) -> tuple[Workspace, str]:
    """First run: a new data key, an empty encrypted database and the first admin.

    Returns the workspace (signed in as the admin) and the recovery code, to be shown exactly once.
    """
    from triage_desk import accounts, audit
    from triage_desk.models import Role

    data_dir = Path(data_dir)
    check_data_dir(data_dir, create=True)
    if is_initialised(data_dir):
        raise StoreError(f"{data_dir} already holds a Triage Desk database; nothing was changed")
    accounts.check_username(admin_username)
    accounts.check_password_strength(admin_password)
    vault.check_passphrase_strength(passphrase)
    lock = InstanceLock(data_dir, LOCK_FILE)
    lock.acquire()
    try:
        kf, key, code = vault.create_key_file(data_dir, passphrase)
        ws = _open_engine(data_dir, key, kf, lock)
    except BaseException:
        lock.release()
        raise
    with ws.session() as s:
        audit.record(s, admin_username, "workspace.init", "workspace", kf.db_id)
        admin = accounts.create_user_unchecked(s, admin_username, admin_display_name, Role.ADMIN,
                                               admin_password, actor=admin_username)
    ws.user = admin
    return ws, code


def _open_shared(data_dir: Path, key: bytes, kf: vault.KeyFile, lock: InstanceLock) -> Workspace:
    """A reader beside the open app: no migrations (the app ran them), no write-ahead-log check (the
    app's log is live), no start-up writes. SQLite's WAL mode lets both read at once."""
    engine = make_engine(data_dir / DB_FILE, key)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1 FROM alembic_version").fetchall()
    except Exception as exc:
        engine.dispose()
        from triage_desk.failures import store_error_from

        raise store_error_from(exc) or exc from None
    from triage_desk.forms.form import use_data_dir

    use_data_dir(data_dir)
    return Workspace(data_dir, kf, engine, lock, key)


def open_server(data_dir: Path, profile, *, password: str | None = None) -> Workspace:
    """The Workspace on the team server (the local data directory keeps forms, drafts and logs)."""
    from sqlalchemy import text

    from triage_desk import server
    from triage_desk.forms.form import use_data_dir

    engine = server.connect_checked(profile, password if password is not None else server.stored_password(profile))
    with engine.connect() as conn:
        db_id = conn.execute(text("SELECT value FROM setting WHERE key = 'server.id'")).scalar() or profile.where
    use_data_dir(data_dir)
    return Workspace(Path(data_dir), server.ServerIdentity(db_id), engine, server.ServerLock(), b"", server=profile)


def open_workspace(data_dir: Path, *, passphrase: str | None = None, recovery_code: str | None = None,
                   shared: bool = False, accept_wal_loss: bool = False) -> Workspace:
    """Unlock an existing data directory with the keyring, passphrase or recovery code.

    Writers hold the instance lock for as long as they are open. `shared=True` (read-only commands)
    takes the lock when it is free and otherwise opens beside the app. A damaged write-ahead log is
    refused (db.WalDamaged) unless `accept_wal_loss`."""
    from triage_desk import server

    data_dir = Path(data_dir)
    profile = server.load_profile(data_dir)
    if profile is not None:  # team mode: the server or an error, never the local file
        return open_server(data_dir, profile)
    check_data_dir(data_dir, create=False)
    if not is_initialised(data_dir):
        raise StoreError(f"no Triage Desk database in {data_dir}: run `triage-desk init` "
                         "or start the app to set one up")
    if not (data_dir / DB_FILE).exists():
        raise StoreError(f"database file {data_dir / DB_FILE} is missing (the key file is there): "
                         "restore the database from backup")
    lock = InstanceLock(data_dir, LOCK_FILE)
    if not shared:
        lock.acquire()
    else:
        lock.try_acquire()
    try:
        kf = vault.KeyFile.load(data_dir)
        key = vault.unlock(kf, passphrase=passphrase, recovery_code=recovery_code)
        if not lock.held:
            ws = _open_shared(data_dir, key, kf, lock)
        else:
            lost = guard_wal(data_dir / DB_FILE, accept_loss=accept_wal_loss)
            ws = _open_engine(data_dir, key, kf, lock)
            if lost:
                from triage_desk import audit

                with ws.session() as s:
                    audit.record(s, None, "store.wal_loss_accepted", "workspace", kf.db_id, transactions=lost)
        ws.unlocked_with = ("recovery_code" if recovery_code is not None
                            else "passphrase" if passphrase is not None else "keyring")
        return ws
    except BaseException:
        lock.release()
        raise
