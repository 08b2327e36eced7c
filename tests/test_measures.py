"""The measures service over a generated history of thousands of contacts: every expected figure is worked
out here from the generator's own record of what it wrote, never by calling the code under test."""

from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest
from measures_history import NOW, build, in_period
from pg_fixtures import STORES
from sqlalchemy import Integer, text

from triage_desk import measures
from triage_desk.errors import Cancelled, InputError

START, END = date(2026, 2, 1), date(2026, 5, 31)


def _sqlcipher_history(tmp_path_factory):
    from conftest import ADMIN_PASSWORD, PASSPHRASE, USER_PASSWORD

    from triage_desk import accounts, secretbox
    from triage_desk.models import Role
    from triage_desk.workspace import init_workspace

    mp = pytest.MonkeyPatch()
    mp.setattr(secretbox, "DEFAULT_KDF", secretbox.KdfParams(iterations=1, memory_kib=1024, lanes=1))
    import keyring
    from keyring.backends import null
    keyring.set_keyring(null.Keyring())
    ws, _ = init_workspace(tmp_path_factory.mktemp("measures") / "data", admin_username="admin",
                           admin_display_name="Test Admin", admin_password=ADMIN_PASSWORD, passphrase=PASSPHRASE)
    with ws.session() as s:
        accounts.create_user(s, ws.user, "officer", "Test Officer", Role.OFFICER, USER_PASSWORD)
        accounts.create_user(s, ws.user, "lead", "Test Lead", Role.LEAD, USER_PASSWORD)
    truths = build(ws, 4000)
    yield ws, truths
    ws.close()
    mp.undo()


class _OwnerStore:
    """The server database as IT's owner role (no workspace: the schema is older than the app's)."""

    def __init__(self, engine):
        from sqlalchemy.orm import sessionmaker

        self.maker = sessionmaker(engine)

    @contextmanager
    def session(self):
        with self.maker.begin() as s:
            yield s


def _alembic(engine, what: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    from triage_desk.db import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, what)(cfg, revision)


def _server_history(request, tmp_path_factory):
    """A team server whose history was written before migration 0015 (as on a server upgraded from a
    release without it): the migration's backfill fills the summary rows, its triggers keep them after."""
    from conftest import ADMIN_PASSWORD
    from pg_fixtures import APP, APP_PASSWORD, OWNER, OWNER_PASSWORD

    from triage_desk import accounts, server
    from triage_desk.workspace import open_server

    srv = request.getfixturevalue("pg_server")
    name = srv.create_database()
    owner = server.make_engine(server.Profile(srv.socket_url(OWNER, name)), OWNER_PASSWORD)
    try:
        _alembic(owner, "downgrade", "0014")
        truths = build(_OwnerStore(owner), 4000)
        with owner.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM measure_row")).scalar() == 0
        _alembic(owner, "upgrade", "head")
        ws = open_server(tmp_path_factory.mktemp("measures-server"), server.Profile(srv.socket_url(APP, name)),
                         password=APP_PASSWORD)
        with ws.session() as s:
            ws.user = accounts.authenticate(s, "admin", ADMIN_PASSWORD, action="test.login")
        yield ws, truths
        ws.close()
    finally:
        owner.dispose()
        srv.drop_database(name)


@pytest.fixture(scope="module", params=STORES)
def history(request, tmp_path_factory):
    """(workspace, truths): the generated history on the encrypted file, and on a team server."""
    if request.param == "postgresql":
        yield from _server_history(request, tmp_path_factory)
    else:
        yield from _sqlcipher_history(tmp_path_factory)


def pct(num: int, den: int):
    return round(100 * num / den, 1) if den else None


def deadline_pct(rows, kinds: set[str], now: datetime = NOW):
    met = sum(1 for t in rows for k, st, _ in t.deadlines if k in kinds and st == "met")
    due = sum(1 for t in rows for k, st, d in t.deadlines
              if k in kinds and (st in ("met", "missed") or (st == "open" and d < now)))
    return pct(met, due)


