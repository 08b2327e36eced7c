"""Recording threshold decisions and their approval by a practice lead (service layer, no Qt).

The engine's level and the officer's final level are both kept. Any difference (level or outcome
set), an NFA, and a decision that still `requires` something (consent not sought, refused consent at
level 3, checks without consent) goes to a practice lead; nobody approves their own decision.
The `referral` row (`status`, `final_level`, `approval`) and the stored document's `decision` section
are kept in step with the current decision in the same transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from triage_desk import accounts, audit, concurrency, statements
from triage_desk.errors import InputError, PermissionDenied
from triage_desk.forms.catalogue import Rules, default_rules
from triage_desk.measures_defs import PRIMARY_NEEDS
from triage_desk.models import Role, utcnow
from triage_desk.models.decision import Decision

APPROVAL_NOT_NEEDED, APPROVAL_PENDING, APPROVED, REJECTED = "not_needed", "pending", "approved", "rejected"
MIN_RATIONALE = 20  # a sentence, not "ok"
MIN_REJECT_NOTE = 5


@dataclass(frozen=True)
class Proposal:
    """What the officer submits: the final level and outcomes, and why if they differ from the engine."""

    final_level: int
    final_outcomes: tuple[str, ...]
    rationale: str = ""
    evidence: str = ""
    nfa_reason: str | None = None
    primary_need: str | None = None  # DfE N0..N9 (measures_defs.PRIMARY_NEEDS); the statutory return reports it


def level_direction(engine_level: int, final_level: int) -> str:
    return "same" if final_level == engine_level else ("up" if final_level > engine_level else "down")


def is_override(engine: dict, proposal: Proposal) -> bool:
    """The officer's level or outcome set differs from what the engine suggested."""
    return (proposal.final_level != engine["suggested_level"]
            or set(proposal.final_outcomes) != set(engine["outcomes"]))


def _one_of(items) -> str:
    items = [str(i) for i in items]
    return ", ".join(items[:-1]) + " or " + items[-1] if len(items) > 1 else "".join(items)


def check_proposal(engine: dict, proposal: Proposal, rules: Rules | None = None) -> list[str]:
    """Problems with a proposal, each naming the field (empty list: it may be saved). Levels, outcome
    codes and NFA reasons are the rules file's (default: the shipped one)."""
    rules = rules or default_rules()
    problems = []
    if proposal.final_level not in rules.levels:
        problems.append(f"final level: must be {_one_of(rules.levels)}")
    if not proposal.final_outcomes:
        problems.append("outcomes: choose at least one outcome")
    unknown = [c for c in proposal.final_outcomes if c not in rules.codes("outcomes")]
    if unknown:
        problems.append(f"outcomes: {', '.join(unknown)} is not an outcome the rules define")
    if is_override(engine, proposal) and len(proposal.rationale.strip()) < MIN_RATIONALE:
        problems.append(f"rationale: a written rationale (at least {MIN_RATIONALE} characters) is required "
                        "when the final decision differs from the suggested one")
    if rules["nfa_outcome"] in proposal.final_outcomes:
        if not proposal.nfa_reason:
            problems.append("NFA reason: a reason code is required for no further action")
        elif proposal.nfa_reason not in rules.codes("nfa_reasons"):
            problems.append("NFA reason: is not one of the reasons for no further action the rules define")
    if proposal.primary_need is not None and proposal.primary_need not in PRIMARY_NEEDS:
        problems.append("primary need: must be one of the DfE codes N0 to N9")
    return problems


