"""The order rows were added, where a list shows rows of the same time (to the second) in that order.

SQLite has it as rowid; PostgreSQL has no rowid and returns ties in no particular order, so on the server
these tables carry an identity column (migration 0016)."""

from __future__ import annotations

from sqlalchemy import literal_column

ENTRY_ORDER_TABLES = ("agency_check", "sharing_decision")


def entry_order(session, table: str):
    """An ORDER BY term: `table`'s rows in the order they were added, on either store."""
    if table not in ENTRY_ORDER_TABLES:
        raise ValueError(f"{table} has no entry order column on the server")
    return literal_column(f"{table}.{'rowid' if session.get_bind().dialect.name == 'sqlite' else 'entry_order'}")
