"""Many writers on the team server (issue 15 point 8), against a real PostgreSQL.

pg_concurrent_writers  8 processes (6 officers, 2 practice leads), each on its own connection as the
                       application role, for TRIAGE_DESK_BENCH_SECONDS (default 60 s): submit a new referral
                       and decide it, then re-decide one of 4 cases every writer contends for (holding the
                       version it read, as a screen does). Figure: wall ms per referral submitted and decided
                       across all writers; floor: the same rows (referral, decision, audit event under the
                       same advisory lock) inserted by hand-written SQL from 8 processes, in the same run.
                       Afterwards: zero lost updates (every case's revision equals its decisions, every
                       reported decision is stored) and the audit chain intact, or the bench fails.
pg_feed_latency        how long a change committed on one workstation takes to reach another's change feed
                       (changefeed.Listener), median of 30; floor: a bare NOTIFY/LISTEN round trip by
                       psycopg on the same server. Goal: under 1 s (issue 15 point 5).

The server: TRIAGE_DESK_TEST_PG (a superuser URL, as .ci/run exports), else a throwaway cluster started
with .ci/pg-server in a temporary folder and stopped afterwards.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from _harness import Figure

ROOT = Path(__file__).resolve().parent.parent
WRITERS, LEADS, SHARED = 8, 2, 4
PASSWORD = "bench-password-1"
sys.path.insert(0, str(ROOT / "tests"))  # the team-server test set-up (pg_fixtures) and synthetic documents


def _seconds() -> float:
    return float(os.environ.get("TRIAGE_DESK_BENCH_SECONDS", "60"))


@lru_cache(maxsize=1)
def _server():
    """(PgServer, stop) for the whole run."""
    from pg_fixtures import PG_ENV, PgServer

    url, folder = os.environ.get(PG_ENV), None
    if not url:
        folder = tempfile.mkdtemp(prefix="triage-bench-pg-")
        os.rmdir(folder)
        url = subprocess.run([str(ROOT / ".ci" / "pg-server"), "start", folder], check=True, capture_output=True,
                             text=True).stdout.strip()
        print(f"note: started a throwaway PostgreSQL server in {folder}", flush=True)
    srv = PgServer(url)
    srv.build_template()

    def stop() -> None:
        srv.admin.close()
        if folder:
            subprocess.run([str(ROOT / ".ci" / "pg-server"), "stop", folder], check=False)

    import atexit

    atexit.register(stop)
    return srv


def _database() -> tuple[str, str]:
    """A fresh migrated database with the users: (the application role's URL, a data folder)."""
    import keyring
    from keyring.backends import null
    from pg_fixtures import APP, OWNER, OWNER_PASSWORD

    from triage_desk import accounts, server, server_setup
    from triage_desk.models import Role

    keyring.set_keyring(null.Keyring())
    srv = _server()
    name = srv.create_database()
    folder = Path(tempfile.mkdtemp(prefix="triage-bench-writers-"))
    ws, _ = server_setup.init_server(folder / "admin", server.Profile(srv.socket_url(OWNER, name)),
                                     owner_password=OWNER_PASSWORD, app_role=APP, admin_username="bench",
                                     admin_display_name="Bench Admin", admin_password=PASSWORD)
    with ws.session() as s:
        if ws.user is None:  # the test template already holds its admin (tests/pg_fixtures.py _seed)
            from conftest import ADMIN_PASSWORD

            ws.user = accounts.authenticate(s, "admin", ADMIN_PASSWORD)
        for n in range(WRITERS):
            role = Role.LEAD if n < LEADS else Role.OFFICER
            accounts.create_user(s, ws.user, f"writer{n}", f"Bench Writer {n}", role, PASSWORD)
    ws.close()
    return srv.socket_url(APP, name), str(folder)


@contextmanager
def _signed_in(url: str, folder: str, username: str):
    from pg_fixtures import APP_PASSWORD

    from triage_desk import accounts, server
    from triage_desk.workspace import open_server

    ws = open_server(Path(folder) / username, server.Profile(url), password=APP_PASSWORD)
    with ws.session() as s:
        ws.user = accounts.authenticate(s, username, PASSWORD)
    try:
        yield ws
    finally:
        ws.close()


def _new_case(ws, n: int) -> dict:
    from intake_helpers import complete, subject

    from triage_desk import intake

    doc = complete(intake.new_draft(ws), subject(surname=f"Benchwriter{n}"), received_at="2026-11-20T10:00")
    return intake.submit(ws, doc)


def _accept(doc: dict):
    from triage_desk import decisions
    from triage_desk.forms.threshold import evaluate

    engine = evaluate(doc)
    return engine, decisions.Proposal(engine["suggested_level"], tuple(engine["outcomes"]))


def _writer(url: str, folder: str, n: int, shared: list[dict], clock: _Clock, out) -> None:
    import keyring
    from keyring.backends import null

    from triage_desk import decisions, intake
    from triage_desk.concurrency import Conflict

    keyring.set_keyring(null.Keyring())
    done = decided = conflicts = 0
    with _signed_in(url, folder, f"writer{n}") as ws:
        end = clock.wait()
        i = 0
        while time.time() < end:
            doc = _new_case(ws, i)
            engine, proposal = _accept(doc)
            decisions.decide(ws, doc["id"], engine, proposal, expected_version=intake.version_of(ws, doc["id"]))
            done += 1
            case = shared[(n + i) % len(shared)]
            engine, proposal = _accept(case)
            try:
                decisions.decide(ws, case["id"], engine, proposal, expected_version=intake.version_of(ws, case["id"]))
                decided += 1
            except Conflict:
                conflicts += 1
            i += 1
    out.put((done, decided, conflicts))


class _Clock:
    """Every writer imported and signed in before the clock starts (spawned processes start slowly)."""

    def __init__(self, ctx, seconds: float):
        self.ready, self.go, self.end, self.seconds = ctx.Queue(), ctx.Event(), ctx.Value("d", 0.0), seconds

    def wait(self) -> float:
        self.ready.put(1)
        self.go.wait()
        return self.end.value

    def start(self, writers: int) -> None:
        for _ in range(writers):
            self.ready.get(timeout=600)
        self.end.value = time.time() + self.seconds
        self.go.set()


def _run(target, args_for, seconds: float) -> list:
    ctx = multiprocessing.get_context("spawn")
    out, clock = ctx.Queue(), _Clock(ctx, seconds)
    procs = [ctx.Process(target=target, args=(*args_for(n), clock, out)) for n in range(WRITERS)]
    for p in procs:
        p.start()
    clock.start(WRITERS)
    results = [out.get(timeout=seconds + 300) for _ in procs]
    for p in procs:
        p.join()
    return results


def _check(url: str, folder: str, shared: list[dict], results: list) -> tuple[int, int]:
    """Lost updates (must be 0) and audit events, read afterwards on a fresh connection."""
    from sqlalchemy import func, select

    from triage_desk import audit
    from triage_desk.models import Decision, Referral

    with _signed_in(url, folder, "writer0") as ws, ws.session() as s:
        counts = dict(s.execute(select(Decision.referral_id, func.count()).group_by(Decision.referral_id)).all())
        revisions = dict(s.execute(select(Referral.id, Referral.revision).where(Referral.status != "draft")).all())
        report = audit.walk(s)
    lost = sum(abs(revisions[rid] - counts.get(rid, 0)) for rid in revisions)
    expected = sum(r[0] + r[1] for r in results) + len(shared)
    lost += abs(expected - sum(counts.values()))
    if lost or not report.intact:
        raise RuntimeError(f"pg_concurrent_writers: {lost} lost update(s); audit chain "
                           f"{'intact' if report.intact else 'BROKEN: ' + str(report.problem)}")
    return lost, report.events


def _floor_writer(url: str, _folder: str, n: int, _shared, clock: _Clock, out) -> None:
    """The same rows by hand: one transaction per referral inserting it, its decision and an audit event
    linked to the chain head under the same advisory lock."""
    import hashlib
    import uuid

    import psycopg
    from pg_fixtures import APP_PASSWORD

    from triage_desk.audit import APPEND_LOCK

    done = 0
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), password=APP_PASSWORD) as conn:
        end = clock.wait()
        while time.time() < end:
            rid = str(uuid.uuid4())
            with conn.transaction():
                conn.execute("INSERT INTO referral (id, reference, status, variant, received_at, subject_name, "
                             "subject_sort, urgent, re_referrals_12m, document, created_at, updated_at, revision) "
                             "VALUES (%s, %s, 'decided', 'child', now(), 'X', 'x', false, 0, '{}', now(), now(), 1)",
                             (rid, f"FL-{n}-{done}"))
                conn.execute("INSERT INTO decision (referral_id, engine_json, engine_level, engine_outcomes, "
                             "final_level, final_outcomes, direction, overridden, requires, decided_by, decided_role, "
                             "decided_at, approval, superseded, revision) VALUES (%s, '{}', 2, '[]', 2, '[]', "
                             "'same', false, '[]', 'floor', 'officer', now(), 'not_needed', false, 1)", (rid,))
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (APPEND_LOCK,))
                last = conn.execute("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1").fetchone()
                digest = hashlib.sha256((last[1] + rid).encode()).hexdigest()
                conn.execute("INSERT INTO audit_event (id, at, actor, action, target_type, target_id, detail, "
                             "prev_hash, hash) VALUES (%s, now(), 'floor', 'floor', 'referral', %s, '{}', %s, %s)",
                             (last[0] + 1, rid, last[1], digest))
            done += 1
    out.put((done, 0, 0))