def proposal_from_document(doc: dict) -> Proposal | None:
    """The officer's proposal in `doc["decision"]["proposal"]` (written by the wizard's routing step)."""
    section = doc.get("decision")
    raw = section.get("proposal") if isinstance(section, dict) else None
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InputError("decision.proposal: must be an object")
    level = raw.get("final_level")
    if not isinstance(level, int) or isinstance(level, bool):
        raise InputError("decision.proposal.final_level: must be a whole number 1-4")
    outcomes = raw.get("final_outcomes") or []
    if not isinstance(outcomes, list) or not all(isinstance(c, str) for c in outcomes):
        raise InputError("decision.proposal.final_outcomes: must be a list of outcome codes")
    text = {k: raw.get(k) or "" for k in ("rationale", "evidence")}
    for key, value in text.items():
        if not isinstance(value, str):
            raise InputError(f"decision.proposal.{key}: must be text")
    nfa = raw.get("nfa_reason") or None
    if nfa is not None and not isinstance(nfa, str):
        raise InputError("decision.proposal.nfa_reason: must be a reason code")
    need = raw.get("primary_need") or None
    if need is not None and need not in PRIMARY_NEEDS:
        raise InputError("decision.proposal.primary_need: must be one of the DfE codes N0 to N9")
    return Proposal(level, tuple(outcomes), text["rationale"], text["evidence"], nfa, need)


def sync_referral(referral, decision: Decision) -> None:
    """Row columns and the stored document's `decision` section follow the current decision."""
    from triage_desk.referral_rows import store_text

    referral.final_level = decision.final_level
    referral.approval = decision.approval
    referral.status = "decided"
    referral.updated_at = utcnow()
    try:
        doc = json.loads(referral.document)
    except (TypeError, ValueError):
        return  # a damaged document stays as it is; the decision table is the record
    if isinstance(doc, dict):
        doc["status"] = "decided"
        doc["decision"] = as_document(decision)
        referral.document = store_text(doc)


def sign_decision(decision: Decision, reference: str, engine: dict, user, key, previous: str | None) -> None:
    """The decider's signed statement on `decision` (what was decided, the engine result's hash, the
    catalogue, who, role, when). `previous`: the case's previous decision statement text, if any.
    Bulk writers (the demo) call this with their user's unsealed key too."""
    body = statements.decision_statement(
        referral_id=decision.referral_id, reference=reference, revision=decision.revision,
        previous=statements.digest(previous) if previous else None, engine=engine,
        final_level=decision.final_level, final_outcomes=json.loads(decision.final_outcomes),
        overridden=bool(decision.overridden), direction=decision.direction, rationale=decision.rationale,
        nfa_reason=decision.nfa_reason, requires=json.loads(decision.requires), approval=decision.approval,
        by=statements.signer(user, key), at=_iso_us(decision.decided_at))
    signed = statements.sign(key, body)
    decision.statement, decision.signature, decision.signer_key = signed.text, signed.signature, signed.public_key


def _iso_us(value) -> str:
    return value.isoformat(timespec="microseconds") + "Z"


def latest(session, referral_id: str) -> Decision | None:
    """The newest decision recorded for the case (superseded or not)."""
    return session.execute(select(Decision).where(Decision.referral_id == referral_id)
                           .order_by(Decision.revision.desc(), Decision.id.desc()).limit(1)).scalar_one_or_none()


