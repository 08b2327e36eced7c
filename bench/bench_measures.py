"""The measures service over a busy front door's history (tests/measures_history.py generator: decisions,
deadlines, assessments, strategy discussions, consent, disputes; cached encrypted workspaces).

measures_year    every figure and breakdown over one year of about 30,000 contacts (with the trend period),
                 as the dashboard and the report ask for them; goal <= 300 ms.
measures_all_1m  every figure over every contact of the shared 1M database (bench_caselist's, copied and
                 migrated here), on a worker thread with progress as the dashboard asks; goal <= 2 s. Prints
                 the CPU time too (the shared box's wall time is mostly waiting). Without that database it
                 falls back to a 100,000-contact history and says so.
Floors: the same aggregates hand-written as SQL over the same summary rows (one aggregate per period, one
grouped scan for the breakdowns, one for the weeks), in the same run; the per-contact SQL over the tables
themselves (the floor before the summary rows) is printed as a note.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from _harness import BENCH_PASSPHRASE, BENCH_PASSWORD, Figure, best_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

YEAR_N, ALL_N = 30_000, 100_000
NOW = datetime(2027, 1, 10, 9, 0)
# The floor: the same aggregates written by hand over the same summary table (models/measure_row.py), the
# best way: one aggregate per period, one grouped scan for the breakdowns, one for the weeks.
_DUE = ("{p}_met + {p}_missed + CASE WHEN {p}_open = 0 THEN 0 WHEN {p}_open_max < :now THEN {p}_open "
        "WHEN {p}_open_min >= :now THEN 0 ELSE (SELECT count(*) FROM deadline x WHERE x.referral_id = m.referral_id "
        "AND +x.kind = '{k}' AND +x.state = 'open' AND +x.due_at < :now) END")
_KINDS = (("dec", "decision"), ("rag", "rag"), ("chk", "agency_check"), ("sd", "strategy_discussion"),
          ("fb", "referrer_feedback"))
HAND_TOTALS = ("SELECT count(*), sum(instr(outcomes, '\"S17\"') OR instr(outcomes, '\"STRAT\"') OR "
               "instr(outcomes, '\"S42\"')), sum(rr > 0), sum(assessment), sum(instr(outcomes, '\"S17\"') > 0), "
               "sum(s47), sum(cp), sum(decision_id IS NOT NULL), sum(instr(outcomes, '\"NFA\"') > 0), "
               "sum(decision_id IS NOT NULL AND overridden), sum(direction = 'up'), sum(direction = 'down'), "
               "sum(consent_not_sought), sum(consent_refused), sum(disputes), sum(disputes_resolved), "
               "sum(disputes_changed), "
               + ", ".join(f"sum({p}_met), sum({_DUE.format(p=p, k=k)})" for p, k in _KINDS)
               + " FROM measure_row m WHERE week BETWEEN :wlo AND :whi AND received_at >= :lo AND received_at < :hi")
HAND_GROUPS = ("SELECT source, primary_need, outcomes, agency, decision_id IS NOT NULL, count(*) FROM measure_row "
               "WHERE week BETWEEN :wlo AND :whi AND received_at >= :lo AND received_at < :hi GROUP BY 1, 2, 3, 4, 5")
HAND_WEEKS = ("SELECT week, count(*), sum(dec_met), sum(" + _DUE.format(p="dec", k="decision") + "), sum(rr > 0) "
              "FROM measure_row m WHERE week BETWEEN :wlo AND :whi AND received_at >= :lo AND received_at < :hi "
              "GROUP BY week")
# For the record: the per-contact SQL over the tables themselves (no summary rows), as the floor was before.
BASE_TABLES = """
WITH base AS MATERIALIZED (SELECT r.id, r.re_referrals_12m AS rr, r.document,
              (SELECT max(x.id) FROM decision x WHERE x.referral_id = r.id AND x.superseded = 0) AS did
              FROM referral r WHERE r.status != 'draft' AND r.received_at >= :lo AND r.received_at < :hi)
SELECT count(*), sum(b.rr > 0), sum(d.id IS NOT NULL), sum(instr(d.final_outcomes, '"NFA"') > 0),
       sum(EXISTS(SELECT 1 FROM case_event e WHERE e.referral_id = b.id AND e.to_state = 'assessment')),
       sum(instr(b.document, '"not_sought"') > 0 AND EXISTS(SELECT 1 FROM json_each(b.document, '$.consent.records') j
           WHERE json_extract(j.value, '$.scope') = 'referral' AND json_extract(j.value, '$.state') = 'not_sought')),
       sum((SELECT count(*) FROM dispute p WHERE p.referral_id = b.id))
