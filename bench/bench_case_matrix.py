"""Every filter x sort the case list offers, first page and a deep page, against hand-written SQL.

case_list_matrix  each filter the filter bar offers (status, RAG, agency, overdue, deadline kind,
                  awaiting approval, checks outstanding, search text), alone and set together (COMBINED:
                  a name search beside a status, RAG, agency or overdue, one typed letter, ...), with each
                  of the eight sorts, the first 200-row page and the page 5,000 pages in (or as deep as
                  the filter reaches), through `caselist.fetch_page`. Floor: for the same combination,
                  the best of the SELECT ... WHERE ... ORDER BY ... LIMIT 201 ways written by hand
                  (keyset row values for the deep page; by due, plus the cases with nothing due by id when
                  the page reaches them) on the same encrypted database. Reports the worst and the
                  median; the five slowest pages and each filter's worst go to stderr.
                  TRIAGE_BENCH_MATRIX_ONLY="overdue,red" runs only those filters.
agency_list       the agency drop-down's query (every distinct referrer agency), on every reload;
                  floor: one indexed look-up of the first agency (the least any such query can do).
"""

from __future__ import annotations

import os
import statistics
import sys
from datetime import datetime

from _harness import Figure, best_of
from bench_caselist import workspace

DEEP_PAGES = 5000
NOW = datetime(2030, 1, 1)  # every open deadline in the bench data is overdue by then
# (label, CaseFilters keyword arguments, hand-written WHERE, its parameters)
_OPEN_DL = "id IN (SELECT referral_id FROM deadline WHERE state = 'open' AND due_at < ?{kind})"
FILTERS = [
    ("all", {}, "1", ()),
    ("closed", {"status": ("closed",)}, "status = ?", ("closed",)),
    ("decided", {"status": ("decided",)}, "status = ?", ("decided",)),
    ("submitted", {"status": ("submitted",)}, "status = ?", ("submitted",)),
    ("open", {"status": ("draft", "submitted")}, "status IN (?, ?)", ("draft", "submitted")),
    ("red", {"rag": ("red",)}, "rag = ?", ("red",)),
    ("green", {"rag": ("green",)}, "rag = ?", ("green",)),
    ("police", {"agency": "Police"}, "referrer_agency = ?", ("Police",)),
    ("unknown agency", {"agency": "Unknown"}, "referrer_agency = ?", ("Unknown",)),
    ("closed+red", {"status": ("closed",), "rag": ("red",)}, "status = ? AND rag = ?", ("closed", "red")),
    # the earliest open deadline (next_due) has passed: the same cases as _OPEN_DL without a kind
    ("overdue", {"overdue": True, "now": NOW}, "next_due IS NOT NULL AND next_due < ?",
     ("2030-01-01 00:00:00.000000",)),
    ("overdue rag", {"overdue": True, "deadline_kind": "rag", "now": NOW}, _OPEN_DL.format(kind=" AND kind = ?"),
     ("2030-01-01 00:00:00.000000", "rag")),
    ("open assessment", {"deadline_kind": "assessment", "now": NOW},
     "id IN (SELECT referral_id FROM deadline WHERE state = 'open' AND kind = ?)", ("assessment",)),
    ("awaiting approval", {"awaiting_approval": True},
     "rowid IN (SELECT r.rowid FROM decision d JOIN referral r ON r.id = d.referral_id WHERE d.approval = ?)"
     " AND approval = ?", ("pending", "pending")),
    ("checks outstanding", {"checks_outstanding": True},
     "rowid IN (SELECT r.rowid FROM agency_check k JOIN referral r ON r.id = k.referral_id "
     "WHERE k.status = 'requested') AND checks_open > 0", ()),
    ("name 'pi'", {"text": "pi"}, "rowid IN (SELECT rowid FROM referral_fts WHERE referral_fts MATCH ?)",
     ('subject_name : ("pi"*)',)),
    ("name 'pimcombe'", {"text": "pimcombe"}, "rowid IN (SELECT rowid FROM referral_fts WHERE referral_fts MATCH ?)",
     ('subject_name : ("pimcombe"*)',)),
    ("reference", {"text": "TD-2025-0001"}, "reference >= ? AND reference < ?",
     ("TD-2025-0001", "TD-2025-0001\uffff")),
    ("year of references", {"text": "TD-2025-00"}, "reference >= ? AND reference < ?",
     ("TD-2025-00", "TD-2025-00\uffff")),
]
# Filters set together, as the filter bar allows: a name search beside a status, RAG, agency or overdue;
# a reference prefix beside a RAG; an agency beside a RAG or overdue; a one-letter search.
_PI = 'subject_name : ("pi"*)'
_FTS = "rowid IN (SELECT rowid FROM referral_fts WHERE referral_fts MATCH ?)"
_OVERDUE = "next_due IS NOT NULL AND next_due < ?"
_AT = "2030-01-01 00:00:00.000000"
COMBINED = [
    ("'pi' + closed", {"text": "pi", "status": ("closed",)}, f"{_FTS} AND status = ?", (_PI, "closed")),
    ("'pi' + decided", {"text": "pi", "status": ("decided",)}, f"{_FTS} AND status = ?", (_PI, "decided")),
    ("'pi' + submitted", {"text": "pi", "status": ("submitted",)}, f"{_FTS} AND status = ?", (_PI, "submitted")),
    ("'pi' + red", {"text": "pi", "rag": ("red",)}, f"{_FTS} AND rag = ?", (_PI, "red")),
    ("'pi' + police", {"text": "pi", "agency": "Police"}, f"{_FTS} AND referrer_agency = ?", (_PI, "Police")),
    ("'pi' + unknown agency", {"text": "pi", "agency": "Unknown"}, f"{_FTS} AND referrer_agency = ?",
     (_PI, "Unknown")),
    ("'pi' + overdue", {"text": "pi", "overdue": True, "now": NOW}, f"{_FTS} AND {_OVERDUE}", (_PI, _AT)),
    ("'pimcombe' + closed", {"text": "pimcombe", "status": ("closed",)}, f"{_FTS} AND status = ?",
     ('subject_name : ("pimcombe"*)', "closed")),
    ("'p'", {"text": "p"}, _FTS, ('subject_name : ("p"*)',)),
    ("'p' + closed", {"text": "p", "status": ("closed",)}, f"{_FTS} AND status = ?",
     ('subject_name : ("p"*)', "closed")),
    ("'TD-2025-00' + red", {"text": "TD-2025-00", "rag": ("red",)}, "reference >= ? AND reference < ? AND rag = ?",
     ("TD-2025-00", "TD-2025-00\uffff", "red")),
    ("police + red", {"agency": "Police", "rag": ("red",)}, "referrer_agency = ? AND rag = ?", ("Police", "red")),
    ("unknown agency + red", {"agency": "Unknown", "rag": ("red",)}, "referrer_agency = ? AND rag = ?",
     ("Unknown", "red")),
    ("police + overdue", {"agency": "Police", "overdue": True, "now": NOW}, f"referrer_agency = ? AND {_OVERDUE}",
     ("Police", _AT)),
]
FILTERS += COMBINED
# The other way to write a search by hand: walk the sort order's index, checking each rowid against the
# matches. The floor for a search is the faster of the two, per combination.
_FTS_WALK = "+rowid IN (SELECT rowid FROM referral_fts WHERE referral_fts MATCH ?)"
_REF_WALK = "+rowid IN (SELECT rowid FROM referral WHERE reference >= ? AND reference < ?)"
_DL_WALK = "next_due IS NOT NULL AND +" + _OPEN_DL  # a case with an open deadline has its earliest in next_due
# A search beside a filter, walked: the filter's index in sort order, each entry checked against the matches.
_COMBINED_WALK = {label: where.replace(_FTS, "+" + _FTS) for label, _, where, _ in COMBINED if _FTS in where}
ALTERNATIVE = {**_COMBINED_WALK,
               "'TD-2025-00' + red": "+rowid IN (SELECT rowid FROM referral WHERE reference >= ? AND reference < ?) "
                                     "AND rag = ?",
               "police + red": "+referrer_agency = ? AND rag = ?",
               "unknown agency + red": "referrer_agency = ? AND +rag = ?",
               "name 'pi'": _FTS_WALK, "name 'pimcombe'": _FTS_WALK, "reference": _REF_WALK,
               "year of references": _REF_WALK, "closed+red": "+status = ? AND rag = ?",
               "overdue rag": _DL_WALK.format(kind=" AND kind = ?"),
               "open assessment": "next_due IS NOT NULL AND +id IN (SELECT referral_id FROM deadline "
                                  "WHERE state = 'open' AND kind = ?)"}