def expected(rows) -> dict:
    decided = [t for t in rows if t.decided_by]
    resolved = [o for t in rows for o in t.disputes if o]
    return {
        "contacts": len(rows),
        "referrals": sum(1 for t in rows if {"S17", "STRAT", "S42"} & set(t.outcomes)),
        "decided_in_time": deadline_pct(rows, {"decision"}),
        "rag_in_time": deadline_pct(rows, {"rag"}),
        "checks_in_time": deadline_pct(rows, {"agency_check"}),
        "strategy_in_time": deadline_pct(rows, {"strategy_discussion"}),
        "feedback_in_time": deadline_pct(rows, {"referrer_feedback"}),
        "re_referral": pct(sum(t.rr > 0 for t in rows), len(rows)),
        "assessment": pct(sum(t.assessment for t in rows), len(rows)),
        "s17": pct(sum("S17" in t.outcomes for t in rows), len(rows)),
        "s47": pct(sum(t.s47 for t in rows), len(rows)),
        "child_protection": pct(sum(t.icpc for t in rows), len(rows)),
        "nfa": pct(sum("NFA" in t.outcomes for t in decided), len(decided)),
        "override": pct(sum(t.overridden for t in decided), len(decided)),
        "override_up": pct(sum(t.direction == "up" for t in decided), len(decided)),
        "override_down": pct(sum(t.direction == "down" for t in decided), len(decided)),
        "consent_not_sought": pct(sum(t.consent == "not_sought" for t in rows), len(rows)),
        "consent_refused": pct(sum(t.consent == "refused" for t in rows), len(rows)),
        "disputes": sum(len(t.disputes) for t in rows),
        "disputes_changed": pct(sum(o == "changed" for o in resolved), len(resolved)),
    }


def test_every_figure_matches_the_generated_history(history):
    ws, truths = history
    rows = in_period(truths, START, END)
    assert len(rows) > 2000  # thousands of contacts, and drafts / out-of-period ones left out
    with ws.session() as s:
        report = measures.compute(s, measures.Scope(START, END, now=NOW))
    got = {f.id: f.value for f in report.figures}
    assert {k: got[k] for k in expected(rows)} == expected(rows)
    assert report.figure("review_agreement").note == "no reviews yet"


@pytest.mark.parametrize("scope_kw, keep", [
    ({"agency": "Testford Police"}, lambda t: t.agency == "Testford Police"),
    ({"population": "adult"}, lambda t: t.variant == "adult"),
    ({"officer": "lead"}, lambda t: t.decided_by == "lead"),
    ({"team": "North"}, lambda t: t.decided_by == "officer"),
])
def test_filters_narrow_every_figure(history, scope_kw, keep):
    ws, truths = history
    rows = [t for t in in_period(truths, START, END) if keep(t)]
    with ws.session() as s:
        report = measures.compute(s, measures.Scope(START, END, now=NOW, **scope_kw), trend=False)
    got = {f.id: f.value for f in report.figures}
    assert {k: got[k] for k in expected(rows)} == expected(rows)


def test_breakdowns_and_trend(history):
    ws, truths = history
    rows = in_period(truths, START, END)
    decided = [t for t in rows if t.decided_by]
    with ws.session() as s:
        report = measures.compute(s, measures.Scope(START, END, now=NOW))
    b = report.breakdowns
    assert b["by_source"] == dict(sorted(Counter(t.source or "not recorded" for t in rows).items()))
    assert b["by_primary_need"] == {k: v for k, v in Counter(t.need or "not recorded" for t in decided).items()}
    assert b["by_outcome"] == dict(sorted(Counter(c for t in decided for c in t.outcomes).items()))
    police = [t for t in decided if t.agency == "Testford Police"]
    assert b["nfa_by_agency"]["Testford Police"]["nfa"] == sum("NFA" in t.outcomes for t in police)
    assert sum(w["contacts"] for w in b["weekly"]) == len(rows)
    # trend: the previous period of equal length (2 October 2025 to 31 January 2026: January only here)
    before = in_period(truths, date(2025, 10, 2), date(2026, 1, 31))
    assert report.figure("contacts").previous == len(before)


