"""A bulk load into SQLite (demo_load): what the store keeps row by row is built once, at the end.

Profiled at 200k referrals, the writer spent two thirds of its insert time in triggers (FTS5 flushes its
pending terms at every statement savepoint, so each row became a segment to merge; measure_row's trigger
runs five statements per referral) and the rest of its time building indexes, where ~70 % went on reading
and decrypting the referral table once per index (a ~1.4 KB document in every row: two rows a page).
So, for a load of at least as many referrals as are stored:
- the secondary indexes of the loaded tables are dropped and created once at the end (one sort each);
and for a fresh database (no referrals yet: a new demo):
- the insert triggers listed below are dropped; afterwards the same derived rows are written by set-based
  statements: FTS5 'rebuild' (one pass over the external-content table) and measure_row.backfill_sql
  (what migration 0012 fills the summary with) and fts.NAME_WORD_FILL (the case list's name-word table,
  from the rebuilt FTS vocabulary, as migration 0017 fills it). They are created again whatever happened
  to the load;
- referral rows are written without their document, which waits in a staging file beside the database
  (encrypted with a throwaway key, deleted at the end); the indexes are built over the narrow rows and the
  documents are then copied in, in row order, by one statement;
- there is no rollback journal on disk (journal_mode MEMORY, synchronous OFF); the database is switched
  back to WAL at the end. A crash or power cut during such a load can leave the file damaged or without
  its documents: delete the demo data directory and run the demo again.
A load into a database that holds referrals keeps WAL, its triggers and inline documents (crash-safe).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from triage_desk.models import fts
from triage_desk.models.measure_row import backfill_sql

DEFERRED_TABLES = ("referral", "person", "referral_subject", "deadline")
# Triggers suspended during a fresh load: FTS5 insert triggers (trigger -> external-content table)...
FTS_TRIGGERS = {"person_fts_ai": "person_fts", "referral_fts_ai": "referral_fts"}
# ...and the summary's (the update one: documents are copied in after the rows); every other trigger stays.
MEASURE_TRIGGERS = ("measure_row_referral_ai", "measure_row_referral_au", "measure_row_deadline_ai")
# ...and the case list's name-word table (it splits every subject name through an FTS5 table per row).
WORD_TRIGGER = "referral_word_ai"
# Each part of the summary (by its first column) reads these tables; a referral with no row in them keeps the
# values the summary INSERT gives (no decision, no deadline, no casework), which is what that part would write.
SUMMARY_SOURCES = {"decision_id": ("decision",), "dec_met": ("deadline",),
                   "assessment": ("case_event", "strategy_discussion", "dispute")}
# Indexes the triggers kept during a load into a database with referrals look rows up by (measure_row's look
# up a case's deadlines): dropped, every deadline written would scan the whole deadline table.
TRIGGER_INDEXES = ("ix_deadline_referral",)
CACHE_KIB = 262_144
COMMIT_EVERY = 200_000  # the load's page cache (this connection only)
DOCUMENT = 17  # position of `document` in a referral row (demo_load._INSERT_REFERRAL)
_STAGE = "demo_stage"


class BulkLoad:
    """`with BulkLoad(raw, insert_referral, fresh=...) as bulk:` write rows through `raw` (referrals with
    `bulk.referrals`); on leaving, indexes, documents, FTS indexes and measure_row are complete and the
    triggers and journal mode are restored. `phases` holds (wall, CPU) seconds of each finishing step."""

    def __init__(self, raw, insert_referral: str, *, fresh: bool):
        self.raw, self.fresh = raw, fresh
        self.insert_referral = insert_referral.replace("(id,", "(rowid, id,", 1).replace("VALUES (", "VALUES (?,", 1)
        self.indexes: list[tuple[str, str]] = []
        self.triggers: list[tuple[str, str]] = []
        self.stage: Path | None = None
        self.first = self.next = 0  # the first rowid of this load's referrals, and the next one
        self.phases: dict[str, tuple[float, float]] = {}
        # referrals per transaction: every commit writes each dirty page of the uuid-keyed primary-key
        # indexes, which a batch touches all over, so fewer commits write those pages fewer times
        self.commit_every = COMMIT_EVERY if fresh else 1

    def __enter__(self) -> BulkLoad:
        cur = self.raw.cursor()
        cur.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        self.indexes = [(n, sql) for n, sql in _named(cur, "index", DEFERRED_TABLES)
                        if self.fresh or n not in TRIGGER_INDEXES]
        if self.fresh:
            self.raw.commit()
            # Leaving WAL needs no other connection open; if one is, the load simply stays in WAL.
            cur.execute("PRAGMA journal_mode = MEMORY")
            cur.execute("PRAGMA synchronous = OFF")
            names = (*FTS_TRIGGERS, *MEASURE_TRIGGERS, WORD_TRIGGER)
            self.triggers = [(n, sql) for n, sql in _named(cur, "trigger", DEFERRED_TABLES) if n in names]
            self._attach_stage(cur)
        for name, _ in self.indexes:
            cur.execute(f'DROP INDEX "{name}"')
        for name, _ in self.triggers:
            cur.execute(f'DROP TRIGGER "{name}"')
        self.raw.commit()
        return self

    def _attach_stage(self, cur) -> None:
        main = Path(next(row[2] for row in cur.execute("PRAGMA database_list") if row[1] == "main"))
        self.stage = main.with_name(f".{main.name}-demo-stage-{os.getpid()}")
        self.stage.unlink(missing_ok=True)
        cur.execute(f"ATTACH DATABASE ? AS {_STAGE} KEY \"x'{os.urandom(32).hex()}'\"", (str(self.stage),))
        cur.execute(f"PRAGMA {_STAGE}.journal_mode = MEMORY")
        cur.execute(f"PRAGMA {_STAGE}.synchronous = OFF")
        cur.execute(f"CREATE TABLE {_STAGE}.doc (rid INTEGER PRIMARY KEY, document TEXT NOT NULL)")
        self.first = self.next = cur.execute("SELECT coalesce(max(rowid), 0) + 1 FROM referral").fetchone()[0]

    def referrals(self, cur, rows: list[tuple]) -> None:
        """Insert referral rows; on a fresh load their documents wait in the staging file."""
        if self.stage is None:
            cur.executemany(self.insert_referral, [(None, *row) for row in rows])
            return
        first, self.next = self.next, self.next + len(rows)
        cur.executemany(self.insert_referral, [(first + k, *row[:DOCUMENT], "", *row[DOCUMENT + 1:])
                                               for k, row in enumerate(rows)])
        cur.executemany(f"INSERT INTO {_STAGE}.doc (rid, document) VALUES (?, ?)",
                        [(first + k, row[DOCUMENT]) for k, row in enumerate(rows)])

    def __exit__(self, *_exc) -> None:
        """Whatever happened to the load: every index, document, derived row and trigger is back."""
        self.raw.rollback()  # an unfinished batch (a failed load) is not kept
        cur = self.raw.cursor()
        suspended = {name for name, _ in self.triggers}
        with self._phase("fts"):
            for trigger, table in FTS_TRIGGERS.items():
                if trigger in suspended:
                    cur.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
        with self._phase("indexes"):
            for _name, sql in self.indexes:
                cur.execute(sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1)
                            .replace("CREATE UNIQUE INDEX", "CREATE UNIQUE INDEX IF NOT EXISTS", 1))
                self.raw.commit()
        if WORD_TRIGGER in suspended:
            with self._phase("name words"):  # from the rebuilt FTS vocabulary and the new indexes
                lookups = (fts.WORD_ROWS, fts.WORD_IDS)  # built once after the fill, not entry by entry
                for statement in (*(f"DROP INDEX IF EXISTS {name}" for name in lookups), *fts.NAME_WORD_FILL,
                                  *fts.WORD_LOOKUP_DDL):
                    cur.execute(statement)
        if self.stage is not None:
            with self._phase("documents"):
                self._documents_in(cur)
        with self._phase("measure_row"):
            if suspended & set(MEASURE_TRIGGERS):
                for statement in _backfill():
                    cur.execute(statement)
            for _name, sql in self.triggers:
                cur.execute(sql)
        if self.fresh:
            cur.execute("PRAGMA journal_mode = WAL")

    def _documents_in(self, cur) -> None:
        try:
            cur.execute(f"UPDATE referral SET document = (SELECT s.document FROM {_STAGE}.doc s WHERE s.rid = "
                        f"referral.rowid) WHERE rowid >= ? AND rowid < ?", (self.first, self.next))
            self.raw.commit()
            cur.execute(f"DETACH DATABASE {_STAGE}")
        finally:
            self.stage.unlink(missing_ok=True)

    def _phase(self, name: str):
        return _Timed(self.phases, name, self.raw)


class _Timed:
    """Records a finishing step's wall and CPU seconds, and commits it."""

    def __init__(self, into: dict, name: str, raw):
        self.into, self.name, self.raw = into, name, raw

    def __enter__(self) -> None:
        self.t, self.c = time.perf_counter(), time.process_time()

    def __exit__(self, exc_type, *_exc) -> None:
        if exc_type is None:
            self.raw.commit()
        self.into[self.name] = (time.perf_counter() - self.t, time.process_time() - self.c)


def _backfill() -> list[str]:
    """measure_row.backfill_sql, each per-part update limited to the referrals that have rows it reads."""
    def having(sql: str) -> str:
        tables = SUMMARY_SOURCES[sql.split("SET (", 1)[1].split(",", 1)[0]]
        return " UNION ".join(f"SELECT referral_id FROM {table}" for table in tables)

    return [f"{sql} AND referral_id IN ({having(sql)})" if sql.startswith("UPDATE") else sql for sql in backfill_sql()]


def _named(cur, kind: str, tables: tuple[str, ...]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the named indexes or triggers on `tables` (not constraint indexes)."""
    marks = ",".join("?" * len(tables))
    return cur.execute(f"SELECT name, sql FROM sqlite_master WHERE type = ? AND sql IS NOT NULL "
                       f"AND tbl_name IN ({marks}) ORDER BY name", (kind, *tables)).fetchall()