# A name search by subject, by hand on the word table (migration 0017): (prefix, word range) per search.
# Beside a filter, the filter is checked in the entry (migration 0018): (its test, its parameters).
_PI_WORDS, _ON_ENTRY = ("pi", "pi", "pj"), {"status": "status = ?", "rag": "rag = ?", "agency": "referrer_agency = ?"}
WORDS = {"name 'pi'": (*_PI_WORDS, "", ()), "name 'pimcombe'": ("pi", "pimcombe", "pimcombf", "", ()),
         "'pimcombe' + closed": ("pi", "pimcombe", "pimcombf", " AND status = ?", ("closed",)),
         "'pi' + overdue": (*_PI_WORDS, " AND next_due < ?", (_AT,)),
         **{label: (*_PI_WORDS, f" AND {_ON_ENTRY[name]}", (value if isinstance(value, str) else value[0],))
            for label, kwargs, _, _ in COMBINED if kwargs.get("text") == "pi"
            for name, value in kwargs.items() if name in _ON_ENTRY}}
# One typed letter by hand on the word table (0018): walk the sort index, looking each entry up among its
# case's words; by subject, merge the first entries of each first-two-letter key's range.
_HAS_P = "EXISTS (SELECT 1 FROM referral_word w WHERE w.rid = referral.rowid AND w.word >= 'p' AND w.word < 'q')"
LETTERS = {"'p'": ("", ()), "'p' + closed": (" AND status = ?", ("closed",))}
_LETTER_KEYS = ("WITH RECURSIVE p(v) AS (SELECT min(prefix) FROM referral_word WHERE prefix >= 'p' AND prefix < 'q' "
                "UNION ALL SELECT (SELECT min(prefix) FROM referral_word WHERE prefix > p.v AND prefix < 'q') FROM p "
                "WHERE p.v IS NOT NULL) SELECT v FROM p WHERE v IS NOT NULL")