def test_each_figure_opens_to_its_cases(history):
    ws, truths = history
    rows = in_period(truths, START, END)
    with ws.session() as s:
        scope = measures.Scope(START, END, now=NOW)
        nfa = measures.cases(s, scope, "nfa")
        decided = measures.cases(s, scope, "nfa", part="denominator")
        late = measures.cases(s, scope, "decided_in_time", part="denominator")
    assert {f.reference for f in nfa} == {t.reference for t in rows if "NFA" in t.outcomes}
    assert {f.reference for f in decided} == {t.reference for t in rows if t.decided_by}
    assert len(late) == sum(1 for t in rows if any(k == "decision" and (st != "open" or d < NOW)
                                                   for k, st, d in t.deadlines))


DEADLINE_FIGURES = {"decided_in_time": "decision", "rag_in_time": "rag", "checks_in_time": "agency_check",
                    "strategy_in_time": "strategy_discussion", "feedback_in_time": "referrer_feedback"}


def test_a_deadline_due_later_today_is_not_missed_yet(history, monkeypatch):
    """A period ending today ("This month"): an open deadline falls due later today is not missed yet; one
    whose due time has passed is. As the dashboard asks: no `now` given, the clock says when it is."""
    from triage_desk.forms import clock

    ws, truths = history
    now = datetime(2026, 3, 10, 8, 0)
    monkeypatch.setattr(clock, "london_now", lambda: now)
    start, end = now.date().replace(day=1), now.date()
    rows = in_period(truths, start, end)
    assert any(st == "open" and now <= d < now.replace(hour=0) + timedelta(days=1)
               for t in rows for _k, st, d in t.deadlines)  # the case in question: due later today
    with ws.session() as s:
        report = measures.compute(s, measures.Scope(start, end), trend=False)
        late = measures.cases(s, measures.Scope(start, end), "decided_in_time", part="denominator")
    assert {f: report.figure(f).value for f in DEADLINE_FIGURES} == \
        {f: deadline_pct(rows, {kind}, now) for f, kind in DEADLINE_FIGURES.items()}
    assert len(late) == sum(1 for t in rows if any(k == "decision" and (st != "open" or d < now)
                                                   for k, st, d in t.deadlines))


def test_statutory_return_rows(history):
    from triage_desk import measures_export

    ws, truths = history
    rows = in_period(truths, START, END)
    with ws.session() as s:
        got = measures_export.statutory_rows(s, measures.Scope(START, END, now=NOW))
    assert [r["referral_date"] for r in got] == sorted(r["referral_date"] for r in got)  # oldest first
    assert sorted((r["referral_date"], r["referral_source"], r["primary_need"], r["nfa_flag"], r["population"])
                  for r in got) == sorted((t.received.date().isoformat(), t.source or "", t.need or "",
                                           "1" if "NFA" in t.outcomes else "0", t.variant) for t in rows)
    assert len({r["child_id"] for r in got}) == len(got)  # each generated contact has its own subject


def test_the_dashboard_services_on_each_store(history):
    """What the Measures area asks for (figures, filter choices, the cases behind a figure) as the admin."""
    from triage_desk import measures_export

    ws, truths = history
    rows = in_period(truths, START, END)
    scope = measures.Scope(START, END, now=NOW)
    assert measures_export.report(ws, scope, trend=False).figure("contacts").value == len(rows)
    assert "Testford Police" in measures_export.filter_options(ws)["agencies"]
    listed = measures_export.case_list(ws, scope, "nfa")
    assert sorted(ref for ref, _received, _name in listed) == sorted(t.reference for t in rows if "NFA" in t.outcomes)
    assert not any(name for _ref, _received, name in listed)  # an administrator never sees names


