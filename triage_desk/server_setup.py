"""Setting up a team server: schema, the application role's privileges, the first admin.

Run by IT as the database's owner role (`triage-desk server init`). Workstations connect as the
application role, which may read and write the case records but only INSERT (and SELECT) audit events:
an officer holding the connection string still cannot rewrite history. Role checks stay in the services.
"""

from __future__ import annotations

import re
import uuid

from sqlalchemy import text

from triage_desk.errors import InputError, StoreError

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
APPEND_ONLY_TABLES = ("audit_event",)


def check_role(name: str, option: str = "--app-role") -> str:
    if not _ROLE.match(name or ""):
        raise InputError(f"{option}: a PostgreSQL role name is lower-case letters, digits and _ (at most 63)")
    return name


def grant_app(conn, app_role: str) -> None:
    """The application role's privileges, re-applied after every migration (new tables get them too)."""
    role = check_role(app_role)
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
    if not exists:
        raise StoreError(f"the application role {role} does not exist on the server: IT creates it first "
                         "(docs/team-server.md)")
    database = conn.execute(text("SELECT current_database()")).scalar()
    statements = [
        f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO {role}',
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE CREATE ON SCHEMA public FROM {role}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"REVOKE ALL ON alembic_version FROM {role}",
        f"GRANT SELECT ON alembic_version TO {role}",
    ]
    for table in APPEND_ONLY_TABLES:
        statements += [f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {table} FROM {role}, PUBLIC",
                       f"GRANT SELECT, INSERT ON {table} TO {role}"]
    for statement in statements:
        conn.execute(text(statement))
    conn.execute(text("DELETE FROM setting WHERE key = :k"), {"k": "server.app_role"})
    conn.execute(text("INSERT INTO setting (key, value) VALUES (:k, :v)"), {"k": "server.app_role", "v": role})
    if not conn.execute(text("SELECT 1 FROM setting WHERE key = 'server.id'")).scalar():
        conn.execute(text("INSERT INTO setting (key, value) VALUES ('server.id', :v)"), {"v": str(uuid.uuid4())})


def prepare(engine, app_role: str) -> None:
    """Schema to the newest revision, then the application role's privileges (one transaction each)."""
    from triage_desk.db import migrate

    if engine.dialect.name != "postgresql":
        raise StoreError("a team server is a PostgreSQL database (postgresql://…)")
    upgraded = migrate(engine)
    with engine.begin() as conn:
        grant_app(conn, app_role)
        if upgraded:
            # New or rebuilt tables and indexes: the planner costs them from fresh statistics at once, not
            # after autovacuum's next round (which a restarted server may not know is due).
            conn.execute(text("ANALYZE"))


def init_server(data_dir, profile, *, owner_password: str | None, app_role: str, admin_username: str,
                admin_display_name: str, admin_password: str):
    """`server init`: schema, privileges and (on an empty server) the first admin, as the owner role.

    Returns (workspace signed in as the admin or None when the server already had users, created)."""
    from sqlalchemy import func, select

    from triage_desk import accounts, audit, server
    from triage_desk.models import Role, User
    from triage_desk.partners import ensure_partners
    from triage_desk.workspace import Workspace

    accounts.check_username(admin_username)
    accounts.check_password_strength(admin_password)
    check_role(app_role)
    engine = server.make_engine(profile, owner_password)
    try:
        prepare(engine, app_role)
    except BaseException as exc:
        engine.dispose()
        raise (server.explain(exc, profile) or exc) from None
    with engine.connect() as conn:
        db_id = conn.execute(text("SELECT value FROM setting WHERE key = 'server.id'")).scalar()
    ws = Workspace(data_dir, server.ServerIdentity(db_id), engine, server.ServerLock(), b"", server=profile)
    with ws.session() as s:
        if s.execute(select(func.count()).select_from(User)).scalar():
            return ws, False
        audit.record(s, admin_username, "workspace.init", "workspace", db_id, store="postgresql")
        ws.user = accounts.create_user_unchecked(s, admin_username, admin_display_name, Role.ADMIN,
                                                 admin_password, actor=admin_username)
    ensure_partners(ws)
    return ws, True


def _server_is_empty(conn) -> bool:
    from sqlalchemy import func, select

    from triage_desk.models import AuditEvent, Referral, User

    return not any(conn.execute(select(func.count()).select_from(t)).scalar() for t in (User, AuditEvent, Referral))


def copy_store(source_engine, target_conn, batch: int = 5000) -> dict[str, int]:
    """Every row of every table, parents first, keys and audit hashes exactly as they are."""
    from sqlalchemy import select

    from triage_desk.models import Base

    counts: dict[str, int] = {}
    present = {r[0] for r in target_conn.execute(text("SELECT key FROM setting"))}
    with source_engine.connect() as src:
        for table in Base.metadata.sorted_tables:
            rows = src.execute(select(table)).mappings()
            n = 0
            while chunk := [dict(r) for r in rows.fetchmany(batch)]:
                if table.name == "setting":  # the server's own settings (its id, app role) stay
                    chunk = [r for r in chunk if r["key"] not in present]
                if chunk:
                    target_conn.execute(table.insert(), chunk)
                n += len(chunk)
            counts[table.name] = n
            for col in table.primary_key.columns:  # serial keys continue after the copied ones
                if col.autoincrement is not False and col.type.python_type is int:
                    target_conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', '{col.name}'), "
                                             f"coalesce(max({col.name}), 0) + 1, false) FROM \"{table.name}\""))
    return counts


def import_store(source_ws, profile, *, owner_password: str | None, app_role: str) -> dict[str, int]:
    """`server import`: the single-PC database, audit chain and all, onto an empty team server.

    The source's signed-in admin records the move and signs a checkpoint over the whole chain first,
    so `audit verify` on the server proves every event came across unchanged."""
    from triage_desk import audit, audit_anchor, server

    engine = server.make_engine(profile, owner_password)
    try:
        prepare(engine, app_role)
        with engine.begin() as conn:
            if not _server_is_empty(conn):
                raise StoreError(f"the team server {profile.where} already holds users, referrals or audit events: "
                                 "import only into a new, empty database (nothing was changed)")
            with source_ws.session() as s:
                audit.record(s, source_ws.actor, "store.moved_to_server", "workspace", source_ws.key_file.db_id,
                             server=profile.where)
            audit_anchor.checkpoint(source_ws, "move")
            return copy_store(source_ws.engine, conn)
    except StoreError:
        raise
    except BaseException as exc:
        raise (server.explain(exc, profile) or exc) from None
    finally:
        engine.dispose()
