"""Every figure and breakdown of a period from the per-contact summary rows (models/measure_row.py): two
grouped scans of one narrow table, clustered by date received, instead of a JSON parse and eight look-ups
per contact. The per-contact path (measures.facts) stays the reference: drill-down lists come from it, and
tests/test_measures_summary.py checks both give the same figures.

Long work reports its steps through `progress(step, done, total)`, which may raise errors.Cancelled; a
running scan is interrupted too (SQLite's progress handler), so a cancel on a million contacts is prompt.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from triage_desk.errors import Cancelled
from triage_desk.measures_defs import PRIMARY_NEEDS, SOCIAL_CARE_OUTCOMES
from triage_desk.models.measure_row import DEADLINE_KINDS, flag

Progress = Callable[[str, int, int], None]
STEPS = ("Counting the period's contacts, decisions and deadlines",
         "Grouping by referral source, primary need, outcome and agency",
         "Counting the previous period, for the trend",
         "Reading review agreement from returned review packs")


def _due(prefix: str, kind: str, dialect: str) -> str:
    """Deadlines met, missed, or open past `now` (exact: the deadline rows are read only when `now` falls
    between a contact's earliest and latest open deadline of this kind)."""
    plus = "+" if dialect == "sqlite" else ""  # SQLite: look the contact up, not every open deadline
    return (f"{prefix}_met + {prefix}_missed + CASE WHEN {prefix}_open = 0 THEN 0 "
            f"WHEN {prefix}_open_max < :now THEN {prefix}_open WHEN {prefix}_open_min >= :now THEN 0 "
            f"ELSE (SELECT count(*) FROM deadline x WHERE x.referral_id = m.referral_id AND {plus}x.kind = '{kind}' "
            f"AND {plus}x.state = 'open' AND {plus}x.due_at < :now) END")


def sums_sql(dialect: str) -> dict[str, str]:
    """column -> SQL sum over the contacts of a group (the columns of SUMS)."""
    return {
        "contacts": "1",
        **{c: e for p, k in DEADLINE_KINDS for c, e in ((f"{p}_met", f"{p}_met"), (f"{p}_due", _due(p, k, dialect)))},
        "rr": flag(dialect, "m.rr > 0"),
        "assessment": "m.assessment", "s47": "m.s47", "cp": "m.cp",
        "consent_not_sought": "m.consent_not_sought", "consent_refused": "m.consent_refused",
        "disputes": "m.disputes", "disputes_resolved": "m.disputes_resolved", "disputes_changed": "m.disputes_changed",
    }


SUMS = tuple(sums_sql("sqlite"))
# worked out from the breakdown keys instead (see key_sums): the current decision's outcomes and override
KEY_SUMS = ("referrals", "s17", "decided", "nfa", "override", "override_up", "override_down")
# measure id -> (numerator column, denominator column or None for a count)
FIGURE_COLUMNS: dict[str, tuple[str, str | None]] = {
    "contacts": ("contacts", None), "referrals": ("referrals", None),
    "decided_in_time": ("dec_met", "dec_due"), "rag_in_time": ("rag_met", "rag_due"),
    "re_referral": ("rr", "contacts"), "assessment": ("assessment", "contacts"), "s17": ("s17", "contacts"),
    "s47": ("s47", "contacts"), "child_protection": ("cp", "contacts"), "nfa": ("nfa", "decided"),
    "override": ("override", "decided"), "override_up": ("override_up", "decided"),
    "override_down": ("override_down", "decided"), "consent_not_sought": ("consent_not_sought", "contacts"),
    "consent_refused": ("consent_refused", "contacts"), "checks_in_time": ("chk_met", "chk_due"),
    "strategy_in_time": ("sd_met", "sd_due"), "feedback_in_time": ("fb_met", "fb_due"),
    "disputes": ("disputes", None), "disputes_changed": ("disputes_changed", "disputes_resolved"),
}


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _where(scope) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"lo": datetime.combine(scope.start, time.min),
                              "hi": datetime.combine(scope.end + timedelta(days=1), time.min),
                              "now": scope.cutoff()}
    params["wlo"], params["whi"] = (_monday(d).isoformat() for d in (scope.start, scope.end))
    where = ["m.week BETWEEN :wlo AND :whi", "m.received_at >= :lo", "m.received_at < :hi"]
    for column, key in (("m.agency", "agency"), ("m.variant", "population"), ("m.decided_by", "officer")):
        if getattr(scope, key):
            where.append(f"{column} = :{key}")
            params[key] = getattr(scope, key)
    if scope.team:
        where.append('m.decided_by IN (SELECT username FROM "user" WHERE team = :team)')
        params["team"] = scope.team
    return " AND ".join(where), params