def decide(ws, referral_id: str, engine: dict, proposal: Proposal, *, expected_version: int | None = None) -> Decision:
    """Save the decision beside the engine result, signed with the decider's key; route it for approval
    when needed. A new decision supersedes the referral's current one (history is kept). With
    `expected_version` (the referral's version the panel read): concurrency.Conflict when it changed since."""
    from triage_desk.models.referral import Referral

    user = accounts.require(ws.user, Role.OFFICER, Role.LEAD)
    key = statements.signing_key(user)
    problems = check_proposal(engine, proposal)
    if problems:
        raise InputError("; ".join(problems))
    overridden = is_override(engine, proposal)
    requires = list(engine.get("requires", []))
    if overridden:
        requires.append("practice-lead approval of the override")
    if default_rules()["nfa_outcome"] in proposal.final_outcomes:
        requires.append("practice-lead approval of no further action")
    with concurrency.stale_guard(ws, referral_id), ws.session() as s:
        referral = s.get(Referral, referral_id, with_for_update=True)  # deciders on one case take turns
        if referral is None:
            raise InputError(f"referral: no referral with id {referral_id}")
        if expected_version is not None and referral.version != expected_version:
            raise concurrency.decision_conflict(s, referral, current(s, referral_id), proposal)
        if referral.status == "draft":
            raise InputError("referral: submit the referral before recording a decision")
        if referral.status == "closed":
            raise InputError("referral: the case is closed; reopen it before recording a new decision")
        before = latest(s, referral_id)
        for old in s.execute(select(Decision).where(Decision.referral_id == referral_id,
                                                    Decision.superseded.is_(False))).scalars():
            old.superseded = True
        referral.revision = (referral.revision or 0) + 1
        decision = Decision(
            referral_id=referral_id, engine_json=json.dumps(engine, sort_keys=True),
            engine_level=engine["suggested_level"], engine_outcomes=json.dumps(sorted(engine["outcomes"])),
            final_level=proposal.final_level, final_outcomes=json.dumps(sorted(proposal.final_outcomes)),
            direction=level_direction(engine["suggested_level"], proposal.final_level), overridden=overridden,
            rationale=proposal.rationale.strip() or None, evidence=proposal.evidence.strip() or None,
            nfa_reason=proposal.nfa_reason, primary_need=proposal.primary_need,
            requires=json.dumps(requires), decided_by=user.username,
            decided_role=user.role, decided_at=utcnow(), superseded=False, revision=referral.revision,
            approval=APPROVAL_PENDING if requires else APPROVAL_NOT_NEEDED)
        sign_decision(decision, referral.reference, engine, user, key, before.statement if before else None)
        s.add(decision)
        s.flush()
        sync_referral(referral, decision)
        audit.record(s, user.username, "decision.record", "referral", referral_id, decision=decision.id,
                     engine_level=decision.engine_level, final_level=decision.final_level,
                     overridden=overridden, approval=decision.approval, revision=decision.revision,
                     statement=statements.digest(decision.statement))
    return decision


def engine_for(ws, referral_id: str) -> dict:
    """The engine result for a stored referral (the decision panel records decisions after submission)."""
    from triage_desk.forms.threshold import evaluate
    from triage_desk.models.referral import Referral

    accounts.require(ws.user, Role.OFFICER, Role.LEAD, Role.ADMIN)
    with ws.session() as s:
        referral = s.get(Referral, referral_id)
        if referral is None:
            raise InputError(f"referral: no referral with id {referral_id}")
        text = referral.document
    return evaluate(json.loads(text))


def approve(ws, decision_id: int, approved: bool, note: str = "") -> Decision:
    """A practice lead approves or rejects; never their own decision."""
    from triage_desk.models.referral import Referral

    user = accounts.require(ws.user, Role.LEAD)
    key = statements.signing_key(user)
    with ws.session() as s:
        decision = s.get(Decision, decision_id, with_for_update=True)  # two leads answering: one waits, then sees
        if decision is None:
            raise InputError(f"decision: no decision {decision_id}")
        if decision.superseded:
            raise InputError(f"decision: {decision_id} was replaced by a later decision")
        if decision.approval != APPROVAL_PENDING:  # another practice lead answered first
            raise concurrency.decision_conflict(s, s.get(Referral, decision.referral_id), decision,
                                                approval=APPROVED if approved else REJECTED)
        if decision.decided_by == user.username:
            raise PermissionDenied("you cannot approve or reject your own decision: another practice lead must")
        if not approved and len(note.strip()) < MIN_REJECT_NOTE:
            raise InputError("note: say why the decision is rejected")
        decision.approval = APPROVED if approved else REJECTED
        decision.approved_by = user.username
        decision.approved_at = utcnow()
        decision.approval_note = note.strip() or None
        decision.approval_claim = None
        referral = s.get(Referral, decision.referral_id)
        revision = (referral.revision or 0) + 1 if referral is not None else decision.revision
        countersign(decision, user, key, revision)
        s.flush()
        if referral is not None:
            referral.revision = revision
            sync_referral(referral, decision)
        audit.record(s, user.username, "decision.approve" if approved else "decision.reject", "referral",
                     decision.referral_id, decision=decision.id, revision=revision,
                     statement=statements.digest(decision.approval_statement))
    return decision


