"""Alembic brings an empty database to a schema identical to the models."""

from __future__ import annotations

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import triage_desk.models as models
from triage_desk.db import make_engine, migrate
from triage_desk.models.fts import include_object


def test_empty_database_upgrades_to_the_models(tmp_path):
    engine = make_engine(tmp_path / "m.db", os.urandom(32))
    migrate(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, models.Base.metadata)
        tables = set(inspect(conn).get_table_names())
        fts = {"person_fts", "referral_fts"} & tables
        triggers = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert diff == [], diff
    assert {"user", "audit_event", "setting", "alembic_version"} <= tables
    assert fts == {"person_fts", "referral_fts"}  # FTS tables exist even though compare skips them
    assert {"audit_event_no_update", "audit_event_no_delete"} <= triggers
    migrate(engine)  # idempotent: a second open changes nothing
    engine.dispose()