# A reference prefix beside a filter, by hand on the reference index carrying the sort keys and filters.
REFKEYS = {"'TD-2025-00' + red": ("TD-2025-00", "TD-2025-00\uffff", " AND rag = ?", ("red",))}
# Several statuses, by hand: one ordered range per status, merged by SQLite.
MERGED = {"open": ("draft", "submitted")}
SORTS = [("received", "received_at"), ("due", "next_due"), ("reference", "reference"),
         ("subject", "subject_sort")]
_DATETIMES = {"received_at", "next_due"}
COLS = ("SELECT id, reference, subject_name, received_at, status, rag, next_due, referrer_agency, urgent, "
        "re_referrals_12m, final_level, checks_open, checks_due, approval, suggested_level, next_due_kind")


def _hand(where: str, col: str, desc: bool, deep: bool) -> str:
    d = "DESC" if desc else "ASC"
    nulls = " AND next_due IS NOT NULL" if col == "next_due" else ""
    after = f" AND ({col}, id) {'<' if desc else '>'} (?, ?)" if deep else ""
    return f"{COLS}, {col} FROM referral WHERE {where}{nulls}{after} ORDER BY {col} {d}, id {d} LIMIT 201"


def _hand_words(label: str, col: str, desc: bool, deep: bool) -> tuple[str, tuple]:
    d, beyond = ("DESC", "<") if desc else ("ASC", ">")
    pre, lo, hi, on_entry, entry_params = WORDS[label]
    after = f" AND ({col}, id) {beyond} (?, ?)" if deep else ""
    nulls = " AND next_due IS NOT NULL" if col == "next_due" else ""
    group = "subject_sort, id" if col == "subject_sort" else "id"
    return (f"rowid IN (SELECT rid FROM referral_word WHERE prefix = ? AND word >= ? AND word < ?{on_entry}{nulls}"
            f"{after} GROUP BY {group} ORDER BY {col} {d}, id {d} LIMIT 201)"), (pre, lo, hi, *entry_params)


def _hand_refkeys(label: str, col: str, desc: bool, deep: bool) -> tuple[str, tuple]:
    d, beyond = ("DESC", "<") if desc else ("ASC", ">")
    lo, hi, on_entry, entry_params = REFKEYS[label]
    after = f" AND ({col}, id) {beyond} (?, ?)" if deep else ""
    nulls = " AND next_due IS NOT NULL" if col == "next_due" else ""
    return (f"rowid IN (SELECT rowid FROM referral INDEXED BY ix_referral_reference_keys WHERE reference >= ? "
            f"AND reference < ?{on_entry}{nulls}{after} ORDER BY {col} {d}, id {d} LIMIT 201)",
            (lo, hi, *entry_params))