def countersign(decision: Decision, user, key, revision: int) -> None:
    """The practice lead's own signature over the decision statement (approval or rejection).
    A decision recorded before signing existed gets its unsigned statement written now, so the
    countersignature names exactly what was approved."""
    if not decision.statement:
        decision.statement = statements.canonical({
            "type": statements.DECISION, "unsigned": True, "referral_id": decision.referral_id,
            "revision": decision.revision, "engine_level": decision.engine_level,
            "final_level": decision.final_level, "final_outcomes": json.loads(decision.final_outcomes),
            "by": {"username": decision.decided_by, "role": decision.decided_role},
            "at": _iso_us(decision.decided_at)})
    body = statements.approval_statement(
        decision_text=decision.statement, referral_id=decision.referral_id, revision=revision,
        approved=decision.approval == APPROVED, note=decision.approval_note, by=statements.signer(user, key),
        at=_iso_us(decision.approved_at))
    signed = statements.sign(key, body)
    decision.approval_statement, decision.approval_signature = signed.text, signed.signature
    decision.approver_key = signed.public_key


def pending(session) -> list[Decision]:
    """The practice lead's review queue, oldest first."""
    return list(session.execute(select(Decision).where(Decision.approval == APPROVAL_PENDING,
                                                       Decision.superseded.is_(False))
                                .order_by(Decision.decided_at, Decision.id)).scalars())


def current(session, referral_id: str) -> Decision | None:
    """The referral's decision in force (None before the first one)."""
    return session.execute(select(Decision).where(Decision.referral_id == referral_id,
                                                  Decision.superseded.is_(False))
                           .order_by(Decision.id.desc()).limit(1)).scalar_one_or_none()


def history(session, referral_id: str) -> list[Decision]:
    """Every decision recorded for the referral, oldest first (superseded ones included)."""
    return list(session.execute(select(Decision).where(Decision.referral_id == referral_id)
                                .order_by(Decision.decided_at, Decision.id)).scalars())


def _iso(value) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value is not None else None


def as_document(decision: Decision) -> dict[str, Any]:
    """The `decision` section of the referral document (case.json, PDF)."""
    override = None
    if decision.overridden:
        override = {"direction": decision.direction, "rationale": decision.rationale, "evidence": decision.evidence,
                    "by": decision.decided_by, "role": decision.decided_role, "at": _iso(decision.decided_at),
                    # approval kept here too: the bundle importer and the PDF read it from `override`
                    "approval": decision.approval, "approved_by": decision.approved_by,
                    "approved_at": _iso(decision.approved_at), "approval_note": decision.approval_note}
    return {"engine": json.loads(decision.engine_json), "final_level": decision.final_level,
            "final_outcomes": json.loads(decision.final_outcomes), "nfa_reason": decision.nfa_reason,
            "primary_need": decision.primary_need, "requires": json.loads(decision.requires),
            "decided_by": decision.decided_by,
            "decided_role": decision.decided_role, "decided_at": _iso(decision.decided_at),
            "overridden": bool(decision.overridden), "override": override,
            "approval": decision.approval, "approved_by": decision.approved_by,
            "approved_at": _iso(decision.approved_at), "approval_note": decision.approval_note,
            **signed_part(decision)}


def _b64(value: bytes | None) -> str | None:
    import base64

    return base64.b64encode(value).decode("ascii") if value else None


def signed_part(decision: Decision) -> dict[str, Any]:
    """The signed statements as they travel in case.json (see docs/bundle-format.md)."""
    def pack(text, signature, key):
        return {"statement": text, "signature": _b64(signature), "public_key": _b64(key)} if signature else None

    return {"revision": decision.revision,
            "signed": pack(decision.statement, decision.signature, decision.signer_key),
            "approval_signed": pack(decision.approval_statement, decision.approval_signature, decision.approver_key),
            "approval_claim": decision.approval_claim}


def signed_history(session, referral_id: str) -> list[dict[str, Any]]:
    """Every signed statement of the case, oldest first (decisions and their countersignatures)."""
    out = []
    for d in history(session, referral_id):
        part = signed_part(d)
        out += [p for p in (part["signed"], part["approval_signed"]) if p]
    return out


def signatures(decision: Decision) -> list[str]:
    """Who signed what, in words (case view, summary PDF): name, role and key fingerprint."""
    return statements.signature_lines(signed_part(decision))