def test_bad_scope_is_refused_by_field(history):
    ws, _ = history
    with ws.session() as s, pytest.raises(InputError, match="period"):
        measures.compute(s, measures.Scope(END, START))
    with ws.session() as s, pytest.raises(InputError, match="population"):
        measures.compute(s, measures.Scope(START, END, population="martian"))


# --- The summary rows (models/measure_row.py) against the per-contact path read from the tables themselves.
SCOPES = [{}, {"agency": "Testford Police"}, {"population": "adult"}, {"officer": "lead"}, {"team": "North"},
          {"now": datetime(2026, 3, 1, 12, 0)}]  # "now" inside the period: open deadlines split both ways


def same_report(got: measures.Report, want: measures.Report) -> None:
    assert [(f.id, f.value, f.numerator, f.denominator) for f in got.figures] == \
        [(f.id, f.value, f.numerator, f.denominator) for f in want.figures]
    assert got.breakdowns == want.breakdowns


@pytest.mark.parametrize("scope_kw", SCOPES)
def test_summary_rows_give_the_reference_figures(history, scope_kw):
    ws, _ = history
    scope = measures.Scope(START, END, **{"now": NOW, **scope_kw})
    with ws.session() as s:
        same_report(measures.compute(s, scope, trend=False), measures.reference_report(s, scope))
        assert measures.facts(s, scope) == measures.reference_facts(s, scope)  # row by row, for the case lists


class _Undone(Exception):
    pass


