"""The overdue view at 1,000,000 referrals (the same cached database as bench_caselist).

deadlines_overdue  first page (200 rows) of the case list filtered to "any deadline overdue", plus the
                   status bar's overdue count and the review queue's overdue page (the three views read
                   the same deadline rows); floor: the same indexed queries written by hand in SQL.
"""

from __future__ import annotations

from _harness import Figure, best_of
from bench_caselist import SELECT_COLS, workspace

# The list: cases whose earliest open deadline (next_due, a copy of the deadline rows) has passed, through
# the partial index over cases with something open (the same cases as any open deadline row past due).
HAND_LIST = (SELECT_COLS + "WHERE next_due IS NOT NULL AND next_due < ? "
             "ORDER BY received_at DESC, id DESC LIMIT 201")
HAND_COUNT = ("SELECT count(*) FROM (SELECT DISTINCT referral_id FROM deadline WHERE state = 'open' AND due_at < ? "
              "LIMIT 10001)")
HAND_QUEUE = ("SELECT d.id, d.referral_id, r.reference, d.kind, d.due_at, r.rag FROM (SELECT id, referral_id, kind, "
              "due_at FROM deadline WHERE state = 'open' AND due_at < ? ORDER BY due_at, id LIMIT 200) d "
              "JOIN referral r ON r.id = d.referral_id ORDER BY d.due_at, d.id")


def deadlines_overdue() -> Figure:
    from triage_desk import deadlines
    from triage_desk.caselist import CaseFilters, CaseSort, fetch_page
    from triage_desk.forms.clock import london_now
    from triage_desk.matching import sql_datetime

    ws = workspace()
    now = london_now()
    filters = CaseFilters(overdue=True, now=now)
    params = (sql_datetime(now),)
    with ws.session() as s:
        def ours():
            rows, _ = fetch_page(s, filters, CaseSort())
            deadlines.count_overdue(s, now)
            deadlines.overdue_page(s, now)
            return rows

        rows = ours()
        raw = ws.engine.raw_connection()
        try:
            cur = raw.cursor()

            def hand():
                listed = cur.execute(HAND_LIST, params).fetchall()
                cur.execute(HAND_COUNT, params).fetchone()
                cur.execute(HAND_QUEUE, params).fetchall()
                return listed

            assert [r.id for r in rows] == [r[0] for r in hand()[:200]], "overdue view and SQL disagree"
            value, floor = best_of(ours, 9), best_of(hand, 9)
        finally:
            raw.close()
    print(f"note: {len(rows)} cases on the first overdue page", flush=True)
    return Figure("deadlines_overdue", value * 1000, "ms", floor * 1000, "value <= 50 ms and ratio <= 3")


FIGURES = {"deadlines_overdue": deadlines_overdue}