@contextmanager
def _interruptible(session, stop: threading.Event | None) -> Iterator[None]:
    """Let `stop` abort a running statement: SQLite checks it every 50,000 steps; a PostgreSQL server is sent
    a cancel request (watched every 50 ms)."""
    raw = session.connection().connection.dbapi_connection
    if stop is None or not hasattr(raw, "set_progress_handler") and not hasattr(raw, "cancel"):
        yield
        return
    if stop.is_set():
        raise Cancelled("stopped before the figures were worked out")
    done, turn = threading.Event(), threading.Lock()
    if hasattr(raw, "set_progress_handler"):
        raw.set_progress_handler(lambda: 1 if stop.is_set() else 0, 50_000)
    else:
        def watch() -> None:
            while not done.is_set():
                if stop.wait(0.05):
                    with turn:  # never once the statement is over: the connection goes back to the pool
                        if not done.is_set():
                            raw.cancel()
                    return

        threading.Thread(target=watch, daemon=True, name="measures-cancel").start()
    try:
        yield
    except OperationalError as exc:
        if stop.is_set() and any(w in str(exc).lower() for w in ("interrupt", "cancel")):
            raise Cancelled("stopped before the figures were worked out") from None
        raise
    finally:
        with turn:
            done.set()
        if hasattr(raw, "set_progress_handler"):
            raw.set_progress_handler(None, 0)


# One short key per contact, joined per week by the database and counted in Python: the breakdowns then cost
# no sort of every contact (a GROUP BY over a million rows is SQLite's slowest step here).
_KEY = (("m.source", ""), ("m.decision_id IS NOT NULL", "flag"), ("m.primary_need", ""), ("m.outcomes", ""),
        ("m.agency", ""), ("coalesce(m.overridden, 0) != 0", "flag"), ("m.direction", ""))
_PARTS = len(_KEY)


def _key_parts(dialect: str) -> tuple[str, ...]:
    """The parts of a contact's breakdown key, each as text ('' for none) or 0 / 1."""
    return tuple(flag(dialect, e) if kind else f"coalesce({e}, '')" for e, kind in _KEY)


def _joined_keys(dialect: str) -> str:
    """The keys of a group's contacts in one string: parts joined by unit separators, keys by record ones.
    SQLite formats each key in one printf call (NULL prints as ''): a chain of || allocates at every step."""
    if dialect == "sqlite":
        formatted = "\x1f".join(["%s"] * _PARTS)
        return f"group_concat(printf('{formatted}', {', '.join(flag(dialect, e) if k else e for e, k in _KEY)}), " \
               "char(30))"
    return f"string_agg({' || chr(31) || '.join(f'({p})::text' for p in _key_parts(dialect))}, chr(30))"


