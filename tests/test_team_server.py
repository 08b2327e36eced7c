"""Team mode on a real PostgreSQL server (issue 15): the server enforces an append-only audit table for
the application role, and a workstation opens the server or says why it cannot — never a local file."""

from __future__ import annotations

import pytest
from pg_fixtures import APP, APP_PASSWORD, OWNER, OWNER_PASSWORD


def _as(pg_server, role, password, database):
    import psycopg

    return psycopg.connect(pg_server.socket_url(role, database), password=password, autocommit=True)


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET actor = 'someone else'",
                                       "DELETE FROM audit_event", "TRUNCATE audit_event"])
def test_app_role_cannot_rewrite_the_audit_table(pg_server, pg_workspace, pg_database, statement):
    import psycopg

    with _as(pg_server, APP, APP_PASSWORD, pg_database) as conn:
        before = conn.execute("SELECT count(*), max(hash) FROM audit_event").fetchone()
        assert before[0] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
        conn.execute("INSERT INTO audit_event (id, at, action, detail, prev_hash, hash) "
                     "SELECT max(id) + 1, now(), 'test.append', '{}', 'x', 'y' FROM audit_event")  # it may append
        assert conn.execute("SELECT count(*) FROM audit_event").fetchone()[0] == before[0] + 1


def test_even_the_owner_cannot_rewrite_audit_events(pg_server, pg_workspace, pg_database):
    import psycopg

    with _as(pg_server, OWNER, OWNER_PASSWORD, pg_database) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("UPDATE audit_event SET actor = 'someone else'")
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("TRUNCATE audit_event")


def test_workspace_on_the_server_writes_through_the_services(pg_workspace):
    from sqlalchemy import select

    from triage_desk import audit
    from triage_desk.models import User

    with pg_workspace.session() as s:
        names = set(s.execute(select(User.username)).scalars())
        assert names == {"admin", "officer", "lead"}
        report = audit.walk(s)
    assert report.first_break is None and report.events >= 4


def test_a_server_that_stops_answering_is_named_not_called_damage(pg_server, pg_workspace, pg_database):
    from sqlalchemy.exc import DBAPIError

    from triage_desk import intake
    from triage_desk.failures import store_error_from

    pg_server.admin.execute(f'ALTER DATABASE "{pg_database}" ALLOW_CONNECTIONS false')
    pg_server.admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                            (pg_database,))
    with pytest.raises(DBAPIError) as raised:
        intake.new_draft(pg_workspace)
    message = str(store_error_from(raised.value))
    assert "team server stopped answering" in message and "damaged" not in message


@pytest.mark.parametrize("role, password, extension, words", [
    (OWNER, OWNER_PASSWORD, "td_no_such_extension", "no td_no_such_extension extension"),  # contrib missing
    (APP, APP_PASSWORD, "btree_gist", "may not create the btree_gist extension"),  # not the database's owner
])
def test_a_missing_or_forbidden_extension_is_named(pg_server, pg_database, role, password, extension, words):
    """What `server init` says when the server lacks pg_trgm (migration 0016) or the wrong role runs it."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    from triage_desk.errors import StoreError
    from triage_desk.models.portable import create_extension

    url = pg_server.socket_url(role, pg_database).replace("postgresql://", "postgresql+psycopg://")
    engine = create_engine(url, connect_args={"password": password}, poolclass=NullPool)
    try:
        with engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
            with pytest.raises(StoreError, match=words):
                create_extension(extension, "a test")
            assert not conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = %s", (extension,)).scalar()
    finally:
        engine.dispose()