def _hand_letters(cur, label: str, desc: bool, deep: bool) -> tuple[str, tuple]:
    d, beyond = ("DESC", "<") if desc else ("ASC", ">")
    on_entry, entry_params = LETTERS[label]
    after = f" AND (subject_sort, id) {beyond} (?, ?)" if deep else ""
    keys = [v for (v,) in cur.execute(_LETTER_KEYS).fetchall()]
    arm = (f"SELECT * FROM (SELECT rid, subject_sort, id FROM referral_word WHERE prefix = ? AND word >= 'p' AND "
           f"word < 'q'{on_entry}{after} GROUP BY subject_sort, id ORDER BY subject_sort {d}, id {d} LIMIT 201)")
    return (f"rowid IN (SELECT rid FROM ({' UNION ALL '.join([arm] * len(keys))}) GROUP BY subject_sort, id "
            f"ORDER BY subject_sort {d}, id {d} LIMIT 201)"), tuple(keys)


def _extra_floors(cur, label: str, col: str, desc: bool, after) -> list[tuple[str, tuple]]:
    """Hand-written SQL on the storage 0017 added, or the same answer written another way."""
    out = []
    deep = tuple(after) if after else ()
    for table, hand in ((WORDS, _hand_words), (REFKEYS, _hand_refkeys)):
        if label in table:
            where, params = hand(label, col, desc, bool(after))
            out.append((_hand(where, col, desc, False), params + deep))
    if label in LETTERS:
        out.append((_hand(_HAS_P + LETTERS[label][0], col, desc, bool(after)), LETTERS[label][1] + deep))
    if label in LETTERS and col == "subject_sort":
        where, keys = _hand_letters(cur, label, desc, bool(after))
        out.append((_hand(where, col, desc, False), tuple(p for k in keys for p in (k, *LETTERS[label][1], *deep))))
    if label in MERGED:
        d = "DESC" if desc else "ASC"
        arms = [f"SELECT * FROM ({_hand('status = ?', col, desc, bool(after))})" for _ in MERGED[label]]
        params = tuple(p for st in MERGED[label] for p in (st, *deep))
        out.append((" UNION ALL ".join(arms) + f" ORDER BY {col} {d}, id {d} LIMIT 201", params))
    return out


_COUNTS: dict[tuple, int] = {}  # a filter's count is the same for every sort (but due's, which skips NULLs)


def _deep_key(cur, where: str, params: tuple, col: str, desc: bool):
    """The key a user reaches after paging DEEP_PAGES pages (or 90% of the way through a shorter list)."""
    counted = (where, params, col == "next_due")
    if counted not in _COUNTS:
        _COUNTS[counted] = cur.execute(f"SELECT count(*) FROM referral WHERE {where}" + (
            " AND next_due IS NOT NULL" if col == "next_due" else ""), params).fetchone()[0]
    n = _COUNTS[counted]
    offset = min(DEEP_PAGES * 200, int(n * 0.9))
    if offset < 400:
        return None
    d = "DESC" if desc else "ASC"
    nulls = " AND next_due IS NOT NULL" if col == "next_due" else ""
    return cur.execute(f"SELECT {col}, id FROM referral WHERE {where}{nulls} ORDER BY {col} {d}, id {d} "
                       f"LIMIT 1 OFFSET {offset}", params).fetchone()


def _null_part(cur, label: str, where: str, params: tuple, desc: bool) -> tuple[float, list]:
    """By due, a page with fewer than 200 due dates goes on to the cases with nothing due, by id: the
    floor adds the best hand-written SQL for those (the filter as written, its ALTERNATIVE, or on 0018's
    narrow storage: the word entries by id, or each case looked up by id among its words)."""
    d = "DESC" if desc else "ASC"
    # (WHERE, parameters, the NULL test: "+" where the matches lead rather than the due index's NULLs)
    ways = [(w, params, plus) for w in (where, *([ALTERNATIVE[label]] if label in ALTERNATIVE else []))
            for plus in ("", "+")]
    if label in WORDS:
        pre, lo, hi, on_entry, entry_params = WORDS[label]
        ways.append((f"rowid IN (SELECT rid FROM referral_word WHERE prefix = ? AND word >= ? AND word < ?"
                     f"{on_entry} AND next_due IS NULL GROUP BY id ORDER BY id {d} LIMIT 201)",
                     (pre, lo, hi, *entry_params), "+"))
    if label in LETTERS:
        ways.append((_HAS_P.replace("w.rid = referral.rowid", "w.id = referral.id") + LETTERS[label][0],
                     LETTERS[label][1], ""))
    sqls = [(f"{COLS}, next_due FROM referral WHERE {w} AND {plus}next_due IS NULL ORDER BY id {d} LIMIT 201", p)
            for w, p, plus in ways]
    once = [(best_of(lambda q=q, p=p: cur.execute(q, p).fetchall(), 1), q, p) for q, p in sqls]
    fastest = min(t for t, _, _ in once)  # each way timed once; only those near the fastest are repeated
    best = min(best_of(lambda q=q, p=p: cur.execute(q, p).fetchall(), 3) for t, q, p in once if t < 3 * fastest)
    return best, cur.execute(*min(once)[1:]).fetchall()