FROM base b LEFT JOIN decision d ON d.id = b.did
"""


def _workspace(n: int, days: int):
    import keyring
    from keyring.backends import null
    from measures_history import build
    from sqlalchemy import func, select

    from triage_desk import accounts
    from triage_desk.models import Referral, Role, User
    from triage_desk.workspace import init_workspace, is_initialised, open_workspace

    keyring.set_keyring(null.Keyring())
    path = Path(tempfile.gettempdir()) / f"triage-bench-measures-{n // 1000}k"
    if is_initialised(path):
        ws = open_workspace(path, passphrase=BENCH_PASSPHRASE)
        with ws.session() as s:
            ws.user = s.execute(select(User).where(User.username == "bench")).scalar_one()
            count = s.execute(select(func.count()).select_from(Referral)).scalar_one()
        if count >= n:
            print(f"note: reusing the cached {count:,}-contact measures database in {path}", flush=True)
            return ws
        raise SystemExit(f"{path} holds {count:,} contacts, fewer than {n:,}: delete it and run again")
    print(f"note: building a {n:,}-contact measures history in {path} (cached for later runs)", flush=True)
    ws, _ = init_workspace(path, admin_username="bench", admin_display_name="Bench", admin_password=BENCH_PASSWORD,
                           passphrase=BENCH_PASSPHRASE)
    with ws.session() as s:
        for username, role in (("officer", Role.OFFICER), ("lead", Role.LEAD)):
            accounts.create_user(s, ws.user, username, username.title(), role, BENCH_PASSWORD)
    build(ws, n, seed=2026, days=days)
    return ws


def _params(start: date, end: date) -> dict:
    monday = (start - timedelta(days=start.weekday())).isoformat(), (end - timedelta(days=end.weekday())).isoformat()
    return {"lo": datetime.combine(start, datetime.min.time()), "now": NOW, "wlo": monday[0], "whi": monday[1],
            "hi": datetime.combine(end + timedelta(days=1), datetime.min.time())}


def _run(name: str, n: int, days: int, goal: str, note: str = "") -> Figure:
    from measures_history import START

    from triage_desk import measures

    ws = _workspace(n, days)
    start = START.date()
    end = date.fromordinal(start.toordinal() + days - 1)
    scope = measures.Scope(start, end, now=NOW)
    params = _params(start, end)
    from sqlalchemy import text

    before = measures.Scope(start, end, now=NOW).previous()
    prev = _params(before.start, before.end)
    with ws.session() as s:
        def ours():
            return measures.compute(s, scope)

        def hand():
            totals = s.execute(text(HAND_TOTALS), params).one()
            s.execute(text(HAND_TOTALS), prev).one()
            return totals, s.execute(text(HAND_GROUPS), params).all(), s.execute(text(HAND_WEEKS), params).all()

        report = ours()
        totals, _groups, _weeks = hand()
        assert report.figure("contacts").value == totals[0], "measures and hand SQL disagree on contacts"
        assert report.figure("nfa").numerator == totals[8], "measures and hand SQL disagree on NFA"
        assert report.figure("decided_in_time").denominator == totals[18], "disagree on decisions due"
        value, floor = best_of(ours, 5), best_of(hand, 5)
        t0 = time.perf_counter()
        old = s.execute(text(BASE_TABLES), params).one()
        assert old[0] == totals[0] and old[3] == totals[8], "the tables and the summary rows disagree"
        print(f"note: {name}: the per-contact SQL over the tables themselves (the floor before the summary "
              f"rows) takes {1000 * (time.perf_counter() - t0):,.0f} ms", flush=True)
    ws.close()
    print(f"note: {name}: {totals[0]:,} contacts{note}", flush=True)
    return Figure(name, value * 1000, "ms", floor * 1000, goal)


def measures_year() -> Figure:
    return _run("measures_year", YEAR_N, 365, "value <= 300 ms")


SOURCE_1M = Path(os.environ.get("TRIAGE_BENCH_DIR", "/tmp/triage-bench-1m"))  # perf-1m's; read only


def _million():
    """A copy of the shared 1M case-list database (demo.bulk_generate; TRIAGE_BENCH_DIR names another),
    migrated here (0012 fills the summary rows); None when the shared one is missing or still being written
    (its write-ahead log holds changes). The copy is named after the source and remade when the source
    changed, so a copy of a smaller database is never timed as the 1M one."""
    import shutil

    from triage_desk.db import MIGRATIONS_DIR, make_engine
    from triage_desk.paths import DB_FILE
    from triage_desk.workspace import is_initialised, open_workspace

    copy = Path(tempfile.gettempdir()) / f"triage-bench-measures-{SOURCE_1M.resolve().name}"
    wal = SOURCE_1M / f"{DB_FILE}-wal"
    if not (SOURCE_1M / DB_FILE).exists() or (wal.exists() and wal.stat().st_size):
        return None
    made = SOURCE_1M / DB_FILE
    source = f"{SOURCE_1M.resolve()} {made.stat().st_size} {made.stat().st_mtime_ns}"
    stamp = copy / "bench-source.txt"
    if is_initialised(copy) and (not stamp.exists() or stamp.read_text() != source):
        print(f"note: {copy} was copied from another database: copying again", flush=True)
        shutil.rmtree(copy)
    if not is_initialised(copy):
        print(f"note: copying {SOURCE_1M} to {copy} (cached for later runs)", flush=True)
        shutil.copytree(SOURCE_1M, copy, ignore=shutil.ignore_patterns("*.lock", "*-shm"))
        stamp.write_text(source)
        from triage_desk import vault

        key = vault.unlock(vault.KeyFile.load(copy), passphrase=BENCH_PASSPHRASE)
        engine = make_engine(copy / DB_FILE, key)
        known = {p.name[:4] for p in (Path(MIGRATIONS_DIR) / "versions").glob("0*.py")}
        with engine.begin() as conn:
            revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        engine.dispose()
        if revision not in known:
            shutil.rmtree(copy)
            raise SystemExit(f"{SOURCE_1M} is at schema revision {revision}, which this checkout does not have: "
                             "run the bench from a checkout holding every migration (main after the merge)")
    t0 = time.perf_counter()
    ws = open_workspace(copy, passphrase=BENCH_PASSPHRASE)
    print(f"note: opened the copy of {SOURCE_1M} in {time.perf_counter() - t0:,.0f} s (the first open "
          "migrates it)", flush=True)
    return ws


def measures_all_1m() -> Figure:
    """Every figure over every contact of the 1M database, worked out on a worker thread with progress (as the
    dashboard does); falls back to a 100,000-contact history when the 1M database is not there."""
    import threading

    from sqlalchemy import func, select, text

    from triage_desk import measures, measures_export
    from triage_desk.models import MeasureRow, User

    ws = _million()
    if ws is None:
        return _run("measures_all_1m", ALL_N, 730, "value <= 2000 ms at 1,000,000 (measured at 100,000 here)",
                    "; MEASURED AT 100,000 contacts: the 1M database was not there")
    with ws.session() as s:
        ws.user = s.execute(select(User).where(User.username == "bench")).scalar_one()
        lo, hi, n = s.execute(select(func.min(MeasureRow.received_at), func.max(MeasureRow.received_at),
                                     func.count())).one()
    scope = measures.Scope(measures._as_datetime(lo).date(), measures._as_datetime(hi).date())
    scope = replace(scope, now=scope.cutoff())  # one moment for ours and the floor (the period may end today)
    steps: list[str] = []

    def ours():
        out = []
        worker = threading.Thread(target=lambda: out.append(measures_export.report(
            ws, scope, progress=lambda step, done, total: steps.append(step))))
        worker.start()
        worker.join()  # the GUI thread would be painting meanwhile
        return out[0]

    params = _params(scope.start, scope.end) | {"now": scope.now}
    prev = _params(scope.previous().start, scope.previous().end) | {"now": params["now"]}
    with ws.session() as s:
        def hand():
            totals = s.execute(text(HAND_TOTALS), params).one()
            s.execute(text(HAND_TOTALS), prev).one()
            return totals, s.execute(text(HAND_GROUPS), params).all(), s.execute(text(HAND_WEEKS), params).all()

        report = ours()
        totals = hand()[0]
        assert report.figure("contacts").value == totals[0] == n, "measures and hand SQL disagree on contacts"
        assert report.figure("decided_in_time").denominator == totals[18], "disagree on decisions due"
        cpu = time.process_time()
        value = best_of(ours, 3)
        cpu = (time.process_time() - cpu) / 3
        floor = best_of(hand, 3)
    ws.close()
    print(f"note: measures_all_1m: {n:,} contacts; steps heard: {' / '.join(dict.fromkeys(steps))}", flush=True)
    print(f"note: measures_all_1m: {cpu * 1000:,.0f} ms of CPU per run (wall time on a shared, loaded machine is "
          f"higher; load average {os.getloadavg()[0]:.1f})", flush=True)
    return Figure("measures_all_1m", value * 1000, "ms", floor * 1000, "value <= 2000 ms")


FIGURES = {"measures_year": measures_year, "measures_all_1m": measures_all_1m}
