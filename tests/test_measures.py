"""The measures service over a generated history of thousands of contacts: every expected figure is worked
out here from the generator's own record of what it wrote, never by calling the code under test."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, datetime

import pytest
from measures_history import NOW, build, in_period
from sqlalchemy import text

from triage_desk import measures
from triage_desk.errors import Cancelled, InputError

START, END = date(2026, 2, 1), date(2026, 5, 31)


@pytest.fixture(scope="module")
def history(tmp_path_factory):
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


def pct(num: int, den: int):
    return round(100 * num / den, 1) if den else None


def deadline_pct(rows, kinds: set[str]):
    met = sum(1 for t in rows for k, st, _ in t.deadlines if k in kinds and st == "met")
    due = sum(1 for t in rows for k, st, d in t.deadlines
              if k in kinds and (st in ("met", "missed") or (st == "open" and d < NOW)))
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


def test_summary_rows_follow_every_change_to_the_tables_behind_them(history):
    """Core updates, inserts and deletes (as mapper events, the bundle importer and bulk data write them)
    move the figures exactly as the tables do; everything is rolled back afterwards."""
    ws, _ = history
    scope = measures.Scope(START, END, now=NOW)
    with pytest.raises(_Undone), ws.session() as s:
        before = measures.compute(s, scope, trend=False)
        ids = [r[0] for r in s.execute(text("SELECT id FROM referral WHERE status != 'draft' AND received_at "
                                            "BETWEEN '2026-03-01' AND '2026-05-01' ORDER BY id LIMIT 6"))]
        s.execute(text("UPDATE deadline SET state = 'met' WHERE referral_id = :r"), {"r": ids[0]})
        s.execute(text("INSERT INTO dispute (id, referral_id, raised_by, agency, grounds, raised_at, recorded_by, "
                       "stage, outcome) VALUES ('d-x', :r, 'Lead', 'Police', 'Grounds.', '2026-03-02 10:00:00', "
                       "'officer', 'resolved', 'changed')"), {"r": ids[1]})
        s.execute(text("DELETE FROM decision WHERE referral_id = :r AND superseded = 0"), {"r": ids[2]})
        s.execute(text("UPDATE referral SET status = 'draft' WHERE id = :r"), {"r": ids[3]})
        s.execute(text("UPDATE referral SET document = replace(document, '\"given\"', '\"refused\"'), "
                       "referrer_agency = 'Other agency' WHERE id = :r"), {"r": ids[4]})
        s.execute(text("INSERT INTO case_event (referral_id, action, from_state, to_state, actor, role, at) VALUES "
                       "(:r, 'start_assessment', 'decided', 'assessment', 'officer', 'officer', "
                       "'2026-03-03 10:00:00')"), {"r": ids[5]})
        s.execute(text("DELETE FROM case_event WHERE referral_id = (SELECT min(referral_id) FROM case_event)"))
        s.execute(text("UPDATE strategy_discussion SET icpc_date = NULL WHERE icpc_date IS NOT NULL"))
        after = measures.compute(s, scope, trend=False)
        same_report(after, measures.reference_report(s, scope))
        assert measures.facts(s, scope) == measures.reference_facts(s, scope)
        assert after.figure("contacts").value == before.figure("contacts").value - 1
        assert after.figure("child_protection").numerator == 0 < before.figure("child_protection").numerator
        raise _Undone


def test_migration_backfill_builds_the_rows_the_triggers_keep(history):
    from triage_desk.models.measure_row import backfill_sql

    ws, _ = history
    with pytest.raises(_Undone), ws.session() as s:
        kept = s.execute(text("SELECT * FROM measure_row ORDER BY referral_id")).all()
        for statement in backfill_sql():
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


def test_breakdowns_stay_exact_when_a_value_holds_the_key_separators(history):
    ws, _ = history
    scope = measures.Scope(START, END, now=NOW)
    with pytest.raises(_Undone), ws.session() as s:
        s.execute(text("UPDATE referral SET referrer_agency = 'North' || char(31) || 'South' || char(30) || 'X' "
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