def _copy(s, table: str, where: str, params: dict, **values) -> None:
    """Insert a copy of the row `where` picks, with `values` (named parameters) in place of its own."""
    from triage_desk.models.base import Base

    columns = [c.name for c in Base.metadata.tables[table].columns  # an integer id: the next one
               if c.name not in values and not (c.name == "id" and isinstance(c.type, Integer))] + list(values)
    picked = ", ".join(f":{c}" if c in values else c for c in columns)
    s.execute(text(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {picked} FROM {table} WHERE {where}"),
              params | values)


def test_summary_rows_follow_every_change_to_the_tables_behind_them(history):
    """Core inserts, updates and deletes of every table behind the summary (as mapper events, the bundle
    importer and bulk data write them) move the figures exactly as the tables do; rolled back afterwards."""
    ws, _ = history
    scope = measures.Scope(START, END, now=NOW)
    with pytest.raises(_Undone), ws.session() as s:
        before = measures.compute(s, scope, trend=False)
        ids = [r[0] for r in s.execute(text("SELECT id FROM referral WHERE status = 'decided' AND received_at "
                                            "BETWEEN '2026-03-01' AND '2026-05-01' ORDER BY id LIMIT 9"))]
        one = {"r": ids[0]}
        # referral: insert (a copy, and a second copy given a deadline, a dispute and a decision), update, delete
        for n in (1, 2):
            _copy(s, "referral", "id = :r", one, id=f"copy-{n}", reference=f"TD-COPY-{n}")
        _copy(s, "deadline", "referral_id = :r AND kind = 'decision'", one, referral_id="copy-2")
        s.execute(text("INSERT INTO dispute (id, referral_id, raised_by, agency, grounds, raised_at, recorded_by, "
                       "stage) VALUES ('d-copy', 'copy-2', 'Lead', 'Police', 'Grounds.', '2026-03-02 10:00:00', "
                       "'officer', 'manager')"))
        _copy(s, "decision", "referral_id = :r AND superseded = :f", one | {"f": False}, referral_id="copy-2")
        s.execute(text("DELETE FROM referral WHERE id = 'copy-1'"))
        s.execute(text("UPDATE referral SET status = 'draft' WHERE id = :r"), {"r": ids[3]})
        s.execute(text("UPDATE referral SET document = replace(document, '\"given\"', '\"refused\"'), "
                       "referrer_agency = 'Other agency', re_referrals_12m = 3 WHERE id = :r"), {"r": ids[4]})
        s.execute(text("DELETE FROM decision WHERE referral_id = :r"), {"r": ids[8]})
        s.execute(text("DELETE FROM referral WHERE id = :r"), {"r": ids[8]})  # its deadlines etc. cascade
        # decision: a new current one, an edited one, and a current one removed (the superseded one does not count)
        _copy(s, "decision", "referral_id = :r AND superseded = :f", {"r": ids[5], "f": False},
              final_outcomes='["NFA"]', direction="down", overridden=True, primary_need="N4")
        s.execute(text("UPDATE decision SET final_outcomes = '[\"S17\"]', primary_need = 'N1' "
                       "WHERE referral_id = :r AND superseded = :f"), {"r": ids[6], "f": False})
        s.execute(text("DELETE FROM decision WHERE referral_id = :r AND superseded = :f"), {"r": ids[2], "f": False})
        # deadlines: met, a new open one past due, one removed
        s.execute(text("UPDATE deadline SET state = 'met' WHERE referral_id = :r"), one)
        _copy(s, "deadline", "referral_id = :r AND kind = 'rag'", {"r": ids[6]}, state="open",
              due_at=datetime(2026, 6, 1, 9, 0))
        s.execute(text("DELETE FROM deadline WHERE referral_id = :r AND kind = 'decision'"), {"r": ids[7]})
        # lifecycle: an assessment started, another moved on, the first one's removed
        s.execute(text("INSERT INTO case_event (referral_id, action, from_state, to_state, actor, role, at) VALUES "
                       "(:r, 'start_assessment', 'decided', 'assessment', 'officer', 'officer', "
                       "'2026-03-03 10:00:00')"), {"r": ids[5]})
        s.execute(text("UPDATE case_event SET to_state = 'closed' WHERE referral_id = "
                       "(SELECT max(referral_id) FROM case_event)"))
        s.execute(text("DELETE FROM case_event WHERE referral_id = (SELECT min(referral_id) FROM case_event)"))
        # strategy discussions: a section 47 one held, conferences cleared, one removed
        s.execute(text("INSERT INTO strategy_discussion (id, referral_id, held_at, decision, minutes, recorded_by, "
                       "recorded_at) VALUES ('sd-x', :r, '2026-03-02 10:00:00', 's47', '{}', 'officer', "
                       "'2026-03-02 12:00:00')"), {"r": ids[6]})
        s.execute(text("UPDATE strategy_discussion SET icpc_date = NULL WHERE icpc_date IS NOT NULL"))
        s.execute(text("DELETE FROM strategy_discussion WHERE referral_id = (SELECT min(referral_id) FROM "
                       "strategy_discussion WHERE decision = 's47')"))
        # disputes: one raised and resolved as changed, one resolved, one withdrawn
        s.execute(text("INSERT INTO dispute (id, referral_id, raised_by, agency, grounds, raised_at, recorded_by, "
                       "stage, outcome) VALUES ('d-x', :r, 'Lead', 'Police', 'Grounds.', '2026-03-02 10:00:00', "
                       "'officer', 'resolved', 'changed')"), {"r": ids[1]})
        s.execute(text("UPDATE dispute SET stage = 'resolved', outcome = 'changed' WHERE id = "
                       "(SELECT min(id) FROM dispute WHERE outcome IS NULL)"))
        s.execute(text("DELETE FROM dispute WHERE id = (SELECT max(id) FROM dispute WHERE id != 'd-x')"))
        after = measures.compute(s, scope, trend=False)
        same_report(after, measures.reference_report(s, scope))
        assert measures.facts(s, scope) == measures.reference_facts(s, scope)
        assert after.figure("contacts").value == before.figure("contacts").value - 1  # +copy-2, -draft, -deleted
        assert after.figure("child_protection").numerator == 0 < before.figure("child_protection").numerator
        raise _Undone


def test_migration_backfill_builds_the_rows_the_triggers_keep(history):
    from triage_desk.models.measure_row import backfill_sql

    ws, _ = history
    with pytest.raises(_Undone), ws.session() as s:
        kept = s.execute(text("SELECT * FROM measure_row ORDER BY referral_id")).all()
        for statement in backfill_sql(ws.engine.dialect.name):
            s.execute(text(statement))
        assert s.execute(text("SELECT * FROM measure_row ORDER BY referral_id")).all() == kept
        raise _Undone


def test_progress_names_each_step_and_a_stop_interrupts_the_scan(history):
    ws, _ = history
    scope = measures.Scope(START, END, now=NOW)
    heard = []
    with ws.session() as s:
        measures.compute(s, scope, progress=lambda step, done, total: heard.append((step, done, total)))
    assert [d for _s, d, _t in heard] == [0, 1, 2, 3, 4] and {t for _s, _d, t in heard} == {4}
    assert heard[0][0].startswith("Counting the period") and heard[-1][0] == "Done"
    stop = threading.Event()
    stop.set()
    with ws.session() as s, pytest.raises(Cancelled):
        measures.compute(s, scope, stop=stop)


def test_outcomes_chart_names_outcomes_in_words(history):
    from matplotlib.figure import Figure

    from triage_desk.measures_charts import draw

    ws, _ = history
    with ws.session() as s:
        report = measures.compute(s, measures.Scope(START, END, now=NOW), trend=False)
    fig = Figure()
    draw(fig, "outcomes", report)
    shown_labels = {t.get_text() for t in fig.axes[0].get_yticklabels()}
    assert "Early help assessment / team around the family" in shown_labels
    assert not {"S17", "UNIV", "IAG", "TAA", "EH", "STRAT", "NFA"} & shown_labels
    assert "code" not in fig.axes[0].get_title()


def test_breakdowns_come_from_the_one_scan_when_no_value_holds_a_separator(history):
    """The per-week keys are read in the same scan as the sums; the slower grouped scan is only a fallback."""
    from triage_desk import measures_summary

    ws, _ = history
    with ws.session() as s:
        _weeks, counted = measures_summary.weekly_sums(s, measures.Scope(START, END, now=NOW), keys=True)
        assert counted is not None
        assert counted == measures_summary.grouped(s, measures.Scope(START, END, now=NOW))


def test_breakdowns_stay_exact_when_a_value_holds_the_key_separators(history):
    ws, _ = history
    scope = measures.Scope(START, END, now=NOW)
    with pytest.raises(_Undone), ws.session() as s:
        char = "char" if ws.engine.dialect.name == "sqlite" else "chr"
        s.execute(text(f"UPDATE referral SET referrer_agency = 'North' || {char}(31) || 'South' || {char}(30) || 'X' "
                       "WHERE id IN (SELECT id FROM referral WHERE status = 'decided' AND received_at >= "
                       "'2026-03-01' ORDER BY id LIMIT 3)"))
        got = measures.compute(s, scope, trend=False)
        same_report(got, measures.reference_report(s, scope))
        assert any("\x1f" in agency for agency in got.breakdowns["nfa_by_agency"])
        raise _Undone


def test_every_trend_value_is_the_reference_figure_of_the_previous_period(history):
    ws, _ = history
    scope = measures.Scope(date(2026, 4, 1), date(2026, 5, 31), now=NOW)  # previous: February and March
    with ws.session() as s:
        got = measures.compute(s, scope)
        before = measures.reference_report(s, scope.previous())
    assert [(f.id, f.previous) for f in got.figures] == [(f.id, f.value) for f in before.figures]
    assert got.figure("nfa").previous is not None


def test_a_malformed_document_never_makes_a_write_fail(history):
    ws, _ = history
    with pytest.raises(_Undone), ws.session() as s:
        rid = s.execute(text("SELECT id FROM referral WHERE status = 'decided' LIMIT 1")).scalar_one()
        s.execute(text("UPDATE referral SET document = '{\"consent\": \"refused\"' WHERE id = :r"), {"r": rid})
        row = s.execute(text("SELECT consent_refused FROM measure_row WHERE referral_id = :r"), {"r": rid}).one()
        assert row[0] == 0
        raise _Undone


def test_two_writers_on_one_case_both_count_on_the_server(pg_workspace):
    """Two officers' transactions adding deadlines to the same case at once: the second's trigger waits for
    the first to commit and then counts both (without the wait, each counted only its own: one was lost)."""
    ws = pg_workspace
    build(ws, 1)
    with ws.session() as s:
        rid = s.execute(text("SELECT referral_id FROM measure_row")).scalar_one()
    insert = text("INSERT INTO deadline (referral_id, kind, started_at, due_at, state) VALUES "
                  "(:r, 'agency_check', '2026-01-05 10:00:00', '2026-01-06 10:00:00', 'met')")
    first = ws.engine.connect()
    first.execute(insert, {"r": rid})  # not committed yet: its trigger holds the case
    second_done = threading.Event()

    def second() -> None:
        with ws.engine.begin() as conn:
            conn.execute(insert, {"r": rid})
        second_done.set()

    worker = threading.Thread(target=second)
    worker.start()
    assert not second_done.wait(0.5)  # waiting for the first writer
    first.commit()
    first.close()
    worker.join(10)
    with ws.session() as s:
        kept = s.execute(text("SELECT chk_met FROM measure_row WHERE referral_id = :r"), {"r": rid}).scalar_one()
        counted = s.execute(text("SELECT count(*) FROM deadline WHERE referral_id = :r AND kind = 'agency_check' "
                                 "AND state = 'met'"), {"r": rid}).scalar_one()
    assert kept == counted >= 2


def test_stop_cancels_a_running_query_on_the_server(pg_workspace):
    """Stop during a long scan on the server: the query is cancelled there and the run ends at once."""
    import time

    from triage_desk.measures_summary import _interruptible

    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled), pg_workspace.session() as s, _interruptible(s, stop):
        s.execute(text("SELECT pg_sleep(20)"))
    assert time.monotonic() - started < 5


