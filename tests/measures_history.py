"""A generated front-door history with known properties, written straight into the tables (core inserts:
no services, no mapper events) so every figure the measures report can be predicted in the test.

`History.truth` holds, per generated contact, the plain facts the expectations are computed from.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import insert, update

from triage_desk.models import CaseEvent, Deadline, Decision, Dispute, Referral, StrategyDiscussion, User

AGENCIES = ("Greenfield School", "Testford Police", "Northside GP", "Housing Options", None)
SOURCES = ("1A", "2A", "3A", "4", "6", "8", "9", None)
OUTCOME_SETS = (("IAG",), ("UNIV",), ("EH",), ("S17",), ("STRAT",), ("NFA",), ("S17", "MARAC"), ("S42",), ("TAA",))
NEEDS = ("N1", "N2", "N4", "N5", "N9", None)
TEAMS = {"officer": "North", "lead": "South"}
START, DAYS = datetime(2026, 1, 5, 0, 0), 175  # 5 January to 28 June 2026
NOW = datetime(2026, 7, 1, 9, 0)


@dataclass
class Truth:
    reference: str
    received: datetime
    status: str
    variant: str
    agency: str | None
    source: str | None
    rr: int
    decided_by: str | None = None
    outcomes: tuple[str, ...] = ()
    overridden: bool = False
    direction: str | None = None
    need: str | None = None
    deadlines: list[tuple[str, str, datetime]] = field(default_factory=list)  # kind, state, due
    assessment: bool = False
    s47: bool = False
    icpc: bool = False
    consent: str = "given"
    disputes: list[str | None] = field(default_factory=list)  # outcome per dispute


def _deadline_state(rng: random.Random, received: datetime) -> tuple[str, datetime]:
    roll = rng.random()
    if roll < 0.7:
        return "met", received + timedelta(hours=20)
    if roll < 0.85:
        return "missed", received + timedelta(hours=20)
    if roll < 0.95:
        return "open", received + timedelta(hours=20)  # open and past due by NOW: counts as missed
    return "open", NOW + timedelta(days=3)  # not yet due: not counted


def _truth(rng: random.Random, i: int, days: int) -> Truth:
    received = START + timedelta(days=rng.randrange(days), minutes=rng.randrange(8 * 60, 18 * 60))
    status = "draft" if rng.random() < 0.04 else "submitted"
    t = Truth(f"TD-2026-{i:06d}", received, status, "adult" if rng.random() < 0.2 else "child",
              rng.choice(AGENCIES), rng.choice(SOURCES), rng.choice((0, 0, 0, 1, 2)))
    if status == "draft":
        return t
    if rng.random() < 0.9:
        t.status, t.decided_by = "decided", rng.choice(("officer", "lead"))
        t.outcomes = rng.choice(OUTCOME_SETS)
        t.direction = rng.choice(("same", "same", "same", "up", "down"))
        t.overridden = t.direction != "same" or rng.random() < 0.05
        t.need = rng.choice(NEEDS)
    for kind in ("decision", "rag"):
        t.deadlines.append((kind, *_deadline_state(rng, received)))
    for _ in range(rng.choice((0, 0, 1, 2))):
        t.deadlines.append(("agency_check", *_deadline_state(rng, received)))
    if "STRAT" in t.outcomes:
        t.deadlines.append(("strategy_discussion", *_deadline_state(rng, received)))
        t.s47, t.icpc = rng.random() < 0.6, rng.random() < 0.3
    if t.decided_by:
        t.deadlines.append(("referrer_feedback", *_deadline_state(rng, received)))
    t.assessment = "S17" in t.outcomes and rng.random() < 0.7
    t.consent = rng.choice(("given", "given", "given", "not_sought", "refused"))
    t.disputes = [rng.choice((None, "upheld", "changed")) for _ in range(rng.choice((0,) * 12 + (1, 2)))]
    return t


def _document(t: Truth, rid: str) -> str:
    person = str(uuid.uuid4())
    records = [{"id": str(uuid.uuid4()), "person_id": person, "scope": "referral", "state": t.consent},
               {"id": str(uuid.uuid4()), "person_id": person, "scope": "checks", "state": "refused"}]
    return json.dumps({"id": rid, "reference": t.reference, "status": t.status, "variant": t.variant,
                       "subjects": [{"id": person}], "consent": {"records": records}})


def build(ws, n: int, seed: int = 14, days: int = DAYS, chunk: int = 10_000) -> list[Truth]:
    """Write n generated contacts received over `days` from START (in chunks, so a bench's 100k stays in
    bounded memory); returns the truth the test computes its expectations from."""
    rng = random.Random(seed)
    truths = [_truth(rng, i, days) for i in range(1, n + 1)]
    for at in range(0, n, chunk):
        _write(ws, truths[at:at + chunk])
    with ws.session() as s:
        for username, team in TEAMS.items():
            s.execute(update(User).where(User.username == username).values(team=team))
    return truths


def _write(ws, truths: list[Truth]) -> None:
    tables: dict[type, list[dict]] = {k: [] for k in (Referral, Decision, Deadline, CaseEvent, StrategyDiscussion,
                                                       Dispute)}
    for t in truths:
        rid = str(uuid.uuid4())
        tables[Referral].append(dict(id=rid, reference=t.reference, status=t.status, variant=t.variant,
                                     received_at=t.received, referrer_agency=t.agency, referral_source=t.source,
                                     re_referrals_12m=t.rr, document=_document(t, rid), subject_name="SYNTH, Case"))
        if t.decided_by:
            engine = 2
            final = {"same": 2, "up": 3, "down": 1}[t.direction]
            for superseded in (True, False):  # an older decision, replaced: must never count
                tables[Decision].append(dict(
                    referral_id=rid, engine_json="{}", engine_level=engine, engine_outcomes='["EH"]',
                    final_level=final if not superseded else 4, final_outcomes=json.dumps(
                        sorted(t.outcomes) if not superseded else ["NFA"]),
                    direction=t.direction if not superseded else "up", overridden=t.overridden or superseded,
                    primary_need=t.need if not superseded else "N0", requires="[]", decided_by=t.decided_by,
                    decided_role="officer", decided_at=t.received + timedelta(hours=3), approval="not_needed",
                    superseded=superseded))
        for kind, state, due in t.deadlines:
            tables[Deadline].append(dict(referral_id=rid, kind=kind, started_at=t.received, due_at=due, state=state))
        if t.assessment:
            tables[CaseEvent].append(dict(referral_id=rid, action="start_assessment", from_state="decided",
                                          to_state="assessment", actor="officer", role="officer",
                                          at=t.received + timedelta(days=2)))
        if t.s47 or t.icpc:
            tables[StrategyDiscussion].append(dict(
                id=str(uuid.uuid4()), referral_id=rid, held_at=t.received + timedelta(hours=10),
                decision="s47" if t.s47 else "s17", icpc_date=t.received + timedelta(days=10) if t.icpc else None,
                minutes="{}", recorded_by="officer", recorded_at=t.received + timedelta(hours=12)))
        for outcome in t.disputes:
            tables[Dispute].append(dict(
                id=str(uuid.uuid4()), referral_id=rid, raised_by="Designated lead", agency=t.agency or "Unknown",
                grounds="Synthetic dispute grounds.", raised_at=t.received + timedelta(days=1), recorded_by="officer",
                stage="resolved" if outcome else "manager", outcome=outcome))
    with ws.session() as s:
        for model, rows in tables.items():
            if rows:
                s.execute(insert(model), rows)


def in_period(truths: list[Truth], start: date, end: date) -> list[Truth]:
    return [t for t in truths if t.status != "draft" and start <= t.received.date() <= end]
