"""Re-assess every stored referral with a catalogue and rules (the shipped ones, or a council's edited
draft): whose suggested level would change? A practice lead runs this before adopting a new threshold
document, and after one is adopted.

Reading is SQLCipher work in this process; parsing and scoring are pure Python, so they are spread over
worker processes (chunks of document text go out, small tuples come back; at most two chunks per worker
are in flight, so memory stays flat however large the database is).
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import NamedTuple

from sqlalchemy import text

CHUNK = 2000


class Rescored(NamedTuple):
    referral_id: str
    reference: str
    stored_level: int | None  # the suggested level saved with the referral
    level: int | None  # what the catalogue and rules give now (None when the document cannot be scored)
    error: str | None  # why it cannot be scored (names the JSON path, never a value)

    @property
    def changed(self) -> bool:
        return self.error is None and self.level != self.stored_level


_CONTEXT = None


def _init_worker(catalogue_path: str | None, rules_path: str | None) -> None:
    global _CONTEXT
    from triage_desk.forms.threshold import default_context, load_context

    _CONTEXT = load_context(catalogue_path, rules_path) if (catalogue_path or rules_path) else default_context()


def _score_chunk(rows: list[tuple]) -> list[Rescored]:
    # Only the suggested level is compared: facts and the engine, not routing or the JSON result
    # (which were half of the time per referral).
    from triage_desk.errors import InputError
    from triage_desk.forms.engine import assess
    from triage_desk.forms.facts import to_facts

    cat, rules = _CONTEXT.catalogue, _CONTEXT.rules
    out = []
    for rid, reference, stored, document in rows:
        try:
            doc = json.loads(document)
        except ValueError:
            out.append(Rescored(rid, reference, stored, None, "document: not valid JSON"))
            continue
        try:
            level = assess(to_facts(doc, cat, rules, None), cat, rules).suggested_level
        except InputError as exc:
            out.append(Rescored(rid, reference, stored, None, str(exc)))
            continue
        out.append(Rescored(rid, reference, stored, level, None))
    return out


def _chunks(ws, limit: int | None) -> Iterator[list[tuple]]:
    order = "rowid" if ws.engine.dialect.name == "sqlite" else "id"  # the server has no rowid; its key serves
    sql = (f"SELECT id, reference, suggested_level, document FROM referral WHERE status != 'draft' ORDER BY {order}"
           + (" LIMIT :n" if limit is not None else ""))
    with ws.session() as s:
        result = s.execute(text(sql), {"n": limit} if limit is not None else {})
        while rows := result.fetchmany(CHUNK):
            yield [tuple(r) for r in rows]


def stored_count(ws) -> int:
    """How many referrals a rescore will read (for its progress: "40,000 of 1,000,000")."""
    with ws.session() as s:
        return s.execute(text("SELECT count(*) FROM referral WHERE status != 'draft'")).scalar_one()


def rescore_stored(ws, *, catalogue_path: str | None = None, rules_path: str | None = None,
                   workers: int | None = None, limit: int | None = None) -> Iterator[Rescored]:
    """Every submitted referral re-assessed, in storage order. `workers=0` scores in this process.

    Front-door staff only (it reads every case); the run is audited before anything is read."""
    from triage_desk import accounts, audit
    from triage_desk.forms.threshold import load_context
    from triage_desk.intake import CASE_ROLES

    accounts.require(ws.user, *CASE_ROLES)
    if catalogue_path or rules_path:
        load_context(catalogue_path, rules_path)  # a bad file is refused here, naming it, not in a worker
    with ws.session() as s:
        audit.record(s, ws.actor, "referral.rescore", "referral", None, catalogue=catalogue_path, rules=rules_path)
    return _rescore(ws, catalogue_path, rules_path, workers, limit)


def _rescore(ws, catalogue_path, rules_path, workers, limit) -> Iterator[Rescored]:
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers <= 0:
        _init_worker(catalogue_path, rules_path)
        for rows in _chunks(ws, limit):
            yield from _score_chunk(rows)
        return
    # Never plain fork: the caller may be the GUI, with Qt and SQLCipher threads whose locks a child would copy.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                             initargs=(catalogue_path, rules_path)) as pool:
        pending = []
        for rows in _chunks(ws, limit):
            pending.append(pool.submit(_score_chunk, rows))
            if len(pending) >= 2 * workers:
                yield from pending.pop(0).result()
        for future in pending:
            yield from future.result()
