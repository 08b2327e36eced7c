"""Dip samples for threshold review (issue 13 point 5): drawn reproducibly from a recorded seed.

A spec is `key=value` pairs separated by commas, e.g.
`per_month=10,stratify=level+outcome,overrides=all,status=closed`:

- `per_month` (default 10): cases drawn from each month of decision;
- `stratify` (`none`, `level`, `outcome` or `level+outcome`): the month's cases are grouped by these and
  drawn in turn from each group, so a rare level is not missed;
- `overrides` (`all` or `none`): every overridden decision in the period is added as well;
- `status` (`any`, `decided`, `closed`): which cases may be drawn;
- `from` / `to` (`YYYY-MM`): months of decision to draw from;
- `by_team` (`yes` or `no`, default no): draw `per_month` cases a month from EACH team (the team of the
  officer who decided, as set by `triage-desk user set-team`; officers without one form "no team");
- `team` (a team's name): draw only from decisions by that team's officers.

The same spec, seed and database give the same sample (the seed travels with the pack, so anyone can
re-draw it and audit the choice).
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from triage_desk.errors import InputError

NO_TEAM = "no team"
_STRATA = {"none": (), "level": ("level",), "outcome": ("outcome",), "level+outcome": ("level", "outcome"),
           "outcome+level": ("level", "outcome")}


@dataclass(frozen=True)
class SampleSpec:
    per_month: int = 10
    stratify: tuple[str, ...] = ("level", "outcome")
    overrides: bool = True
    status: str = "any"
    months: tuple[str | None, str | None] = (None, None)
    by_team: bool = False
    team: str | None = None

    def text(self) -> str:
        parts = [f"per_month={self.per_month}", f"stratify={'+'.join(self.stratify) or 'none'}",
                 f"overrides={'all' if self.overrides else 'none'}", f"status={self.status}"]
        parts += [f"{k}={v}" for k, v in zip(("from", "to"), self.months, strict=True) if v]
        parts += ["by_team=yes"] * self.by_team + ([f"team={self.team}"] if self.team else [])
        return ",".join(parts)


def _month(value: str, key: str) -> str:
    if len(value) != 7 or value[4] != "-" or not (value[:4] + value[5:]).isdigit() or not 1 <= int(value[5:]) <= 12:
        raise InputError(f"sample {key}: {value!r} is not a month (YYYY-MM)")
    return value


def parse(text: str) -> SampleSpec:
    """The spec, or InputError naming the part that is wrong."""
    values: dict = {}
    for part in filter(None, (p.strip() for p in str(text or "").split(","))):
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            raise InputError(f"sample: {part!r} is not key=value")
        if key == "per_month":
            if not value.isdigit() or not 1 <= int(value) <= 1000:
                raise InputError("sample per_month: must be a whole number 1-1000")
            values["per_month"] = int(value)
        elif key == "stratify":
            if value not in _STRATA:
                raise InputError("sample stratify: must be none, level, outcome or level+outcome")
            values["stratify"] = _STRATA[value]
        elif key == "overrides":
            if value not in ("all", "none"):
                raise InputError("sample overrides: must be all or none")
            values["overrides"] = value == "all"
        elif key == "status":
            if value not in ("any", "decided", "closed"):
                raise InputError("sample status: must be any, decided or closed")
            values["status"] = value
        elif key == "by_team":
            if value not in ("yes", "no"):
                raise InputError("sample by_team: must be yes or no")
            values["by_team"] = value == "yes"
        elif key == "team":
            if not value or len(value) > 120:
                raise InputError("sample team: give the team's name (at most 120 characters)")
            values["team"] = value
        elif key in ("from", "to"):
            months = list(values.get("months", (None, None)))
            months[0 if key == "from" else 1] = _month(value, key)
            values["months"] = tuple(months)
        else:
            raise InputError(f"sample: unknown setting {key!r} (per_month, stratify, overrides, status, from, to, "
                             "by_team, team)")
    return SampleSpec(**values)


def new_seed() -> str:
    return secrets.token_hex(8)


def candidates(session, spec: SampleSpec) -> list[dict]:
    """Every case with a decision in force that the spec allows, in a stable order."""
    from triage_desk.models import Decision, Referral, User

    query = (select(Referral.reference, Referral.status, Decision.final_level, Decision.final_outcomes,
                    Decision.overridden, Decision.decided_at, User.team)
             .join(Decision, Decision.referral_id == Referral.id)
             .outerjoin(User, User.username == Decision.decided_by).where(Decision.superseded.is_(False)))
    if spec.status != "any":
        query = query.where(Referral.status == spec.status)
    if spec.team:
        query = query.where(User.team == spec.team)
    out = []
    for ref, _status, level, outcomes, overridden, at, team in session.execute(query.order_by(Referral.reference)):
        month = at.strftime("%Y-%m")
        if (spec.months[0] and month < spec.months[0]) or (spec.months[1] and month > spec.months[1]):
            continue
        out.append({"reference": ref, "month": month, "level": level, "overridden": bool(overridden),
                    "outcome": "+".join(sorted(json.loads(outcomes or "[]"))), "team": team or NO_TEAM})
    return out


def draw(rows: list[dict], spec: SampleSpec, seed: str) -> list[str]:
    """References drawn: per month (and team, with `by_team`), in turn from each stratum (shuffled by the
    seed), plus overrides."""
    if spec.team:
        rows = [r for r in rows if r.get("team") == spec.team]
    chosen: list[str] = []
    by_month: dict[str, dict[tuple, list[str]]] = {}
    for row in sorted(rows, key=lambda r: r["reference"]):
        key = tuple(row[k] for k in spec.stratify)
        unit = f"{row['month']}/{row.get('team') or NO_TEAM}" if spec.by_team else row["month"]
        by_month.setdefault(unit, {}).setdefault(key, []).append(row["reference"])
    for month in sorted(by_month):  # a month, or a month and team
        rng = random.Random(hashlib.sha256(f"{seed}/{month}".encode()).hexdigest())
        strata = [by_month[month][k] for k in sorted(by_month[month], key=str)]
        for refs in strata:
            rng.shuffle(refs)
        taken = 0
        while taken < spec.per_month and any(strata):
            for refs in strata:
                if refs and taken < spec.per_month:
                    chosen.append(refs.pop())
                    taken += 1
    if spec.overrides:
        chosen += [r["reference"] for r in rows if r["overridden"]]
    return sorted(dict.fromkeys(chosen))


def sample(session, spec: SampleSpec, seed: str) -> list[str]:
    return draw(candidates(session, spec), spec, seed)
