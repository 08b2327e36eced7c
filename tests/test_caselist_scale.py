"""What keeps the case list's pages index reads at a million referrals (issue 16), with the same rows:
a name search sorted by subject reads the narrow word table (models/fts.py, migration 0017); several
statuses or RAGs read one index range per value, merged."""

from __future__ import annotations

import pytest
from intake_helpers import complete, subject
from plan_helpers import query_plans
from sqlalchemy import delete, text
from test_caselist import DEMO_END

from triage_desk import demo, intake
from triage_desk.caselist import SORTS, CaseFilters, CaseSort, fetch_page
from triage_desk.models import Referral, fts


@pytest.fixture
def cases(workspace_from):
    return workspace_from("caselist-700-seed6", lambda ws: demo.bulk_generate(ws, 700, seed=6, until=DEMO_END))


_COLUMN = {"received": "received_at", "due": "next_due", "reference": "reference", "subject": "subject_sort"}


def _pages(s, needle: str, desc: bool, limit: int = 7, key: str = "subject") -> list[str]:
    seen, page_key = [], None
    while True:
        page, page_key = fetch_page(s, CaseFilters(text=needle), CaseSort(key, desc), page_key, limit)
        seen += [r.id for r in page]
        if page_key is None:
            return seen


def _fts_answer(s, needle: str, desc: bool, key: str = "subject") -> list[str]:
    """What the full-text index says, sorted by hand (a case with no deadline open last, by id)."""
    terms = " AND ".join(f'"{w}"*' for w in needle.lower().split())
    d, col = ("DESC" if desc else "ASC"), _COLUMN[key]
    return [r[0] for r in s.execute(text(
        "SELECT id FROM referral WHERE rowid IN (SELECT rowid FROM referral_fts WHERE referral_fts MATCH :q) "
        f"ORDER BY {col} IS NULL, {col} {d}, id {d}"), {"q": f"subject_name : ({terms})"})]


def _sqlite_only(ws) -> None:
    if ws.engine.dialect.name != "sqlite":
        pytest.skip("the word table is the SQLCipher store's (PostgreSQL keeps documents out of line)")


def _submit(ws, *people: dict) -> dict:
    return intake.submit(ws, complete(intake.new_draft(ws), *people, received_at="2026-01-10T09:00"))


def test_name_search_by_subject_gives_the_full_text_answer_page_by_page(cases):
    _sqlite_only(cases)
    _submit(cases, subject("Ó Fearghaíl-Whitmore", "Zoë"), subject("Pimbleton", "Wilf"))
    _submit(cases, subject("Whitby", "Piran Óscar"))
    with cases.session() as s:
        letters = s.execute(text("SELECT substr(subject_sort, 1, 2) FROM referral LIMIT 1")).scalar_one()
        for needle in (letters, "p", "pi", "whit", "fearghail", "zoe", "oscar", "whit pi", "o fearghail", "zz"):
            for key, desc in ((key, desc) for key in SORTS for desc in (False, True)):
                want = _fts_answer(s, needle, desc, key)
                assert _pages(s, needle, desc, key=key) == want, (needle, key, desc)
                assert needle == "zz" or want, needle


def test_renamed_and_deleted_cases_leave_the_subject_sorted_search(cases):
    _sqlite_only(cases)
    draft = complete(intake.new_draft(cases), subject("Quennellow", "Ada"))
    intake.save_draft(cases, draft, "subjects")
    with cases.session() as s:
        assert _pages(s, "quennel", False) == [draft["id"]]
    draft["subjects"][0]["surname"] = "Rathbury"
    intake.save_draft(cases, draft, "subjects")
    gone = _submit(cases, subject("Quennellow", "Bea"))
    with cases.session() as s:
        s.execute(delete(Referral).where(Referral.id == gone["id"]))
    with cases.session() as s:
        assert _pages(s, "quennel", False) == [] and _pages(s, "rathb", True) == [draft["id"]]
        assert s.execute(text("SELECT count(*) FROM referral_word WHERE id = :i"), {"i": gone["id"]}).scalar() == 0