def pg_concurrent_writers() -> Figure:
    seconds = _seconds()
    url, folder = _database()
    with _signed_in(url, folder, "writer2") as ws:
        shared = [_new_case(ws, 1000 + k) for k in range(SHARED)]
        for case in shared:
            from triage_desk import decisions

            decisions.decide(ws, case["id"], *_accept(case))
    results = _run(_writer, lambda n: (url, folder, n, shared), seconds)
    lost, events = _check(url, folder, shared, results)
    done = sum(r[0] for r in results)
    contended, conflicts = sum(r[1] for r in results), sum(r[2] for r in results)
    print(f"note: {WRITERS} writers, {seconds:.0f} s: {done} referrals submitted and decided ({done / seconds:.1f}/s), "
          f"{contended} contended re-decisions saved and {conflicts} refused as conflicts; lost updates {lost}; "
          f"audit chain intact ({events} events)", flush=True)
    floor_url, floor_folder = _database()
    floor_seconds = min(seconds, 20.0)
    floor_done = sum(r[0] for r in _run(_floor_writer, lambda n: (floor_url, floor_folder, n, None), floor_seconds))
    floor = 1000 * floor_seconds / max(floor_done, 1)
    return Figure("pg_concurrent_writers", 1000 * seconds / max(done, 1), "ms", floor,
                  "lost updates 0, audit chain intact (else the bench fails)")


