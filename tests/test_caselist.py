"""Keyset-paged case list: every row exactly once under every sort, filters that combine, search."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from triage_desk import demo
from triage_desk.caselist import SORTS, CaseFilters, CaseSort, count_matching, fetch_page
from triage_desk.errors import InputError
from triage_desk.models import Referral

NOW = datetime(2026, 11, 20, 12, 0)
# The demo ends at a fixed time, not now: which clocks are past due at its last referral depends on the
# weekday and hour (on a Monday morning only the 4-hour red clocks are), and the tests must not.
DEMO_END = NOW


@pytest.fixture
def cases(workspace_from):
    workspace = workspace_from("caselist-700-seed6", lambda ws: demo.bulk_generate(ws, 700, seed=6, until=DEMO_END))
    with workspace.session() as s:
        # Some referrals with no decision due, to page across the NULLs of a nullable sort column.
        rows = list(s.execute(select(Referral)).scalars())
    return workspace, rows


def _all_pages(session, filters, sort, limit):
    seen, key, pages = [], None, 0
    while True:
        page, key = fetch_page(session, filters, sort, key, limit)
        seen += page
        pages += 1
        assert pages < 1000
        if key is None:
            return seen


def _expected(rows, sort: CaseSort, keep=lambda r: True):
    col = {"received": "received_at", "due": "next_due", "reference": "reference",
           "subject": "subject_sort"}[sort.key]
    chosen = [r for r in rows if keep(r)]
    with_value = sorted((r for r in chosen if getattr(r, col) is not None), key=lambda r: (getattr(r, col), r.id),
                        reverse=sort.desc)
    nulls = sorted((r for r in chosen if getattr(r, col) is None), key=lambda r: r.id, reverse=sort.desc)
    return [r.id for r in with_value + nulls]


@pytest.mark.parametrize("key", list(SORTS))
@pytest.mark.parametrize("descending", [None, True, False])
def test_every_row_once_in_order_under_each_sort(cases, key, descending):
    ws, rows = cases
    sort = CaseSort(key, descending)
    with ws.session() as s:
        got = [r.id for r in _all_pages(s, CaseFilters(), sort, 37)]
    assert len(got) == len(set(got)) == len(rows)
    assert got == _expected(rows, sort)


def test_default_sort_is_newest_first(cases):
    ws, rows = cases
    with ws.session() as s:
        page, key = fetch_page(s)
    assert len(page) == 200 and key is not None
    assert page[0].received_at == max(r.received_at for r in rows)


def test_filters_combine(cases):
    ws, rows = cases
    filters = CaseFilters(status=("closed", "decided"), rag=("green", "amber"), agency="Police",
                          received_from=date(2024, 6, 1), received_to=date(2025, 12, 31))

    def keep(r):
        return (r.status in filters.status and r.rag in filters.rag and r.referrer_agency == "Police"
                and date(2024, 6, 1) <= r.received_at.date() <= date(2025, 12, 31))

    for key in SORTS:
        with ws.session() as s:
            got = [r.id for r in _all_pages(s, filters, CaseSort(key), 9)]
        assert got == _expected(rows, CaseSort(key), keep)
        assert got  # the synthetic spread leaves something to find


def test_overdue_lists_cases_with_any_deadline_past_due(cases):
    from triage_desk.models import Deadline

    ws, rows = cases
    now = max(r.received_at for r in rows)
    with ws.session() as s:
        got = {r.id for r in _all_pages(s, CaseFilters(overdue=True, now=now), CaseSort("due"), 50)}
        late = list(s.execute(select(Deadline).where(Deadline.state == "open", Deadline.due_at < now)).scalars())
        red = {r.id for r in _all_pages(s, CaseFilters(overdue=True, deadline_kind="rag", now=now), CaseSort(), 50)}
    assert got == {d.referral_id for d in late} and got  # every case past any deadline, and only those
    assert red == {d.referral_id for d in late if d.kind == "rag"} and red < got


def test_search_by_subject_name_and_reference(cases):
    ws, rows = cases
    target = rows[123]
    surname = target.subject_name.split(",")[0]
    with ws.session() as s:
        by_name = _all_pages(s, CaseFilters(text=surname.lower()), CaseSort(), 200)
        by_prefix = _all_pages(s, CaseFilters(text=surname[:4]), CaseSort(), 200)
        by_ref, _ = fetch_page(s, CaseFilters(text=target.reference.lower()))
        mixed = _all_pages(s, CaseFilters(text=surname, status=(target.status,)), CaseSort("subject"), 5)
    assert target.id in {r.id for r in by_name}
    assert all(surname in r.subject_name for r in by_name)
    assert {r.id for r in by_name} <= {r.id for r in by_prefix}
    assert [r.id for r in by_ref] == [target.id]
    assert target.id in {r.id for r in mixed} and all(r.status == target.status for r in mixed)


def test_bad_sort_limit_and_search_are_refused(cases):
    ws, _ = cases
    with ws.session() as s:
        with pytest.raises(InputError, match="sort"):
            fetch_page(s, None, CaseSort("colour"))
        with pytest.raises(InputError, match="limit"):
            fetch_page(s, limit=0)
        with pytest.raises(InputError, match="search"):
            fetch_page(s, CaseFilters(text="***"))
        assert fetch_page(s, CaseFilters(text='"quoted" OR NEAR(x'))[0] == []


def _captured(ws):
    """The statements (and parameters) the case list runs, for their query plans."""
    from sqlalchemy import event

    statements = []

    def capture(conn, cursor, statement, params, *args):
        if not statement.startswith(("EXPLAIN", "SET")):
            statements.append((statement, params))

    event.listen(ws.engine, "before_cursor_execute", capture)
    return statements, lambda: event.remove(ws.engine, "before_cursor_execute", capture)


def _plan(s, statement, params) -> str:
    """SQLite's plan, or PostgreSQL's with sequential scans priced out (a test database is tiny, so the
    planner would rightly scan it: the question is whether an index *can* drive the query)."""
    conn = s.connection()
    if conn.dialect.name == "sqlite":
        return " | ".join(str(r[-1]) for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params))
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    return " | ".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, params))


def test_the_case_list_never_uses_offset_and_pages_use_an_index(cases):
    ws, _ = cases
    statements, stop = _captured(ws)
    try:
        with ws.session() as s:
            _, key = fetch_page(s, CaseFilters(status=("closed",)), CaseSort(), None, 20)
            fetch_page(s, CaseFilters(status=("closed",)), CaseSort(), key, 20)
            plan = _plan(s, *statements[-1])
    finally:
        stop()
    assert not any("OFFSET" in st.upper() for st, _ in statements)
    if ws.engine.dialect.name == "sqlite":
        assert "USING INDEX ix_referral_status_received" in plan and "TEMP B-TREE" not in plan
    else:
        assert "ix_referral_status_received" in plan and "Sort" not in plan, plan


def test_a_name_search_is_driven_by_its_matches(cases):
    ws, rows = cases
    statements, stop = _captured(ws)
    surname = rows[5].subject_name.split(",")[0]
    try:
        with ws.session() as s:
            fetch_page(s, CaseFilters(text=surname, status=("closed",)), CaseSort("received"))
            plan = _plan(s, *statements[-1])
        with ws.session() as s:  # beside a status filter PostgreSQL may lead with either index; alone, this one
            fetch_page(s, CaseFilters(text=surname), CaseSort("received"))
            alone = _plan(s, *statements[-1])
    finally:
        stop()
    if ws.engine.dialect.name == "sqlite":
        # the name's word entries (which carry the status) lead; the page's rows are read by rowid
        assert plan.startswith("SEARCH referral USING INTEGER PRIMARY KEY") and "referral_word" in plan, plan
    else:
        assert "Seq Scan" not in plan and "Bitmap Index Scan on ix_referral_subject_words" in alone, alone


def test_count_matching_is_capped(cases):
    from triage_desk.caselist import count_matching

    ws, rows = cases
    with ws.session() as s:
        assert count_matching(s) == (len(rows), False)
        assert count_matching(s, cap=100) == (100, True)
        closed = sum(r.status == "closed" for r in rows)
        assert count_matching(s, CaseFilters(status=("closed",))) == (closed, False)


def test_awaiting_approval_and_outstanding_checks_filters(cases):
    from sqlalchemy import update

    from triage_desk.models.decision import Decision
    from triage_desk.models.partner import AgencyCheck, Partner

    ws, rows = cases
    pending, checking = rows[3].id, rows[8].id
    when = datetime(2026, 11, 20, 9)
    with ws.session() as s:
        for rid, approval, superseded in ((pending, "pending", False), (rows[4].id, "approved", False),
                                          (rows[5].id, "pending", True)):
            s.add(Decision(referral_id=rid, engine_json="{}", engine_level=2, engine_outcomes="[]", final_level=3,
                           final_outcomes="[]", direction="up", decided_by="officer", decided_role="officer",
                           decided_at=when, approval=approval, superseded=superseded))
        # the row's copy follows the current decision: rows[5]'s pending one was superseded and approved
        s.execute(update(Referral).where(Referral.id == pending).values(approval="pending"))
        s.execute(update(Referral).where(Referral.id.in_((rows[4].id, rows[5].id))).values(approval="approved"))
        s.add(Partner(id="police-test", name="Test Police", kind="police", isa_status="signed"))
        s.flush()
        for rid, status in ((checking, "requested"), (rows[9].id, "answered")):
            s.add(AgencyCheck(id=f"check-{rid[:30]}", referral_id=rid, partner_id="police-test", basis="consent",
                              requested_by="officer", requested_at=when, due_at=datetime(2026, 11, 21, 9),
                              status=status))
        s.execute(update(Referral).where(Referral.id == checking).values(checks_open=1,
                                                                         checks_due=datetime(2026, 11, 21, 9)))
    with ws.session() as s:
        waiting, _ = fetch_page(s, CaseFilters(awaiting_approval=True))
        checks, _ = fetch_page(s, CaseFilters(checks_outstanding=True))
        both, _ = fetch_page(s, CaseFilters(awaiting_approval=True, checks_outstanding=True))
        assert count_matching(s, CaseFilters(awaiting_approval=True)) == (1, False)
    assert [r.id for r in waiting] == [pending] and waiting[0].approval == "pending"
    assert [r.id for r in checks] == [checking]
    assert checks[0].checks_open == 1 and checks[0].checks_due == datetime(2026, 11, 21, 9)
    assert both == []


@pytest.mark.parametrize("key", list(SORTS))
def test_a_search_with_many_matches_pages_in_sort_order_with_the_same_rows(cases, monkeypatch, key):
    from triage_desk import caselist

    ws, rows = cases
    year = rows[0].reference[:7]  # "TD-2024": many referrals
    letters = rows[5].subject_name[:2].lower()
    with ws.session() as s:
        for text_ in (year, letters):
            for desc in (False, True):
                sort = CaseSort(key, desc)
                monkeypatch.setattr(caselist, "WIDE", 10**9)  # matches lead, then are sorted
                monkeypatch.setattr(caselist, "WIDE_AT_LEAST", 10**9)
                narrow = [r.id for r in _all_pages(s, CaseFilters(text=text_), sort, 7)]
                monkeypatch.setattr(caselist, "WIDE", 0.1)  # the sort order leads, matches are checked
                monkeypatch.setattr(caselist, "WIDE_AT_LEAST", 5)
                wide = [r.id for r in _all_pages(s, CaseFilters(text=text_), sort, 7)]
                assert len(narrow) > 5 and wide == narrow
                both = CaseFilters(text=text_, status=("closed",))
                assert ([r.id for r in _all_pages(s, both, sort, 7)] ==
                        [i for i in narrow if i in {r.id for r in rows if r.status == "closed"}])


def _found_by(r, needle: str) -> bool:
    """What the search box finds, worked out by hand: a reference prefix, or every typed word beginning
    some word of the subject's names (accents and case folded, as both stores' search indexes fold)."""
    from triage_desk.caselist import _REF
    from triage_desk.models import fts

    if _REF.match(needle):
        return r.reference.upper().startswith(needle.upper())
    words = fts.fold(r.subject_name)
    return all(any(w.startswith(p) for w in words) for p in fts.fold(needle))


def _combinations(rows) -> list[tuple[CaseFilters, object]]:
    """Filters set together, as the filter bar allows: a name or reference search beside a status, RAG,
    agency or overdue; an agency beside a RAG or overdue; one typed letter beside a status."""
    from triage_desk.models import fts

    words = fts.fold(rows[5].subject_name)  # a surname, then a forename
    surname, two, year, now = words[0], words[0][:2], rows[0].reference[:7], NOW
    agency = max({r.referrer_agency for r in rows}, key=[r.referrer_agency for r in rows].count)
    out = []
    for text_ in (two, surname, f"{words[1][:3]} {surname}", year):
        out += [(CaseFilters(text=text_, status=("closed",)), lambda r: r.status == "closed"),
                (CaseFilters(text=text_, status=("draft", "submitted")), lambda r: r.status in ("draft", "submitted")),
                (CaseFilters(text=text_, rag=("red",)), lambda r: r.rag == "red"),
                (CaseFilters(text=text_, agency=agency), lambda r: r.referrer_agency == agency),
                (CaseFilters(text=text_, overdue=True, now=now), lambda r: r.next_due is not None and r.next_due < now),
                (CaseFilters(text=text_, status=("closed",), rag=("green", "amber"), agency=agency),
                 lambda r: r.status == "closed" and r.rag in ("green", "amber") and r.referrer_agency == agency)]
    out += [(CaseFilters(text=surname[:1]), lambda r: True),
            (CaseFilters(text=surname[:1], status=("closed",)), lambda r: r.status == "closed"),
            (CaseFilters(text=surname[:1], agency=agency, rag=("red",)),
             lambda r: r.referrer_agency == agency and r.rag == "red"),
            (CaseFilters(text=surname[:1], overdue=True, now=now),
             lambda r: r.next_due is not None and r.next_due < now),
            (CaseFilters(agency=agency, rag=("red",)), lambda r: r.referrer_agency == agency and r.rag == "red"),
            (CaseFilters(agency=agency, overdue=True, now=now),
             lambda r: r.referrer_agency == agency and r.next_due is not None and r.next_due < now)]
    return out


@pytest.mark.parametrize("walk", [False, True], ids=["matches-lead", "sort-order-leads"])
def test_combined_filters_list_every_matching_row_once_in_order_under_each_sort(cases, monkeypatch, walk):
    from triage_desk import caselist

    ws, rows = cases
    if walk:  # every search "has many matches": the sort order's index leads, matches are checked
        monkeypatch.setattr(caselist, "WIDE", 0.1)
        monkeypatch.setattr(caselist, "WIDE_AT_LEAST", 5)
    found = 0
    with ws.session() as s:
        for filters, keep in _combinations(rows):
            chosen = [r for r in rows if (not filters.text or _found_by(r, filters.text)) and keep(r)]
            for key in SORTS:
                for desc in (False, True):
                    sort = CaseSort(key, desc)
                    want = _expected(chosen, sort)
                    assert [r.id for r in _all_pages(s, filters, sort, 6)] == want, (filters, key, desc)
                    found += bool(want)
    assert found > 100  # most combinations find cases in the synthetic spread