def test_a_two_letter_search_by_subject_reads_words_in_order_not_every_matching_case(cases):
    """At a million referrals "pi" matches ~36,000 cases: sorting them read as many ~4 KB rows (1.6 s)."""
    _sqlite_only(cases)

    def two_pages(s):
        _, key = fetch_page(s, CaseFilters(text="pi"), CaseSort("subject"), None, 5)
        fetch_page(s, CaseFilters(text="pi"), CaseSort("subject"), key, 5)

    rows = _plan_rows(cases, two_pages)
    plan = " | ".join(str(r[-1]) for r in rows)
    assert "SEARCH referral_word USING PRIMARY KEY (prefix=? AND (subject_sort,id)>(?,?))" in plan, plan
    assert not [r for r in rows if r[1] != 0 and "TEMP B-TREE" in r[-1]], rows  # only the page's 5 rows are sorted
    assert "SEARCH referral USING INTEGER PRIMARY KEY (rowid=?)" in plan and "SCAN referral" not in plan, plan
    assert "VIRTUAL TABLE" not in plan  # one typed word: its key range is exactly the full-text matches


def test_the_migration_fills_the_same_words_the_triggers_keep(cases):
    _sqlite_only(cases)
    _submit(cases, subject("Ó Fearghaíl-Whitmore", "Zoë"), subject("D'Arcy", "Jean-Luc"))
    query = text("SELECT * FROM referral_word ORDER BY 1, 2, 3, 4")
    with cases.session() as s:
        kept = s.execute(query).all()
        s.execute(text("DELETE FROM referral_word"))
        for statement in fts.NAME_WORD_FILL:
            s.execute(text(statement))
        filled = s.execute(query).all()
    assert len(kept) > 700 and filled == kept
    assert {"o", "fearghail", "whitmore", "zoe", "d", "arcy", "jean", "luc"} <= {r.word for r in kept}


@pytest.mark.parametrize("key", list(SORTS))
def test_several_statuses_page_in_sort_order_one_index_range_each(cases, key):
    from sqlalchemy import event, select

    statements = []

    def capture(conn, cursor, statement, params, *args):
        statements.append((statement, params))

    with cases.session() as s:
        rows = s.execute(select(Referral.id, Referral.status, Referral.rag, getattr(Referral, {
            "received": "received_at", "due": "next_due", "reference": "reference", "subject": "subject_sort"}[key]))
        ).all()
    for filters in (CaseFilters(status=("draft", "submitted", "decided")), CaseFilters(status=("closed", "decided"),
                                                                            rag=("red", "green"))):
        for desc in (False, True):
            keep = [r for r in rows if r.status in filters.status and (not filters.rag or r.rag in filters.rag)]
            valued = sorted((r for r in keep if r[3] is not None), key=lambda r: (r[3], r.id), reverse=desc)
            nulls = sorted((r for r in keep if r[3] is None), key=lambda r: r.id, reverse=desc)
            seen, page_key = [], None
            event.listen(cases.engine, "before_cursor_execute", capture)
            try:
                with cases.session() as s:
                    while True:
                        page, page_key = fetch_page(s, filters, CaseSort(key, desc), page_key, 9)
                        seen += [r.id for r in page]
                        if page_key is None:
                            break
                    plans = [" | ".join(str(r[-1]) for r in s.connection().exec_driver_sql(
                        "EXPLAIN QUERY PLAN " + st, p)) for st, p in statements[-4:]] if _is_sqlite(cases) else []
            finally:
                event.remove(cases.engine, "before_cursor_execute", capture)
            assert seen == [r.id for r in valued + nulls] and len(seen) > 9
            assert all("TEMP B-TREE FOR ORDER BY" not in plan for plan in plans), plans


def _is_sqlite(ws) -> bool:
    return ws.engine.dialect.name == "sqlite"


def _plan_rows(ws, run) -> list:
    """SQLite's plan of the last statement `run(session)` ran."""
    return query_plans(ws, run, last=True)[0]


def _last_plan(ws, run) -> str:
    return " | ".join(str(r[-1]) for r in _plan_rows(ws, run))


