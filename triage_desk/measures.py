"""The measures a front door reports (domain §5), as pure queries: no Qt, usable from the CLI and tests.

Figures and breakdowns come from the per-contact summary rows (models/measure_row.py, kept by triggers)
in one scan (measures_summary.py); the lists of cases behind a figure read the same rows as Facts. The
per-contact SQL over the tables themselves (reference_facts / reference_report) is the definition they
are tested against, so a figure and the cases behind it cannot disagree. Definitions: measures_defs.py,
mirrored in docs/measures.md.

Times: `received_at` and deadline times are local Europe/London (naive). A period is whole days,
`start` to `end` inclusive, by date received.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from sqlalchemy import text

from triage_desk.errors import InputError
from triage_desk.measures_defs import BREAKDOWNS, BY_ID, MEASURES, PRIMARY_NEEDS, SOCIAL_CARE_OUTCOMES
from triage_desk.models.measure_row import consent_sql, flag

POPULATIONS = ("child", "adult")
_KINDS = {"dec": "decision", "rag": "rag", "chk": "agency_check", "sd": "strategy_discussion",
          "fb": "referrer_feedback"}


@dataclass(frozen=True)
class Scope:
    """Which contacts: received from `start` to `end` (inclusive), optionally one team, officer (the current
    decision's decider), referrer agency or population. `now` decides when an open deadline counts as missed
    (see cutoff)."""

    start: date
    end: date
    team: str | None = None
    officer: str | None = None
    agency: str | None = None
    population: str | None = None
    now: datetime | None = None

    def check(self) -> None:
        if self.end < self.start:
            raise InputError("period: the end date is before the start date")
        if self.population not in (None, *POPULATIONS):
            raise InputError(f"population: must be {' or '.join(POPULATIONS)}")

    def cutoff(self) -> datetime:
        """When an open deadline is judged: `now` when given, else the end of the period, or this moment when
        the period has not ended yet (a deadline due later today is not missed yet: docs/measures.md)."""
        if self.now is not None:
            return self.now
        from triage_desk.forms.clock import london_now

        return min(datetime.combine(self.end + timedelta(days=1), time.min), london_now())

    def previous(self) -> Scope:
        """The period of the same length just before this one (for trends)."""
        days = (self.end - self.start).days + 1
        return replace(self, start=self.start - timedelta(days=days), end=self.start - timedelta(days=1))


_FACTS_SQL = """
WITH base AS MATERIALIZED (  -- read once: the deadline tally and the main select both use it
  SELECT r.id, r.reference, r.received_at, r.referrer_agency AS agency, r.referral_source AS source,
         r.re_referrals_12m AS rr, r.document,
         (SELECT max(x.id) FROM decision x WHERE x.referral_id = r.id AND x.superseded = {false}) AS did
  FROM referral r
  WHERE r.status != 'draft' AND r.received_at >= :lo AND r.received_at < :hi {where}
),
dl AS (
  SELECT referral_id, {deadline_cols} FROM deadline
  WHERE referral_id IN (SELECT id FROM base) GROUP BY referral_id
)
SELECT b.id, b.reference, b.received_at, b.agency, b.source, b.rr,
       d.id, d.final_outcomes, d.overridden, d.direction, d.primary_need,
       {deadline_sel},
       EXISTS(SELECT 1 FROM case_event e WHERE e.referral_id = b.id AND e.to_state = 'assessment'),
       EXISTS(SELECT 1 FROM strategy_discussion s WHERE s.referral_id = b.id AND s.decision = 's47'),
       EXISTS(SELECT 1 FROM strategy_discussion s WHERE s.referral_id = b.id AND s.icpc_date IS NOT NULL),
       {consent_not_sought},
       {consent_refused},
       (SELECT count(*) FROM dispute p WHERE p.referral_id = b.id),
       (SELECT count(*) FROM dispute p WHERE p.referral_id = b.id AND p.outcome IS NOT NULL),
       (SELECT count(*) FROM dispute p WHERE p.referral_id = b.id AND p.outcome = 'changed')
FROM base b LEFT JOIN decision d ON d.id = b.did LEFT JOIN dl ON dl.referral_id = b.id
WHERE 1 = 1 {decision_where}
"""


def _sql(scope: Scope, dialect: str) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"lo": datetime.combine(scope.start, time.min),
                              "hi": datetime.combine(scope.end + timedelta(days=1), time.min),
                              "now": scope.cutoff()}
    where, decision_where = [], []
    if scope.agency:
        where.append("r.referrer_agency = :agency")
        params["agency"] = scope.agency
    if scope.population:
        where.append("r.variant = :population")
        params["population"] = scope.population
    if scope.officer:
        decision_where.append("d.decided_by = :officer")
        params["officer"] = scope.officer
    if scope.team:
        decision_where.append('d.decided_by IN (SELECT username FROM "user" WHERE team = :team)')
        params["team"] = scope.team
    cols, sel = [], []
    for short, kind in _KINDS.items():
        met = f"kind = '{kind}' AND state = 'met'"
        cols.append(f"sum({flag(dialect, met)}) AS {short}_met")
        due = f"kind = '{kind}' AND (state IN ('met', 'missed') OR (state = 'open' AND due_at < :now))"
        cols.append(f"sum({flag(dialect, due)}) AS {short}_due")
        sel.append(f"coalesce(dl.{short}_met, 0), coalesce(dl.{short}_due, 0)")
    sql = _FACTS_SQL.format(
        where="".join(f" AND {w}" for w in where), decision_where="".join(f" AND {w}" for w in decision_where),
        deadline_cols=", ".join(cols), deadline_sel=", ".join(sel),
        consent_not_sought=consent_sql(dialect, "b.document", "not_sought"),
        consent_refused=consent_sql(dialect, "b.document", "refused"), false="0" if dialect == "sqlite" else "false")
    return sql, params


class Facts(NamedTuple):
    """One contact in scope, as the measures see it (no names)."""

    id: str
    reference: str
    received_at: datetime
    agency: str | None
    source: str | None
    rr: int
    decision_id: int | None
    outcomes: tuple[str, ...]
    overridden: bool
    direction: str | None
    primary_need: str | None
    dec: tuple[int, int]  # (deadlines met, deadlines due) per kind
    rag: tuple[int, int]
    chk: tuple[int, int]
    sd: tuple[int, int]
    fb: tuple[int, int]
    assessment: bool
    s47: bool
    cp: bool
    consent_not_sought: bool
    consent_refused: bool
    disputes: int
    disputes_resolved: int
    disputes_changed: int


def _as_datetime(value) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def as_facts(r) -> Facts:
    """A facts row from a result row in the column order of _FACTS_SQL (measures_summary.facts uses it too)."""
    outcomes = tuple(json.loads(r[7])) if r[7] else ()
    pairs = [(int(r[i]), int(r[i + 1])) for i in range(11, 21, 2)]
    return Facts(r[0], r[1], _as_datetime(r[2]), r[3], r[4], int(r[5] or 0), r[6], outcomes, bool(r[8]), r[9],
                 r[10], *pairs, *(bool(v) for v in r[21:26]), *(int(v) for v in r[26:29]))


def reference_facts(session, scope: Scope) -> list[Facts]:
    """The facts row of every contact in scope, oldest first, read from the tables themselves (slow: the
    reference the summary rows are tested against)."""
    scope.check()
    sql, params = _sql(scope, session.get_bind().dialect.name)
    return [as_facts(r) for r in session.execute(text(sql + " ORDER BY b.received_at, b.id"), params)]


def facts(session, scope: Scope) -> list[Facts]:
    """The facts row of every contact in scope, oldest first (from the summary rows)."""
    from triage_desk.measures_summary import summary_facts

    scope.check()
    return [as_facts(r) for r in summary_facts(session, scope)]


# Each percentage measure: (numerator test, denominator test) over one contact's facts; counts of
# deadline rows / disputes are weighted (a case with two agency checks counts twice).
def _decided(f: Facts) -> bool:
    return f.decision_id is not None


def _has(code: str):
    return lambda f: code in f.outcomes


RULES: dict[str, tuple[Any, Any]] = {
    "contacts": (lambda f: 1, None),
    "referrals": (lambda f: any(c in f.outcomes for c in SOCIAL_CARE_OUTCOMES), None),
    "decided_in_time": (lambda f: f.dec[0], lambda f: f.dec[1]),
    "rag_in_time": (lambda f: f.rag[0], lambda f: f.rag[1]),
    "re_referral": (lambda f: f.rr > 0, lambda f: 1),
    "assessment": (lambda f: f.assessment, lambda f: 1),
    "s17": (_has("S17"), lambda f: 1),
    "s47": (lambda f: f.s47, lambda f: 1),
    "child_protection": (lambda f: f.cp, lambda f: 1),
    "nfa": (lambda f: _decided(f) and "NFA" in f.outcomes, _decided),
    "override": (lambda f: _decided(f) and f.overridden, _decided),
    "override_up": (lambda f: _decided(f) and f.direction == "up", _decided),
    "override_down": (lambda f: _decided(f) and f.direction == "down", _decided),
    "consent_not_sought": (lambda f: f.consent_not_sought, lambda f: 1),
    "consent_refused": (lambda f: f.consent_refused, lambda f: 1),
    "checks_in_time": (lambda f: f.chk[0], lambda f: f.chk[1]),
    "strategy_in_time": (lambda f: f.sd[0], lambda f: f.sd[1]),
    "feedback_in_time": (lambda f: f.fb[0], lambda f: f.fb[1]),
    "disputes": (lambda f: f.disputes, None),
    "disputes_changed": (lambda f: f.disputes_changed, lambda f: f.disputes_resolved),
}


@dataclass
class Figure:
    id: str
    title: str
    value: float | None  # percent (one decimal) or count; None: nothing to measure yet
    numerator: int
    denominator: int | None
    target: float | None
    previous: float | None = None  # the same figure over the previous period
    note: str = ""

    def as_json(self) -> dict:
        return {"id": self.id, "title": self.title, "value": self.value, "numerator": self.numerator,
                "denominator": self.denominator, "target": self.target, "previous": self.previous,
                "kind": BY_ID[self.id].kind, "note": self.note}


def _percent(num: int, den: int) -> float | None:
    return round(100 * num / den, 1) if den else None


def _figure(measure_id: str, rows: list[Facts]) -> Figure:
    m = BY_ID[measure_id]
    num_rule, den_rule = RULES[measure_id]
    num = sum(int(num_rule(f)) for f in rows)
    if den_rule is None:
        return Figure(m.id, m.title, num, num, None, m.target)
    den = sum(int(den_rule(f)) for f in rows)
    return Figure(m.id, m.title, _percent(num, den), num, den, m.target)


def shown(fig: Figure, value: float | None = None) -> str:
    """A figure in words: "92.5 %", "1,204", or why there is none."""
    value = fig.value if value is None else value
    if value is None:
        return fig.note or "nothing to measure"
    return f"{value:g} %" if BY_ID[fig.id].kind == "percent" else f"{value:,.0f}"


def trend(fig: Figure) -> str:
    if fig.value is None or fig.previous is None:
        return "no earlier figure"
    delta = fig.value - fig.previous
    if abs(delta) < 0.05:
        return "no change"
    better = BY_ID[fig.id].better
    word = "" if better == "none" else (" (better)" if (delta > 0) == (better == "up") else " (worse)")
    unit = " points" if BY_ID[fig.id].kind == "percent" else ""
    return f"{'up' if delta > 0 else 'down'} {abs(delta):,g}{unit}{word}"


def review_agreement(session, scope: Scope) -> Figure:
    """Reviews returned from review packs (agreement.py) for decisions made in the period's months."""
    from triage_desk import agreement

    m = BY_ID["review_agreement"]
    found = agreement.compute(session, officer=scope.officer, start=scope.start.strftime("%Y-%m"),
                              end=scope.end.strftime("%Y-%m"))
    if not found.n:
        return Figure(m.id, m.title, None, 0, 0, m.target, note="no reviews yet")
    agreed = sum(a == b for a, b in found.pairs)
    return Figure(m.id, m.title, _percent(agreed, found.n), agreed, found.n, m.target)


def breakdowns(rows: list[Facts]) -> dict[str, Any]:
    decided = [f for f in rows if _decided(f)]
    by_need = Counter(f.primary_need or "not recorded" for f in decided)
    nfa_agency: dict[str, list[int]] = {}
    for f in decided:
        pair = nfa_agency.setdefault(f.agency or "not recorded", [0, 0])
        pair[0] += 1
        pair[1] += "NFA" in f.outcomes
    weeks: dict[str, list[int]] = {}
    for f in rows:
        monday = (f.received_at.date() - timedelta(days=f.received_at.weekday())).isoformat()
        w = weeks.setdefault(monday, [0, 0, 0, 0])
        w[0] += 1
        w[1] += f.dec[0]
        w[2] += f.dec[1]
        w[3] += f.rr > 0
    return {
        "by_source": dict(sorted(Counter(f.source or "not recorded" for f in rows).items())),
        "by_primary_need": {k: by_need[k] for k in [*PRIMARY_NEEDS, "not recorded"] if by_need.get(k)},
        "by_outcome": dict(sorted(Counter(c for f in decided for c in f.outcomes).items())),
        "nfa_by_agency": {a: {"decided": d, "nfa": n, "percent": _percent(n, d)}
                          for a, (d, n) in sorted(nfa_agency.items())},
        "weekly": [{"week": k, "contacts": v[0], "decided_in_time": v[1], "decisions_due": v[2],
                    "percent_in_time": _percent(v[1], v[2]), "re_referrals": v[3]} for k, v in sorted(weeks.items())],
    }


@dataclass
class Report:
    scope: Scope
    figures: list[Figure]
    breakdowns: dict[str, Any] = field(default_factory=dict)

    def figure(self, measure_id: str) -> Figure:
        return next(f for f in self.figures if f.id == measure_id)

    def as_json(self) -> dict:
        s = self.scope
        return {"period": {"from": s.start.isoformat(), "to": s.end.isoformat()},
                "filters": {"team": s.team, "officer": s.officer, "agency": s.agency, "population": s.population},
                "figures": [f.as_json() for f in self.figures], "breakdowns": self.breakdowns,
                "breakdown_titles": {k: v[0] for k, v in BREAKDOWNS.items()}}


def _from_sums(measure_id: str, sums: dict[str, int]) -> Figure:
    from triage_desk.measures_summary import FIGURE_COLUMNS

    m = BY_ID[measure_id]
    num_col, den_col = FIGURE_COLUMNS[measure_id]
    if den_col is None:
        return Figure(m.id, m.title, sums[num_col], sums[num_col], None, m.target)
    return Figure(m.id, m.title, _percent(sums[num_col], sums[den_col]), sums[num_col], sums[den_col], m.target)


def _weekly(weeks: dict[str, dict[str, int]]) -> list[dict]:
    return [{"week": k, "contacts": v["contacts"], "decided_in_time": v["dec_met"], "decisions_due": v["dec_due"],
             "percent_in_time": _percent(v["dec_met"], v["dec_due"]), "re_referrals": v["rr"]}
            for k, v in sorted(weeks.items())]


def compute(session, scope: Scope, *, trend: bool = True, progress=None, stop=None) -> Report:
    """Every figure and breakdown for `scope` (from the summary rows: measures_summary.py); with `trend`,
    each figure's value over the previous period. `progress(step, done, total)` hears each step and may
    raise errors.Cancelled; setting the threading.Event `stop` interrupts a running scan."""
    from triage_desk import measures_summary as ms

    scope.check()
    steps = [ms.STEPS[i] for i in ((0, 1, 2, 3) if trend else (0, 1, 3))]

    def step(name: str) -> None:
        if progress is not None:
            progress(name, steps.index(name), len(steps))

    step(ms.STEPS[0])
    weeks, counted, sums = ms.period(session, scope, stop)
    step(ms.STEPS[1])
    figures = [_from_sums(m.id, sums) for m in MEASURES if m.id in RULES]
    groups = ms.breakdowns(counted)
    groups["nfa_by_agency"] = {a: {"decided": d, "nfa": n, "percent": _percent(n, d)}
                               for a, (d, n) in sorted(groups["nfa_by_agency"].items())}
    if trend:
        step(ms.STEPS[2])
        before = ms.period(session, scope.previous(), stop)[2]
        for fig in figures:
            fig.previous = _from_sums(fig.id, before).value
    step(ms.STEPS[3])
    figures.append(review_agreement(session, scope))
    if trend:
        figures[-1].previous = review_agreement(session, scope.previous()).value
    if progress is not None:
        progress("Done", len(steps), len(steps))
    return Report(scope, figures, {**groups, "weekly": _weekly(weeks)})


def reference_report(session, scope: Scope) -> Report:
    """The same figures and breakdowns folded from the per-contact facts, read from the tables themselves:
    the slow reference the summary path is tested against (tests/test_measures_summary.py)."""
    rows = reference_facts(session, scope)
    figures = [_figure(m.id, rows) for m in MEASURES if m.id in RULES]
    figures.append(review_agreement(session, scope))
    return Report(scope, figures, breakdowns(rows))


def cases(session, scope: Scope, measure_id: str, part: str = "numerator") -> list[Facts]:
    """The contacts behind a figure: those counted in its numerator (or denominator), oldest first."""
    if measure_id not in RULES:
        raise InputError(f"measure: no list of cases for {measure_id}")
    num_rule, den_rule = RULES[measure_id]
    rule = num_rule if part == "numerator" or den_rule is None else den_rule
    return [f for f in facts(session, scope) if rule(f)]
