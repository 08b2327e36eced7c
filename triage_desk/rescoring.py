"""Re-assess every stored referral with a catalogue and rules (the shipped ones, or a council's edited
draft): whose suggested level would change? A practice lead runs this before adopting a new threshold
document, and after one is adopted. It only reads: nothing but the run's audit record is written.

This process reads (SQLCipher decrypts and SQLite walks the pages: the one part that needs the key), in
one read transaction, so every referral is seen as of one moment. Parsing and scoring (rescore_levels.py)
go to worker processes, one per spare core (none when the machine is already busy: `spare_cores`), as
chunks of document text over a pipe; small lists of levels come back. While the workers are busy or
still starting, this process scores the chunk it has just read itself instead of waiting, so every core
stays busy from the first row. Chunks in flight are bounded, so memory stays flat however large the
database is; results come back in storage order.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import NamedTuple

from sqlalchemy import text

from triage_desk.forms.catalogue import load_pair
from triage_desk.rescore_levels import LevelScorer, init_worker, score_in_worker

CHUNK = 1000
AHEAD = 2  # chunks queued per worker before this process scores one itself
SCORED_AHEAD = 8  # chunks this process may have scored beyond the queued ones before it waits for the oldest


class Rescored(NamedTuple):
    referral_id: str
    reference: str
    stored_level: int | None  # the suggested level saved with the referral
    level: int | None  # what the catalogue and rules give now (None when the document cannot be scored)
    error: str | None  # why it cannot be scored (names the JSON path, never a value)

    @property
    def changed(self) -> bool:
        return self.error is None and self.level != self.stored_level


def stored_count(ws) -> int:
    """How many referrals a rescore will read (for its progress: "40,000 of 1,000,000")."""
    with ws.session() as s:
        return s.execute(text("SELECT count(*) FROM referral WHERE status != 'draft'")).scalar_one()


def rescore_stored(ws, *, catalogue_path: str | None = None, rules_path: str | None = None,
                   workers: int | None = None, limit: int | None = None,
                   score_here: bool = True) -> Iterator[Rescored]:
    """Every submitted referral re-assessed, in storage order. `workers`: processes scoring beside this one
    (default: one per spare core, `spare_cores()`; 0: all in this process). `score_here=False`: every
    chunk goes to a worker (at least one), none is scored in this process: the app's GUI thread shares
    this process's interpreter lock, and a scoring thread beside it would make every screen wait its turn.

    Front-door staff only (it reads every case); the run is audited before anything is read."""
    from triage_desk import accounts, audit
    from triage_desk.intake import CASE_ROLES

    accounts.require(ws.user, *CASE_ROLES)
    scorer = LevelScorer(*load_pair(catalogue_path, rules_path))  # a bad file is refused here, naming it
    with ws.session() as s:
        audit.record(s, ws.actor, "referral.rescore", "referral", None, catalogue=catalogue_path, rules=rules_path)
    workers = spare_cores() if workers is None else workers
    return _rescore(ws, scorer if score_here else None, (catalogue_path, rules_path),
                    workers if score_here else max(workers, 1), limit)


def _chunks(ws, limit: int | None) -> Iterator[list[tuple]]:
    order = "rowid" if ws.engine.dialect.name == "sqlite" else "id"  # the server has no rowid; its key serves
    sql = (f"SELECT id, reference, suggested_level, document FROM referral WHERE status != 'draft' ORDER BY {order}"
           + (" LIMIT :n" if limit is not None else ""))
    with ws.session() as s:
        result = s.execute(text(sql), {"n": limit} if limit is not None else {})
        while rows := result.fetchmany(CHUNK):
            yield rows


def _results(rows: list, scored: list[int | str]) -> Iterator[Rescored]:
    for (rid, reference, stored, _), result in zip(rows, scored, strict=True):
        if type(result) is int:
            yield Rescored(rid, reference, stored, result, None)
        else:
            yield Rescored(rid, reference, stored, None, result)


def _rescore(ws, scorer: LevelScorer | None, files: tuple, workers: int, limit: int | None) -> Iterator[Rescored]:
    if workers <= 0:
        for rows in _chunks(ws, limit):
            yield from _results(rows, scorer.score([r[3] for r in rows]))
        return
    # Never plain fork: the caller may be the GUI, with Qt and SQLCipher threads whose locks a child would copy.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=init_worker,
                               initargs=files)
    try:
        yield from _spread(ws, limit, scorer, pool, workers)
    finally:  # also when the caller stops early (the app's dialog closed): drop what is queued
        pool.shutdown(wait=True, cancel_futures=True)


def _spread(ws, limit, scorer: LevelScorer | None, pool: ProcessPoolExecutor, workers: int) -> Iterator[Rescored]:
    """`scorer` None: every chunk goes to the workers, and reading waits for them."""
    pending: deque[tuple[list, Future | list]] = deque()  # chunks in storage order: queued, or scored here
    queued, most = 0, AHEAD * workers + (SCORED_AHEAD if scorer else 0)
    for rows in _chunks(ws, limit):
        documents = [r[3] for r in rows]
        if scorer is not None and queued >= AHEAD * workers:
            pending.append((rows, scorer.score(documents)))  # the workers are busy: score this one here
        else:
            pending.append((rows, pool.submit(score_in_worker, documents)))
            queued += 1
        while pending and (len(pending) >= most or _ready(pending[0][1])):
            rows, job = pending.popleft()
            if isinstance(job, Future):
                job, queued = job.result(), queued - 1
            yield from _results(rows, job)
    for rows, job in pending:
        yield from _results(rows, job.result() if isinstance(job, Future) else job)


def spare_cores() -> int:
    """Cores a worker would have to itself: the usable ones but this process's, less what the rest of the
    machine keeps busy (the 1-minute load average, as `make -l` judges it, less this process's own share).
    On a busy machine a worker only takes its time from this process (Linux schedules a session's
    processes as one group) and adds the cost of the pipe: scoring here is then faster."""
    affinity = getattr(os, "sched_getaffinity", None)  # the cores this process may use (Linux)
    cores = len(affinity(0)) if affinity else os.cpu_count() or 1
    try:
        others = max(os.getloadavg()[0] - 1, 0.0)
    except (AttributeError, OSError):  # no load average (Windows): assume the cores are free
        others = 0.0
    return max(0, min(cores - 1, round(cores - 1 - others)))


def _ready(job: Future | list) -> bool:
    return not isinstance(job, Future) or job.done()
