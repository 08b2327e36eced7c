"""A bulk load into SQLite (demo_load): what the store keeps row by row is built once, at the end.

Profiled at 200k referrals, the writer spent two thirds of its insert time in triggers (FTS5 flushes its
pending terms at every statement savepoint, so each row became a segment to merge; measure_row's trigger
runs five statements per referral) and most of the rest rebuilding indexes. So for the load:
- the secondary indexes of the loaded tables are dropped and created once at the end (one sort each);
- the insert triggers listed below are dropped, and afterwards the same derived rows are written by
  set-based statements: FTS5 'rebuild' (reads the external-content table, one pass) and
  measure_row.backfill_sql (what migration 0012 fills the summary with). The triggers are created again
  whatever happened to the load, so the store never stays without them;
- a database that holds no referrals yet (a fresh demo) is written without a rollback journal on disk
  (journal_mode MEMORY, synchronous OFF) and switched back to WAL at the end. A crash or power cut during
  such a load can leave the file damaged: delete the demo data directory and run the demo again.
  A load into a database with referrals keeps WAL.
"""

from __future__ import annotations

from triage_desk.models.measure_row import backfill_sql

DEFERRED_TABLES = ("referral", "person", "referral_subject", "deadline")
# AFTER INSERT triggers suspended during a bulk load: FTS5 triggers (trigger -> external-content table)...
FTS_TRIGGERS = {"person_fts_ai": "person_fts", "referral_fts_ai": "referral_fts"}
# ...and the summary's; every other trigger stays and fires row by row as usual.
MEASURE_TRIGGERS = ("measure_row_referral_ai", "measure_row_deadline_ai")
CACHE_KIB = 262_144  # the load's page cache (this connection only)


class BulkLoad:
    """`with BulkLoad(raw, fresh=...) as bulk:` write rows through `raw`; on leaving, the indexes, FTS
    indexes and measure_row are built and the triggers and journal mode restored."""

    def __init__(self, raw, *, fresh: bool):
        self.raw, self.fresh = raw, fresh
        self.indexes: list[tuple[str, str]] = []
        self.triggers: list[tuple[str, str]] = []

    def __enter__(self) -> BulkLoad:
        cur = self.raw.cursor()
        cur.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        if self.fresh:
            self.raw.commit()
            # Leaving WAL needs no other connection open; if one is, the load simply stays in WAL.
            cur.execute("PRAGMA journal_mode = MEMORY")
            cur.execute("PRAGMA synchronous = OFF")
        self.indexes = _named(cur, "index", DEFERRED_TABLES)
        names = (*FTS_TRIGGERS, *MEASURE_TRIGGERS)
        self.triggers = [(name, sql) for name, sql in _named(cur, "trigger", DEFERRED_TABLES) if name in names]
        for name, _ in self.indexes:
            cur.execute(f'DROP INDEX "{name}"')
        for name, _ in self.triggers:
            cur.execute(f'DROP TRIGGER "{name}"')
        self.raw.commit()
        return self

    def __exit__(self, *_exc) -> None:
        """Whatever happened to the load: every index, derived row and trigger is back."""
        self.raw.rollback()  # an unfinished batch (a failed load) is not kept
        cur = self.raw.cursor()
        suspended = {name for name, _ in self.triggers}
        for trigger, table in FTS_TRIGGERS.items():
            if trigger in suspended:
                cur.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
        self.raw.commit()
        for _name, sql in self.indexes:
            cur.execute(sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1)
                        .replace("CREATE UNIQUE INDEX", "CREATE UNIQUE INDEX IF NOT EXISTS", 1))
        self.raw.commit()
        if suspended & set(MEASURE_TRIGGERS):
            for statement in backfill_sql():
                cur.execute(statement)
        for _name, sql in self.triggers:
            cur.execute(sql)
        self.raw.commit()
        if self.fresh:
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")


def _named(cur, kind: str, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the named indexes or triggers on `tables` (not constraint indexes)."""
    marks = ",".join("?" * len(tables))
    return cur.execute(f"SELECT name, sql FROM sqlite_master WHERE type = ? AND sql IS NOT NULL "
                       f"AND tbl_name IN ({marks}) ORDER BY name", (kind, *tables)).fetchall()
