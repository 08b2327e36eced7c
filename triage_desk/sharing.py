"""Recorded decisions to share information or not, against the seven golden rules of information sharing
(HM Government 2018) and a UK GDPR lawful basis from the rules file (service, no Qt). Every decision is
audited with ids and codes only.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources

from sqlalchemy import select

from triage_desk import accounts, audit
from triage_desk.errors import InputError
from triage_desk.forms.catalogue import default_rules
from triage_desk.forms.clock import london_now
from triage_desk.models.entry_order import entry_order
from triage_desk.models.partner import Partner, SharingDecision
from triage_desk.partners import CASE_WORK_ROLES, MIN_REASON, VIEW_ROLES, iso_minutes
from triage_desk.referral_rows import find_referral


@dataclass(frozen=True)
class GoldenRule:
    id: str
    text: str
    help: str


@cache
def golden_rules() -> tuple[GoldenRule, ...]:
    """The seven golden rules of information sharing (HM Government 2018), in order."""
    data = json.loads(resources.files("triage_desk.forms").joinpath("golden_rules.json").read_text("utf-8"))
    return tuple(GoldenRule(r["id"], r["text"], r["help"]) for r in data["rules"])


def rule_ids() -> list[str]:
    return [r.id for r in golden_rules()]


def record_sharing_decision(ws, referral_id: str, partner_id: str | None, shared: bool, reason: str,
                            golden_rules: dict, lawful_basis: str | None, *,
                            now: datetime | None = None) -> SharingDecision:
    """Record a decision to share or not: all seven golden rules considered (each ticked true or false)
    and a reason given either way; a lawful basis is required when sharing."""
    user = accounts.require(ws.user, *CASE_WORK_ROLES)
    ids = rule_ids()
    problems = []
    given = golden_rules if isinstance(golden_rules, dict) else {}
    missing = [rid for rid in ids if not isinstance(given.get(rid), bool)]
    if missing:
        problems.append(f"golden_rules: consider every rule (not yet: {', '.join(missing)})")
    extra = sorted(set(given) - set(ids))
    if extra:
        problems.append(f"golden_rules: unknown rule {extra[0]}")
    if not isinstance(shared, bool):
        problems.append("shared: say whether information is shared (yes or no)")
    if len((reason or "").strip()) < MIN_REASON:
        problems.append(f"reason: record why (at least {MIN_REASON} characters), whether shared or not")
    bases = lawful_bases()  # UK GDPR Article 6(1): consent is one of six (domain.md §2)
    if lawful_basis not in (None, "") and lawful_basis not in bases:
        problems.append(f"lawful_basis: must be one of {', '.join(bases)}")
    if shared is True and not lawful_basis:
        problems.append("lawful_basis: required when information is shared")
    if problems:
        raise InputError("; ".join(problems))
    with ws.session() as s:
        row = find_referral(s, referral_id)
        if partner_id is not None and s.get(Partner, partner_id) is None:
            raise InputError(f"partner: no partner {partner_id}")
        decision = SharingDecision(id=str(uuid.uuid4()), referral_id=row.id, partner_id=partner_id, shared=shared,
                                   reason=reason.strip(), golden_rules=json.dumps({k: given[k] for k in ids}),
                                   lawful_basis=lawful_basis or None, decided_by=user.username,
                                   decided_at=now or london_now())
        s.add(decision)
        audit.record(s, user.username, "sharing.decide", "referral", row.id, decision=decision.id,
                     partner=partner_id, shared=shared, lawful_basis=lawful_basis or None)
        return decision


def _decision_dict(d: SharingDecision) -> dict:
    return {"id": d.id, "partner_id": d.partner_id, "shared": bool(d.shared), "reason": d.reason,
            "golden_rules": json.loads(d.golden_rules), "lawful_basis": d.lawful_basis,
            "decided_by": d.decided_by, "decided_at": iso_minutes(d.decided_at)}


def list_sharing_decisions(ws, referral_id: str) -> list[dict]:
    accounts.require(ws.user, *VIEW_ROLES)
    with ws.session() as s:
        return decisions_of(s, find_referral(s, referral_id).id)


def decisions_of(s, rid: str) -> list[dict]:
    """A referral's sharing decisions in the order they were made (document shape)."""
    rows = s.execute(select(SharingDecision).where(SharingDecision.referral_id == rid)
                     .order_by(SharingDecision.decided_at, entry_order(s, "sharing_decision"))).scalars()
    return [_decision_dict(d) for d in rows]


def lawful_bases() -> dict[str, str]:
    """UK GDPR Article 6(1) bases (code -> label), from the rules file."""
    return default_rules().codes("lawful_bases")