@pytest.mark.parametrize("key", list(SORTS))
def test_closed_and_red_walk_the_rag_index_and_open_ones_the_status_index(cases, key):
    """At a million referrals 19 in 20 are closed: walking "closed" for red ones read ~4,000 rows a page."""
    _sqlite_only(cases)
    closed_red = _last_plan(cases, lambda s: fetch_page(s, CaseFilters(status=("closed",), rag=("red",)),
                                                        CaseSort(key)))
    open_red = _last_plan(cases, lambda s: fetch_page(s, CaseFilters(status=("submitted",), rag=("red",)),
                                                      CaseSort(key)))
    assert f"USING INDEX ix_referral_rag_{key}" in closed_red, closed_red
    assert "ix_referral_status_" in open_red, open_red


def test_a_reference_search_keeps_its_reference_beside_a_deadline_filter(cases):
    with cases.session() as s:
        open_ids = [r[0] for r in s.execute(text(
            "SELECT DISTINCT r.reference FROM deadline d JOIN referral r ON r.id = d.referral_id "
            "WHERE d.state = 'open' AND d.kind = 'decision' ORDER BY 1 LIMIT 2"))]
        page, _ = fetch_page(s, CaseFilters(text=open_ids[0], deadline_kind="decision"))
    assert len(open_ids) == 2 and [r.reference for r in page] == [open_ids[0]]


def test_deadline_filters_and_name_searches_by_due_never_walk_the_cases_with_nothing_due(cases):
    """Most cases have no open deadline: the NULL end of the due index is ~a million entries at 1M."""
    _sqlite_only(cases)
    for filters in (CaseFilters(deadline_kind="assessment"), CaseFilters(text="pi")):
        for desc in (False, True):
            plan = _last_plan(cases, lambda s, f=filters, d=desc: fetch_page(s, f, CaseSort("due", d), None, 5))
            assert "(next_due=?" not in plan and "SCAN" not in plan, (filters, plan)  # next_due=?: IS NULL


@pytest.mark.parametrize("key", ["received", "due", "subject"])
def test_a_reference_search_sorted_otherwise_sorts_narrow_index_entries(cases, key):
    """"TD-2025-00" matches ~10,000 cases at a million: sorting them read as many ~4 KB rows (~150 ms)."""
    _sqlite_only(cases)
    with cases.session() as s:
        year = s.execute(text("SELECT substr(min(reference), 1, 7) FROM referral")).scalar_one()
    plan = _last_plan(cases, lambda s: fetch_page(s, CaseFilters(text=year), CaseSort(key), None, 5))
    assert "USING COVERING INDEX ix_referral_reference_keys" in plan and "SCAN" not in plan, plan


def test_a_case_s_status_rag_and_agency_follow_into_its_word_entries(cases):
    """The word table checks the filters beside a name search itself (migration 0018): it must follow."""
    from sqlalchemy import update

    _sqlite_only(cases)
    case = _submit(cases, subject("Quennellow", "Ada"))
    search = CaseFilters(text="quennel", status=("closed",), rag=("red",), agency="Housing")
    with cases.session() as s:
        assert fetch_page(s, search, CaseSort("subject"))[0] == []
        s.execute(update(Referral).where(Referral.id == case["id"]).values(status="closed", rag="red",
                                                                          referrer_agency="Housing"))
    with cases.session() as s:
        for key in SORTS:
            assert [r.id for r in fetch_page(s, search, CaseSort(key))[0]] == [case["id"]], key
        s.execute(update(Referral).where(Referral.id == case["id"]).values(rag="green"))
    with cases.session() as s:
        assert fetch_page(s, search, CaseSort("subject"))[0] == []
        assert s.execute(text("SELECT DISTINCT status, rag, referrer_agency FROM referral_word WHERE id = :i"),
                         {"i": case["id"]}).all() == [("closed", "green", "Housing")]


