"""What differs between the two stores inside migrations: SQLite (SQLCipher) and PostgreSQL.

Migrations call these instead of writing dialect SQL themselves, so one chain of revisions builds both."""

from __future__ import annotations

from alembic import op

PG_APPEND_ONLY = (
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit events are append-only'; END $$",
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
)


def dialect() -> str:
    return op.get_bind().dialect.name


def on_sqlite() -> bool:
    return dialect() == "sqlite"


def make_audit_append_only(sqlite_triggers: tuple[str, ...]) -> None:
    """Triggers refusing UPDATE/DELETE (and on PostgreSQL TRUNCATE) of audit events, for every role
    including the owner; on the server the application role also lacks those privileges."""
    for statement in sqlite_triggers if on_sqlite() else PG_APPEND_ONLY:
        op.execute(statement)


def drop_audit_append_only() -> None:
    if on_sqlite():
        op.execute("DROP TRIGGER audit_event_no_update")
        op.execute("DROP TRIGGER audit_event_no_delete")
    else:
        op.execute("DROP TRIGGER audit_event_no_update ON audit_event")
        op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")


def create_extension(name: str, why: str) -> None:
    """CREATE EXTENSION on the server, or a StoreError naming the extension when the server lacks it (its
    contrib package not installed) or the migrating role may not create it (it needs CREATE on the database)."""
    from sqlalchemy import text

    from triage_desk.errors import StoreError

    bind = op.get_bind()
    if not bind.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = :n"), {"n": name}).scalar():
        raise StoreError(f"the PostgreSQL server has no {name} extension, which Triage Desk needs for {why}: "
                         "IT installs the server's contrib package (postgresql-contrib), then runs "
                         "`triage-desk server init` again")
    if bind.execute(text("SELECT 1 FROM pg_extension WHERE extname = :n"), {"n": name}).scalar():
        return
    if not bind.execute(text("SELECT has_database_privilege(current_database(), 'CREATE')")).scalar():
        raise StoreError(f"the role running `triage-desk server init` may not create the {name} extension "
                         f"(needed for {why}): run it as the database's owner (docs/team-server.md)")
    op.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")