def pg_feed_latency() -> Figure:
    import psycopg

    from triage_desk import changefeed, intake

    url, folder = _database()
    times = []
    with _signed_in(url, folder, "writer2") as writer, _signed_in(url, folder, "writer3") as reader:
        arrived = threading.Event()
        listener = changefeed.Listener(reader.engine, lambda _change: arrived.set())
        listener.start()
        listener.listening.wait(10)
        for _ in range(30):
            arrived.clear()
            t0 = time.perf_counter()
            intake.new_draft(writer)
            arrived.wait(10)
            times.append(time.perf_counter() - t0)
        listener.stop()
    from pg_fixtures import APP_PASSWORD

    floor = []
    with psycopg.connect(url, password=APP_PASSWORD, autocommit=True) as a, \
            psycopg.connect(url, password=APP_PASSWORD, autocommit=True) as b:
        b.execute("LISTEN bench_floor")
        for _ in range(30):
            t0 = time.perf_counter()
            a.execute("SELECT pg_notify('bench_floor', 'x')")
            next(b.notifies(timeout=10))
            floor.append(time.perf_counter() - t0)
    return Figure("pg_feed_latency", 1000 * statistics.median(times), "ms", 1000 * statistics.median(floor),
                  "value <= 1000 ms")


FIGURES = {"pg_concurrent_writers": pg_concurrent_writers, "pg_feed_latency": pg_feed_latency}
