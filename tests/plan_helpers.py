"""SQLite's query plans of the statements a piece of service code runs (tests that pin an index's use)."""

from __future__ import annotations


def query_plans(ws, run, keep=lambda statement: True, last: bool = False) -> list[list]:
    """EXPLAIN QUERY PLAN rows of each statement `run(session)` ran that `keep(statement)` accepts, in order
    (only the last of them with `last`)."""
    from sqlalchemy import event

    statements = []

    def capture(conn, cursor, statement, params, *args):
        statements.append((statement, params))

    event.listen(ws.engine, "before_cursor_execute", capture)
    try:
        with ws.session() as s:
            run(s)
            event.remove(ws.engine, "before_cursor_execute", capture)  # not the EXPLAINs themselves
            chosen = [(st, p) for st, p in statements if keep(st)]
            return [list(s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + st, p))
                    for st, p in (chosen[-1:] if last else chosen)]
    finally:
        if event.contains(ws.engine, "before_cursor_execute", capture):
            event.remove(ws.engine, "before_cursor_execute", capture)