@pytest.mark.parametrize("key", list(SORTS))
def test_a_search_beside_a_filter_checks_the_filter_in_narrow_entries(cases, key):
    """At a million referrals "pi" + closed by subject walked the closed cases' subject index from "z" to
    "pi" (150–900 ms); "TD-2025-00" + red read ~10,000 matches' ~4 KB rows (70–100 ms)."""
    _sqlite_only(cases)
    with cases.session() as s:
        letters = s.execute(text("SELECT substr(subject_sort, 1, 2) FROM referral LIMIT 1")).scalar_one()
        year = s.execute(text("SELECT substr(min(reference), 1, 7) FROM referral")).scalar_one()
    for filters in (CaseFilters(text=letters, status=("closed",)), CaseFilters(text=letters, rag=("red",)),
                    CaseFilters(text=letters, agency="Police"), CaseFilters(text=letters, overdue=True, now=DEMO_END)):
        plan = _last_plan(cases, lambda s, f=filters: fetch_page(s, f, CaseSort(key), None, 5))
        assert "SEARCH referral_word USING PRIMARY KEY (prefix=?" in plan and "SCAN" not in plan, (filters, plan)
        assert "VIRTUAL TABLE" not in plan and "ix_referral_" not in plan, (filters, plan)
    plan = _last_plan(cases, lambda s: fetch_page(s, CaseFilters(text=year, rag=("red",)), CaseSort(key), None, 5))
    assert "USING COVERING INDEX ix_referral_reference_keys" in plan and "SCAN" not in plan, plan


_DEEP = {"received": DEMO_END, "due": DEMO_END, "reference": "TD-2025", "subject": "m"}  # a key some way in


@pytest.mark.parametrize("key", list(SORTS))
def test_an_agency_beside_a_rag_or_overdue_walks_the_smaller_set(cases, key):
    """A small agency (2% of cases) beside "red" walked red's index, reading ~50 rows per case shown; an
    agency beside overdue walked the agency's index to a deep page (4.8 s at 1M)."""
    _sqlite_only(cases)
    red = _last_plan(cases, lambda s: fetch_page(s, CaseFilters(agency="Unknown", rag=("red",)), CaseSort(key)))
    overdue = _last_plan(cases, lambda s: fetch_page(s, CaseFilters(agency="Police", overdue=True, now=DEMO_END),
                                                     CaseSort(key), (0, _DEEP[key], "m")))
    assert f"USING INDEX ix_referral_agency_{key}" in red, red
    assert "ix_referral_agency" not in overdue and ("ix_referral_open_" in overdue or "ix_referral_due" in overdue), \
        overdue


@pytest.mark.parametrize("key", list(SORTS))
def test_one_typed_letter_with_many_matches_never_gathers_every_match(cases, monkeypatch, key):
    """"p" matches ~110,000 cases at 1M: gathering them from FTS5 (no one-letter prefix index) cost 10–20 ms
    for each statement, two or three times a page (60–120 ms); by subject, walking the subject index for the
    first P-words read ~50,000 entries."""
    from triage_desk import caselist

    _sqlite_only(cases)
    monkeypatch.setattr(caselist, "WIDE", 0.1)  # "many matches" at 700 referrals
    monkeypatch.setattr(caselist, "WIDE_AT_LEAST", 5)
    for filters in (CaseFilters(text="p"), CaseFilters(text="p", status=("closed",))):
        plans = [" | ".join(str(r[-1]) for r in rows) for rows in query_plans(
            cases, lambda s, f=filters: fetch_page(s, f, CaseSort(key), None, 5))]
        assert "VIRTUAL TABLE" not in " ".join(plans), plans
        if key == "subject":  # each first-two-letter key's range in subject order, the page's first of each merged
            assert "SEARCH referral_word USING PRIMARY KEY (prefix=?)" in plans[-1], plans
        else:
            look_up = "ix_referral_word_id (id=?" if key == "due" else "ix_referral_word_rid (rid=?"  # NULLs by id
            assert f"USING COVERING INDEX {look_up} AND word>? AND word<?)" in plans[-1], plans
            assert "TEMP B-TREE" not in plans[-1] and "SCAN referral_word" not in plans[-1], plans
