"""Writing a large synthetic demo fast (demo.bulk_generate): generation in worker processes, one writer.

A million referrals are ~10 minutes of pure-Python generation on one core, and writing them into two dozen
indexes that outgrow the page cache was slower still. So: the demo's time span is cut into one slice per
core, each generated in a worker process (forkserver, never plain fork: the caller may be the GUI); this
process only writes, with `executemany` in large transactions; and for a bulk load the secondary indexes
are dropped first and built once at the end (one sort per index instead of a million random inserts).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing.connection import wait

PARALLEL_FROM = 50_000  # below this a worker process costs more than it saves
MAX_WORKERS = 4
DEFER_INDEXES_FROM = 50_000  # from this many (and at least as many as stored): a bulk load (demo_bulk)

_INSERT_PERSON = ("INSERT INTO person (id, surname, forenames, dob, nhs_number, postcode, surname_key, "
                  "surname_soundex, forename_key, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)")
_INSERT_REFERRAL = ("INSERT INTO referral (id, reference, status, variant, received_at, subject_name, subject_sort, "
                    "referrer_agency, referral_source, urgent, rag, decision_due, suggested_level, final_level, "
                    "re_referrals_12m, form_id, form_version, document, wizard_step, created_by, created_at, "
                    "updated_at, next_due, next_due_kind) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
_INSERT_LINK = ("INSERT INTO referral_subject (referral_id, person_id, subject_id, state, decided_by, decided_at) "
                "VALUES (?,?,?,?,?,?)")
_INSERT_DEADLINE = ("INSERT INTO deadline (referral_id, kind, started_at, due_at, state, closed_at, closed_by, reason) "
                    "VALUES (?,?,?,?,?,?,?,?)")


def workers(n: int) -> int:
    """How many slices (worker processes) a demo of `n` referrals is generated in."""
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS)) if n >= PARALLEL_FROM else 1


def load(ws, generate: Callable, slices: list, counters: dict, batch: int, progress: Callable | None, *,
         defer_indexes: bool, fresh: bool = False) -> dict:
    """Generate every slice with `generate(slice, counters, batch, totals, context)` (a module-level
    function: worker processes import it by name) and write it; returns {"people", "links"} totals.
    `defer_indexes`: a bulk load (demo_bulk); `fresh`: the database holds no referrals yet."""
    from triage_desk.demo_bulk import BulkLoad

    totals = {"people": 0, "links": 0, "generator_cpu": 0.0}  # generator_cpu: worker processes' CPU seconds
    n, done = sum(sl.count for sl in slices), 0
    source = _in_thread(generate, slices[0], counters, batch, totals) if len(slices) == 1 else \
        _in_processes(generate, slices, counters, batch, totals)
    sqlite = ws.engine.dialect.name == "sqlite"
    if sqlite and defer_indexes:
        ws.engine.dispose()  # pooled idle connections would keep a fresh load in WAL mode
    raw = ws.engine.raw_connection()
    raw.detach()  # this connection's load settings end with it, never reach the pool
    bulk = BulkLoad(raw, _INSERT_REFERRAL, fresh=fresh) if sqlite and defer_indexes else contextlib.nullcontext()
    try:
        with bulk:
            cur = raw.cursor()
            every = getattr(bulk, "commit_every", 1)
            for count, *rows in source:
                _write(cur, sqlite, rows, bulk)
                if (done + count) // every > done // every or done + count == n:
                    raw.commit()
                done += count
                if progress:
                    progress(done, n)
    finally:
        source.close()  # stops the producers if a write failed
        raw.close()
    if isinstance(bulk, BulkLoad):
        totals["phases"] = bulk.phases
    return totals


def _write(cur, sqlite: bool, batch: list, bulk) -> None:
    for sql, rows in zip((_INSERT_PERSON, _INSERT_REFERRAL, _INSERT_LINK, _INSERT_DEADLINE), batch, strict=True):
        if sql is _INSERT_REFERRAL and hasattr(bulk, "referrals"):
            bulk.referrals(cur, rows)
        elif sqlite:
            cur.executemany(sql, rows)
        else:
            _copy(cur, sql, rows)


def _copy(cur, insert: str, rows: list[tuple]) -> None:
    """On the team server: the same rows through COPY (several times faster than INSERTs one by one)."""
    with cur.copy(insert[:insert.index(" VALUES")].replace("INSERT INTO", "COPY", 1) + " FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _in_thread(generate: Callable, sl, counters: dict, batch: int, totals: dict) -> Iterator[tuple]:
    """Small demos: a producer thread builds the next batch while this one is written (SQLite releases
    the GIL)."""
    from triage_desk.forms import threshold

    batches: queue.Queue = queue.Queue(maxsize=2)
    failure: list[BaseException] = []
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in generate(sl, counters, batch, totals, threshold.default_context()):
                if stop.is_set():
                    return
                batches.put(item)
        except BaseException as exc:  # reported on the writing thread
            failure.append(exc)
        finally:
            batches.put(None)

    producer = threading.Thread(target=produce, name="demo-generate", daemon=True)
    producer.start()
    item = ()
    try:
        while (item := batches.get()) is not None:
            yield item
    finally:
        stop.set()
        while item is not None:  # let the producer finish its put and end
            item = batches.get()
    if failure:
        raise failure[0]


def _slice_worker(conn, generate: Callable, sl, counters: dict, batch: int) -> None:
    from triage_desk.forms import threshold

    totals = {"people": 0, "links": 0}
    gc.disable()  # nothing generated holds a reference cycle; the collector cost ~8 % of the worker's time
    try:
        for item in generate(sl, counters, batch, totals, threshold.default_context()):
            conn.send(("rows", item))
        conn.send(("done", dict(totals, generator_cpu=time.process_time())))
    except BaseException as exc:  # the writer raises it
        conn.send(("error", exc))
    finally:
        conn.close()


def _in_processes(generate: Callable, slices: list, counters: dict, batch: int, totals: dict) -> Iterator[tuple]:
    """One worker process per slice; batches are written as they arrive, whichever slice they are from."""
    context = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods()
                                          else "spawn")
    running, live = [], []
    try:
        for sl in slices:
            start = dict(counters)
            for year, count in sl.year_counts_before().items():
                start[year] = start.get(year, 0) + count
            parent, child = context.Pipe(duplex=False)
            proc = context.Process(target=_slice_worker, args=(child, generate, sl, start, batch), daemon=True)
            proc.start()
            child.close()
            running.append(proc)
            live.append(parent)
        while live:
            for conn in wait(live):
                kind, payload = conn.recv()
                if kind == "rows":
                    yield payload
                    continue
                live.remove(conn)
                if kind == "error":
                    raise payload
                for key in totals:
                    totals[key] += payload[key]
    finally:
        for proc in running:
            if proc.is_alive():
                proc.terminate()
            proc.join()