def _one(s, cur, label, kwargs, where, params, key, col, desc) -> list[tuple]:
    from triage_desk.caselist import CaseFilters, CaseSort, fetch_page

    filters, sort = CaseFilters(**kwargs), CaseSort(key, desc)
    out = []
    deep = _deep_key(cur, where, params, col, desc)
    for name, after in (("first", None), ("deep", deep)):
        if name == "deep" and after is None:
            continue
        value = datetime.fromisoformat(after[0]) if after and col in _DATETIMES else (after[0] if after else None)
        app_key = (0, value, after[1]) if after else None
        hand_sql, hand_params = _hand(where, col, desc, bool(after)), params + (tuple(after) if after else ())
        rows, _ = fetch_page(s, filters, sort, app_key)
        hand = cur.execute(hand_sql, hand_params).fetchall()
        spills = col == "next_due" and len(hand) <= 200  # the page goes on to the cases with nothing due
        null_floor, nulls = _null_part(cur, label, where, params, desc) if spills else (0.0, [])
        assert [r.id for r in rows] == [r[0] for r in (hand + nulls)[:200]], f"{label} / {key}: app and SQL disagree"
        ours = best_of(lambda k=app_key: fetch_page(s, filters, sort, k), 3)
        floor = best_of(lambda q=hand_sql, p=hand_params: cur.execute(q, p).fetchall(), 3)
        if label in ALTERNATIVE:
            alt_sql = _hand(ALTERNATIVE[label], col, desc, bool(after))
            floor = min(floor, best_of(lambda q=alt_sql, p=hand_params: cur.execute(q, p).fetchall(), 3))
        for extra_sql, extra_params in _extra_floors(cur, label, col, desc, after):
            if col != "next_due":
                assert [r[0] for r in cur.execute(extra_sql, extra_params).fetchall()[:200]] == [r.id for r in rows]
            floor = min(floor, best_of(lambda q=extra_sql, p=extra_params: cur.execute(q, p).fetchall(), 3))
        out.append((ours, floor + null_floor, f"{label} / {key} {'desc' if desc else 'asc'} / {name}"))
    return out


def case_list_matrix() -> list[Figure]:
    ws = workspace()
    results = []
    only = {x.strip() for x in os.environ.get("TRIAGE_BENCH_MATRIX_ONLY", "").split(",") if x.strip()}
    raw = ws.engine.raw_connection()
    try:
        cur = raw.cursor()
        with ws.session() as s:
            for label, kwargs, where, params in FILTERS:
                if only and label not in only:  # TRIAGE_BENCH_MATRIX_ONLY="overdue,red": a few rows again
                    continue
                for key, col in SORTS:
                    for desc in (False, True):
                        results += _one(s, cur, label, kwargs, where, params, key, col, desc)
    finally:
        raw.close()
    results.sort(reverse=True)
    for ours, floor, name in results[:5]:
        print(f"  slowest: {name}: {ours * 1000:.1f} ms (floor {floor * 1000:.1f} ms)", file=sys.stderr)
    worst_of: dict[str, tuple] = {}
    for ours, floor, name in results:  # slowest first: the first page seen of a filter is its worst
        worst_of.setdefault(name.split(" / ")[0], (ours, floor, name))
    for ours, floor, name in worst_of.values():
        print(f"  worst of its filter: {name}: {ours * 1000:.1f} ms (floor {floor * 1000:.1f} ms)", file=sys.stderr)
    worst = results[0]
    median = statistics.median(r[0] for r in results)
    return [Figure("case_list_worst", worst[0] * 1000, "ms", worst[1] * 1000, "value <= 50 ms"),
            Figure("case_list_median", median * 1000, "ms", statistics.median(r[1] for r in results) * 1000,
                   f"value <= 50 ms ({len(results)} pages)")]


def agency_list() -> Figure:
    from triage_desk import case_access

    ws = workspace()
    case_access.referrer_agencies(ws)
    value = best_of(lambda: case_access.referrer_agencies(ws), 5)
    raw = ws.engine.raw_connection()
    try:
        sql = "SELECT min(referrer_agency) FROM referral"
        floor = best_of(lambda: raw.cursor().execute(sql).fetchall(), 5)
    finally:
        raw.close()
    return Figure("agency_list", value * 1000, "ms", floor * 1000, "value <= 50 ms")


FIGURES = {"case_list_matrix": case_list_matrix, "agency_list": agency_list}
