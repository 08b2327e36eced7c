"""Agreement between officers and reviewing practice leads (issue 13 point 6).

From the reviews applied at the front door, for all officers or one officer, one team (the officer's team,
`triage-desk user set-team`) and a period of decision months, with breakdowns by officer, team and month:
percent agreement on the level, Cohen's kappa linear-weighted
for the ordinal levels 1-4 with a 95% confidence interval (large-sample variance of Fleiss, Cohen and
Everitt 1969), the officer x lead confusion matrix, the direction of disagreements and the indicators
that differ most between the officer's case and the lead's blind scores. Hand-written (a few lines, no
numeric library in the app); tests/test_agreement.py checks it against published and independently
computed values.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select

from triage_desk import accounts, statements
from triage_desk.errors import InputError
from triage_desk.models import Referral, ReviewItem, ReviewPack, Role

LEVELS = (1, 2, 3, 4)


def weighted_kappa(pairs: list[tuple[int, int]], categories=LEVELS) -> tuple[float, float]:
    """(kappa, standard error) with linear agreement weights 1 - |i - j| / (k - 1)."""
    n, k = len(pairs), len(categories)
    if n == 0:
        raise InputError("agreement: no reviewed cases to compare")
    index = {c: i for i, c in enumerate(categories)}
    p = [[0.0] * k for _ in range(k)]
    for a, b in pairs:
        p[index[a]][index[b]] += 1 / n
    row = [sum(r) for r in p]
    col = [sum(p[i][j] for i in range(k)) for j in range(k)]
    w = [[1 - abs(i - j) / (k - 1) for j in range(k)] for i in range(k)]
    po = sum(w[i][j] * p[i][j] for i in range(k) for j in range(k))
    pe = sum(w[i][j] * row[i] * col[j] for i in range(k) for j in range(k))
    if pe >= 1:
        return (1.0 if po >= 1 else 0.0), 0.0  # everyone used one level: agreement is total or undefined
    kappa = (po - pe) / (1 - pe)
    wi = [sum(col[j] * w[i][j] for j in range(k)) for i in range(k)]
    wj = [sum(row[i] * w[i][j] for i in range(k)) for j in range(k)]
    total = sum(p[i][j] * (w[i][j] - (wi[i] + wj[j]) * (1 - kappa)) ** 2 for i in range(k) for j in range(k))
    var = (total - (kappa - pe * (1 - kappa)) ** 2) / (n * (1 - pe) ** 2)
    return kappa, math.sqrt(max(var, 0.0))


@dataclass
class Agreement:
    scope: str
    pairs: list[tuple[int, int]] = field(default_factory=list)  # (officer level, lead level)
    disagreed: list[dict] = field(default_factory=list)  # cases with both rationales
    indicators: Counter = field(default_factory=Counter)  # indicator code -> cases where officer and lead differ
    domains: Counter = field(default_factory=Counter)  # domain -> indicators that differ in it
    by_officer: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    by_team: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    by_month: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # month of the officer's decision
    samples: list[dict] = field(default_factory=list)  # packs: sample spec and seed

    @property
    def n(self) -> int:
        return len(self.pairs)

    @property
    def percent(self) -> float:
        return 100.0 * sum(a == b for a, b in self.pairs) / self.n if self.n else 0.0

    def kappa(self) -> tuple[float, float, float] | None:
        if not self.pairs:
            return None
        kappa, se = weighted_kappa(self.pairs)
        return kappa, kappa - 1.96 * se, kappa + 1.96 * se

    def matrix(self) -> list[list[int]]:
        counts = Counter(self.pairs)
        return [[counts[(o, ld)] for ld in LEVELS] for o in LEVELS]

    def directions(self) -> dict[str, int]:
        return {"lead higher": sum(b > a for a, b in self.pairs), "lead lower": sum(b < a for a, b in self.pairs)}

    def as_json(self) -> dict:
        k = self.kappa()
        return {"scope": self.scope, "cases": self.n, "percent_agreement": round(self.percent, 2),
                "kappa_linear": None if k is None else [round(v, 4) for v in k], "matrix": self.matrix(),
                "directions": self.directions(), "indicators": self.indicators.most_common(10),
                "domains": self.domains.most_common(10),
                "by_officer": {o: len(p) for o, p in self.by_officer.items()},
                "by_team": {t: _counts(p) for t, p in self.by_team.items()},
                "by_month": {m: _counts(p) for m, p in self.by_month.items()}, "samples": self.samples}

    def lines(self) -> list[str]:
        if not self.pairs:
            return [f"{self.scope}: no reviewed cases yet"]
        kappa, low, high = self.kappa()
        d = self.directions()
        out = [f"{self.scope}: {self.n} cases reviewed",
               f"agreement on the level: {self.percent:.1f}%",
               f"weighted kappa (linear): {kappa:.2f} (95% CI {low:.2f} to {high:.2f})",
               f"disagreements: the lead placed {d['lead higher']} higher and {d['lead lower']} lower",
               "officer level (rows) x lead level (columns):", "        L1  L2  L3  L4"]
        out += [f"  L{lv}  " + "".join(f"{c:4d}" for c in row) for lv, row in zip(LEVELS, self.matrix(), strict=True)]
        for title, groups in (("by officer", self.by_officer), ("by team", self.by_team),
                              ("by month of decision", self.by_month)):
            out.append(f"{title}:")
            out += [f"  {name}: {sum(a == b for a, b in pairs)} of {len(pairs)} agreed"
                    for name, pairs in sorted(groups.items())]
        if self.indicators:
            out.append("indicators that differ most: " + ", ".join(f"{c} ({n})" for c, n in
                                                                      self.indicators.most_common(5)))
            out.append("domains that differ most: " + ", ".join(f"{d} ({n})" for d, n in self.domains.most_common(5)))
        return out


def _counts(pairs: list[tuple[int, int]]) -> dict[str, int]:
    return {"cases": len(pairs), "agreed": sum(a == b for a, b in pairs)}


def _teams(session, team: str | None) -> dict[str, str]:
    """Officer user name -> team; a team nobody is in is refused (a typing slip must not read as 0 cases)."""
    from triage_desk.models import User

    teams = {name: t for name, t in session.execute(select(User.username, User.team)) if t}
    if team and team not in teams.values():
        known = ", ".join(sorted(set(teams.values())))
        raise InputError(f"team: no user is in a team called {team!r}; "
                         + (f"teams are {known}" if known else "no user has a team yet (an administrator sets them)"))
    return teams


def _indicators(doc_text: str) -> set[str]:
    try:
        items = (json.loads(doc_text).get("concerns") or {}).get("indicators") or []
    except (TypeError, ValueError, AttributeError):
        return set()
    return {str(i.get("code") if isinstance(i, dict) else i) for i in items}


def compute(session, *, officer: str | None = None, team: str | None = None, start: str | None = None,
            end: str | None = None) -> Agreement:
    """Statistics over the reviews applied here, for one officer or team or all, decisions made in [start, end]."""
    teams = _teams(session, team)
    scope = f"officer {officer}" if officer else "all officers"
    scope += f", team {team}" if team else ""
    if start or end:
        scope += f", decisions {start or 'from the start'} to {end or 'now'}"
    result = Agreement(scope)
    rows = session.execute(select(ReviewItem, ReviewPack, Referral.document)
                           .join(ReviewPack, ReviewPack.id == ReviewItem.pack_id)
                           .join(Referral, Referral.id == ReviewItem.referral_id)
                           .where(ReviewPack.side == "issued", ReviewItem.applied.is_not(None))
                           .order_by(ReviewItem.reference))
    packs = {}
    for item, pack, document in rows:
        month = item.decided_at.strftime("%Y-%m") if item.decided_at else ""
        their_team = teams.get(item.officer or "", "no team")
        if (officer and item.officer != officer) or (team and their_team != team) or (start and month < start) \
                or (end and month > end):
            continue
        if item.officer_level not in LEVELS or item.lead_level not in LEVELS:
            continue
        pair = (item.officer_level, item.lead_level)
        result.pairs.append(pair)
        result.by_officer.setdefault(item.officer or "unknown", []).append(pair)
        result.by_team.setdefault(their_team, []).append(pair)
        result.by_month.setdefault(month or "unknown", []).append(pair)
        packs[pack.id] = {"created": pack.created_at.date().isoformat(), "spec": pack.sample_spec, "seed": pack.seed,
                          "blind": pack.blind}
        review = json.loads(item.review_statement)
        if item.score_statement:
            scored = set(json.loads(item.score_statement).get("indicators") or [])
            differ = scored ^ _indicators(document)
            result.indicators.update(differ)
            result.domains.update(_domain(code) for code in differ)
        if item.verdict == "disagree" or pair[0] != pair[1]:
            result.disagreed.append({"reference": item.reference, "officer": item.officer, "officer_level": pair[0],
                                     "lead_level": pair[1], "lead": statements.describe(review, item.reviewer_key),
                                     "lead_rationale": review.get("rationale") or "",
                                     "officer_rationale": _officer_rationale(session, item)})
    result.samples = list(packs.values())
    return result


def _domain(code: str) -> str:
    from triage_desk.forms.catalogue import default_catalogue

    indicator = default_catalogue().indicators.get(code)
    return indicator.domain if indicator is not None else code.split(".")[0]


def _officer_rationale(session, item: ReviewItem) -> str:
    from triage_desk.models import Decision

    for d in session.execute(select(Decision).where(Decision.referral_id == item.referral_id)).scalars():
        if d.statement and statements.digest(d.statement) == item.decision_sha256:
            return d.rationale or ""
    return ""


def compute_for(ws, **kw) -> Agreement:
    accounts.require(ws.user, Role.LEAD, Role.ADMIN)
    with ws.session() as s:
        return compute(s, **kw)
