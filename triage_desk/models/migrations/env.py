"""Alembic environment: always run programmatically with a live connection (see triage_desk/db.py)."""

from alembic import context

from triage_desk.models import Base
from triage_desk.models.fts import include_object

connection = context.config.attributes["connection"]
context.configure(
    connection=connection, target_metadata=Base.metadata, render_as_batch=True, include_object=include_object
)
with context.begin_transaction():
    context.run_migrations()