def test_a_database_moved_onto_the_server_keeps_its_figures(pg_server, workspace, tmp_path):
    """`server import` copies the summary rows and the server's triggers rebuild each as its referral and
    the rows behind it arrive: the figures on the server are the PC's."""
    import psycopg
    from pg_fixtures import APP, OWNER, OWNER_PASSWORD

    from triage_desk import server
    from triage_desk.server_setup import import_store

    truths = build(workspace, 300, seed=21)
    scope = measures.Scope(START, END, now=NOW)
    with workspace.session() as s:
        on_pc = measures.compute(s, scope, trend=False)
    name = pg_server.create_database(template="template0")
    try:
        with psycopg.connect(pg_server.socket_url("tdpg", name), autocommit=True) as conn:
            conn.execute(f"ALTER SCHEMA public OWNER TO {OWNER}")
        import_store(workspace, server.Profile(pg_server.socket_url(OWNER, name)), owner_password=OWNER_PASSWORD,
                     app_role=APP)
        owner = server.make_engine(server.Profile(pg_server.socket_url(OWNER, name)), OWNER_PASSWORD)
        with _OwnerStore(owner).session() as s:
            on_server = measures.compute(s, scope, trend=False)
            assert measures.facts(s, scope) == measures.reference_facts(s, scope)
        owner.dispose()
    finally:
        pg_server.drop_database(name)
    same_report(on_server, on_pc)
    assert on_server.figure("contacts").value == len(in_period(truths, START, END))
