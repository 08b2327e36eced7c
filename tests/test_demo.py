"""Synthetic demo data: idempotent top-up, households, repeat referrals, consent and source spread."""

from __future__ import annotations

import json
import random
from collections import Counter

from sqlalchemy import func, select

from triage_desk import demo, matching
from triage_desk.models import Person, Referral, ReferralSubject


def test_ensure_demo_data_tops_up_once(workspace):
    assert demo.ensure_demo_data(workspace, n=150) == 150
    assert demo.ensure_demo_data(workspace, n=150) == 0
    assert demo.ensure_demo_data(workspace, n=160) == 10
    with workspace.session() as s:
        refs = s.execute(select(Referral.reference)).scalars().all()
    assert len(refs) == len(set(refs)) == 160


def test_bulk_data_looks_like_a_front_door(workspace):
    stats = demo.bulk_generate(workspace, 1500, seed=2)
    assert stats["referrals"] == 1500 and stats["per_second"] > 0
    with workspace.session() as s:
        rows = s.execute(select(Referral.id, Referral.document, Referral.re_referrals_12m, Referral.received_at,
                                Referral.status, Referral.referral_source)).all()
        households = s.execute(select(Person.surname, Person.postcode, func.count())
                               .group_by(Person.surname, Person.postcode).having(func.count() > 1)).all()
        links = s.execute(select(ReferralSubject.referral_id, ReferralSubject.person_id)).all()
        sample = random.Random(1).sample(rows, 60)
        for rid, _, stored, received, _status, _ in sample:
            people = [p for r, p in links if r == rid]
            assert stored == matching.re_referrals_12m(s, people, received, rid)
        nhs = s.execute(select(Person.nhs_number).where(Person.nhs_number.is_not(None))).scalars().all()
    docs = [json.loads(r.document) for r in rows]
    assert len(households) > 50  # siblings share a surname and address
    assert sum(1 for r in rows if r.re_referrals_12m > 0) / len(rows) > 0.1  # repeat referrals
    assert len(Counter(r.referral_source for r in rows)) >= 10
    assert len(Counter((d["consent"]["records"] or [{"state": "unknown"}])[-1]["state"] for d in docs)) == 5
    assert {"submitted", "decided", "closed"} <= {r.status for r in rows}
    assert all(n.startswith("999") and _mod11(n) for n in nhs)
    assert all(d["subjects"][0]["address"]["postcode"][:2] in ("ZX", "ZY") for d in docs)


def _mod11(number: str) -> bool:
    digits = [int(c) for c in number]
    check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    return (0 if check == 11 else check) == digits[9]


def test_matching_finds_a_demo_child_by_a_misspelt_name(workspace):
    demo.bulk_generate(workspace, 400, seed=3)
    with workspace.session() as s:
        p = s.execute(select(Person).limit(1)).scalar_one()
        typed = {"surname": p.surname[:-1] + p.surname[-1].upper() + "e", "forenames": p.forenames,
                 "dob": p.dob.isoformat()}
        found = matching.find_candidates(s, typed)
    assert found and found[0].person_id == p.id and found[0].referrals


def test_demo_levels_agree_with_the_engine_and_leads_have_decisions_to_review(workspace):
    from triage_desk import decisions
    from triage_desk.forms import document, threshold

    demo.ensure_demo_data(workspace, n=300)
    with workspace.session() as s:
        rows = s.execute(select(Referral).where(Referral.status != "draft")).scalars().all()
        for row in rows:  # the case list's level is what the engine says when the case is opened
            assert threshold.evaluate(json.loads(row.document), now=row.received_at)["suggested_level"] \
                == row.suggested_level, row.reference
        queue = decisions.pending(s)
        decided = [r for r in rows if r.status == "decided"]
        assert queue and all(d.overridden and d.rationale for d in queue)
        assert all(decisions.current(s, r.id) is not None for r in decided[:20])
        for d in queue:
            row = s.get(Referral, d.referral_id)
            assert row.approval == "pending" and row.final_level == d.final_level
            document.load_document(row.document)  # the decision section is schema-valid
    from checks_helpers import act_as

    act_as(workspace, next(u for u in _users(workspace) if u.role == "lead").username)  # signed in: key unsealed
    assert decisions.approve(workspace, queue[0].id, True).approval == "approved"


def _users(ws):
    from triage_desk.models import User

    with ws.session() as s:
        return s.execute(select(User)).scalars().all()
