"""Case list and person matching at 1,000,000 referrals.

The database is built once with `demo.bulk_generate` and cached in /tmp/triage-bench-1m (delete the
folder to rebuild; TRIAGE_BENCH_REFERRALS changes the size). Each figure's floor is a hand-written
SQL query giving the same answer, run in the same process on the same data.

person_search     intake matching for a typed subject (misspelt surname + DOB + postcode), candidates
                  scored; floor: the same candidate look-ups as one hand-written SQL statement.
case_list_filter  first page (200 rows) filtered by RAG + referrer agency + received date range;
                  floor: the equivalent SELECT ... ORDER BY received_at DESC, id DESC LIMIT 201.
case_list_open    first page of the default sort (newest first) in a fresh session; floor: raw SQL.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import date
from functools import lru_cache
from pathlib import Path

from _harness import Figure, best_of, cached_workspace

BENCH_DIR = Path(os.environ.get("TRIAGE_BENCH_DIR", "/tmp/triage-bench-1m"))
N = int(os.environ.get("TRIAGE_BENCH_REFERRALS", "1000000"))


@lru_cache(maxsize=1)
def workspace():
    return cached_workspace(BENCH_DIR, N, seed=1)


def _subjects(ws, k: int = 15) -> list[dict]:
    """Typed subjects: real rows of the bench database with the surname misspelt (two letters swapped)."""
    from sqlalchemy import text

    rng = random.Random(3)
    out = []
    with ws.session() as s:
        top = s.execute(text("SELECT max(rowid) FROM person")).scalar_one()
        while len(out) < k:
            row = s.execute(text("SELECT surname, forenames, dob, postcode FROM person WHERE rowid = :r"),
                            {"r": rng.randrange(1, top + 1)}).first()
            if row is None:
                continue
            sn = row.surname
            i = rng.randrange(1, len(sn) - 2)
            typed = sn[:i] + sn[i + 1] + sn[i] + sn[i + 2:]
            out.append({"surname": typed, "forenames": row.forenames, "dob": str(row.dob),
                        "address": {"postcode": row.postcode}})
    return out


HAND_CANDIDATES = """
SELECT id, surname, forenames, dob, nhs_number, postcode, surname_key FROM person WHERE id IN (
  SELECT id FROM (SELECT id FROM person WHERE surname_key = :k AND dob = :d LIMIT 200)
  UNION SELECT id FROM (SELECT id FROM person WHERE dob = :d LIMIT 200)
  UNION SELECT id FROM (SELECT id FROM person WHERE surname_key = :k LIMIT 200)
  UNION SELECT id FROM (SELECT p.id FROM person_fts JOIN person p ON p.rowid = person_fts.rowid
                        WHERE person_fts MATCH :q LIMIT 200)
  UNION SELECT id FROM (SELECT p.id FROM person_fts JOIN person p ON p.rowid = person_fts.rowid
                        WHERE person_fts MATCH :pq LIMIT 200))
"""


def person_search() -> Figure:
    from sqlalchemy import text

    from triage_desk import matching

    ws = workspace()
    subjects = _subjects(ws)
    with ws.session() as s:
        def ours():
            for subj in subjects:
                found = matching.find_candidates(s, subj, with_referrals=True)
                assert found, "the misspelt subject was not found"

        def hand():
            for subj in subjects:
                words = [w.lower() for w in matching._WORD.findall(f"{subj['surname']} {subj['forenames']}")]
                s.execute(text(HAND_CANDIDATES), {
                    "k": matching.phonetic(subj["surname"]), "d": subj["dob"],
                    "q": " AND ".join(f'"{w}"*' for w in words),
                    "pq": f'postcode : "{subj["address"]["postcode"]}"'}).all()

        ours()
        hand()
        value, floor = best_of(ours, 5) / len(subjects), best_of(hand, 5) / len(subjects)
    return Figure("person_search", value * 1000, "ms", floor * 1000, "value <= 50 ms and ratio <= 3")


def _raw_page(ws, sql: str, params: tuple) -> list:
    raw = ws.engine.raw_connection()
    try:
        return raw.cursor().execute(sql, params).fetchall()
    finally:
        raw.close()


SELECT_COLS = ("SELECT id, reference, subject_name, received_at, status, rag, next_due, referrer_agency, "
               "urgent, re_referrals_12m, final_level, received_at FROM referral ")


def case_list_filter() -> Figure:
    from triage_desk.caselist import CaseFilters, CaseSort, fetch_page

    ws = workspace()
    filters = CaseFilters(rag=("red",), agency="Police", received_from=date(2024, 6, 1),
                          received_to=date(2025, 12, 31))
    hand_sql = (SELECT_COLS + "WHERE rag = ? AND referrer_agency = ? AND received_at >= ? AND received_at < ? "
                "ORDER BY received_at DESC, id DESC LIMIT 201")
    params = ("red", "Police", "2024-06-01 00:00:00.000000", "2026-01-01 00:00:00.000000")
    with ws.session() as s:
        rows, key = fetch_page(s, filters, CaseSort())
        hand_rows = _raw_page(ws, hand_sql, params)
        assert [r.id for r in rows] == [r[0] for r in hand_rows[:200]], "case list and SQL disagree"
        value = best_of(lambda: fetch_page(s, filters, CaseSort()), 9)
        raw = ws.engine.raw_connection()
        try:
            floor = best_of(lambda: raw.cursor().execute(hand_sql, params).fetchall(), 9)
        finally:
            raw.close()
    return Figure("case_list_filter", value * 1000, "ms", floor * 1000, "value <= 50 ms and ratio <= 3")


def case_list_open() -> Figure:
    from triage_desk.caselist import fetch_page

    ws = workspace()
    hand_sql = SELECT_COLS + "ORDER BY received_at DESC, id DESC LIMIT 201"

    def ours():
        with ws.session() as s:
            fetch_page(s)

    def hand():
        _raw_page(ws, hand_sql, ())

    ours()
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        ours()
        times.append(time.perf_counter() - t0)
    return Figure("case_list_open", statistics.median(times) * 1000, "ms", best_of(hand, 7) * 1000,
                  "value <= 300 ms")


FIGURES = {"person_search": person_search, "case_list_filter": case_list_filter, "case_list_open": case_list_open}