def _dialect(session) -> str:
    """The store's SQL dialect. On PostgreSQL also turns JIT off for the rest of this transaction: compiling
    a year's scan took three times longer than running it (1.3 s against 0.3 s at 100,000 contacts)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SET LOCAL jit = off"))
    return dialect


def weekly_sums(session, scope, stop: threading.Event | None = None, *, keys: bool = False):
    """Per week received (Monday's date): every column of SUMS, summed. With `keys`, also a Counter of the
    contacts' breakdown keys over the period (None when a value holds a separator: use `grouped`)."""
    dialect = _dialect(session)
    where, params = _where(scope)
    cols = ", ".join(f"coalesce(sum({expr}), 0)" for expr in sums_sql(dialect).values())
    concat = f", {_joined_keys(dialect)}" if keys else ""
    sql = f"SELECT m.week, {cols}{concat} FROM measure_row m WHERE {where} GROUP BY m.week ORDER BY m.week"
    with _interruptible(session, stop):
        rows = session.execute(text(sql), params).all()
    weeks = {r[0]: dict(zip(SUMS, (int(v) for v in r[1:len(SUMS) + 1]), strict=True)) for r in rows}
    if not keys:
        return weeks
    joined: Counter = Counter()
    for r in rows:
        joined.update(r[-1].split("\x1e"))
    if sum(joined.values()) != sum(w["contacts"] for w in weeks.values()) or \
            any(k.count("\x1f") != _PARTS - 1 for k in joined):
        return weeks, None
    return weeks, Counter({tuple(k.split("\x1f")): n for k, n in joined.items()})


def totals(weeks: dict[str, dict[str, int]]) -> dict[str, int]:
    out = dict.fromkeys(SUMS, 0)
    for sums in weeks.values():
        for k, v in sums.items():
            out[k] += v
    return out


def grouped(session, scope, stop: threading.Event | None = None) -> Counter:
    """The breakdown keys counted by SQL (exact whatever the values hold; slower: a sort of every contact)."""
    where, params = _where(scope)
    sql = (f"SELECT {', '.join(_key_parts(_dialect(session)))}, count(*) FROM measure_row m WHERE {where} "
           f"GROUP BY {', '.join(str(i + 1) for i in range(_PARTS))}")
    with _interruptible(session, stop):
        return Counter({tuple(str(v) for v in r[:-1]): r[-1] for r in session.execute(text(sql), params)})


def period(session, scope, stop: threading.Event | None = None):
    """(per-week sums, counted breakdown keys, every SUMS and KEY_SUMS column over the period)."""
    weeks, counted = weekly_sums(session, scope, stop, keys=True)
    if counted is None:
        counted = grouped(session, scope, stop)
    return weeks, counted, totals(weeks) | key_sums(counted)


def key_sums(counted: Counter) -> dict[str, int]:
    """The KEY_SUMS columns over the period, from the counted breakdown keys."""
    out = dict.fromkeys(KEY_SUMS, 0)
    for (_source, decided, _need, outcomes, _agency, overridden, direction), n in counted.items():
        codes = json.loads(outcomes) if outcomes else []
        out["referrals"] += n if any(c in codes for c in SOCIAL_CARE_OUTCOMES) else 0
        out["s17"] += n if "S17" in codes else 0
        if decided == "1":
            out["decided"] += n
            out["nfa"] += n if "NFA" in codes else 0
            out["override"] += n if overridden == "1" else 0
            out["override_up"] += n if direction == "up" else 0
            out["override_down"] += n if direction == "down" else 0
    return out


def breakdowns(counted: Counter) -> dict[str, Any]:
    """By source, primary need, outcome and agency, from the counted breakdown keys (tuples of _key_parts)."""
    by_source: Counter = Counter()
    by_need: Counter = Counter()
    by_outcome: Counter = Counter()
    nfa_agency: dict[str, list[int]] = {}
    for (source, decided, need, outcomes, agency, _overridden, _direction), n in counted.items():
        by_source[source or "not recorded"] += n
        if decided != "1":
            continue
        codes = json.loads(outcomes) if outcomes else []
        by_need[need or "not recorded"] += n
        for code in codes:
            by_outcome[code] += n
        pair = nfa_agency.setdefault(agency or "not recorded", [0, 0])
        pair[0] += n
        pair[1] += n if "NFA" in codes else 0
    return {"by_source": dict(sorted(by_source.items())),
            "by_primary_need": {k: by_need[k] for k in [*PRIMARY_NEEDS, "not recorded"] if by_need.get(k)},
            "by_outcome": dict(sorted(by_outcome.items())),
            "nfa_by_agency": nfa_agency}


def _fact_columns(dialect: str) -> str:
    return ("m.referral_id, m.reference, m.received_at, m.agency, m.source, m.rr, m.decision_id, m.outcomes, "
            "m.overridden, m.direction, m.primary_need, "
            + ", ".join(f"m.{p}_met, {_due(p, k, dialect)}" for p, k in DEADLINE_KINDS)
            + ", m.assessment, m.s47, m.cp, m.consent_not_sought, m.consent_refused, m.disputes, "
            "m.disputes_resolved, m.disputes_changed")


def summary_facts(session, scope) -> list:
    """Every contact in scope, oldest first, from the summary rows, in the column order measures.as_facts
    reads (the same rows as measures.reference_facts reads from the tables)."""
    where, params = _where(scope)
    sql = (f"SELECT {_fact_columns(_dialect(session))} FROM measure_row m WHERE {where} "
           "ORDER BY m.received_at, m.referral_id")
    return session.execute(text(sql), params).all()
