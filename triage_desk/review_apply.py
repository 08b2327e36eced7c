"""Applying a review return at the front door (issue 13 point 4): each review exactly once.

Refused whole, with a message, before anything changes: a return for a pack this workstation never
issued, one signed by a key that was not a practice lead's here when it was signed, one whose bytes or
statements were altered, or one older than a return already applied. The same return again changes
nothing. Then, per case not yet applied: an agreement with a decision awaiting approval becomes the
lead's countersigned approval; a disagreement becomes a new decision version (the lead's signed
re-decision) awaiting the officer's response; when the case's decision changed since the pack was made,
the review is kept in the case's review history only. Nothing is overwritten silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from triage_desk import accounts, audit, decisions, review_offline, review_pack_io, statements
from triage_desk.bundle import proof
from triage_desk.errors import InputError, PermissionDenied
from triage_desk.models import Decision, Referral, ReviewItem, ReviewPack, Role, utcnow


@dataclass
class ApplyReport:
    pack_id: str
    reviewer: str
    already: bool = False  # this exact return was applied before: nothing changed
    outcomes: dict[str, int] = field(default_factory=dict)  # approved | new_version | agreed | recorded | skipped

    def lines(self) -> list[str]:
        if self.already:
            return ["this review return was already applied; nothing changed"]
        words = {"approved": "approvals countersigned", "new_version": "new decision versions awaiting the officer",
                 "agreed": "agreements recorded", "recorded": "kept in history only (the decision changed since)",
                 "skipped": "already applied before"}
        return [f"{words[k]}: {v}" for k, v in self.outcomes.items() if v]

    def words(self) -> list[str]:
        """The verification result, then what changed (the app's import dialog)."""
        return [f"Signed by {self.reviewer}, a practice lead trusted here; the signature, every file and each "
                "signed review were checked before anything was applied.", *self.lines()]


def _signed(part, public_key: bytes, kind: str, ref: str, name: str) -> statements.Signed | None:
    if part is None:
        return None
    signed = statements.unpack({**part, "public_key": _b64(public_key)}) if isinstance(part, dict) else None
    if signed is None or not signed.valid():
        raise InputError(f"{name}: the {kind} statement for {ref} is not validly signed by the reviewer; refused")
    return signed


def _b64(key: bytes) -> str:
    import base64

    return base64.b64encode(key).decode("ascii")


def _checked(reviews, items: dict[str, ReviewItem], pack_id: str, public_key: bytes, name: str) -> list[tuple]:
    out = []
    for entry in reviews if isinstance(reviews, list) else []:
        ref = str((entry or {}).get("reference"))
        parts = {k: _signed(entry.get(k), public_key, k, ref, name)
                 for k in ("review", "score", "reveal", "approval", "decision")}
        body = parts["review"].body if parts["review"] else {}
        item = items.get(body.get("referral_id"))
        if body.get("type") != review_offline.REVIEW or body.get("pack_id") != pack_id or item is None:
            raise InputError(f"{name}: the review of {ref} is not for a case of this pack; refused")
        if body.get("decision_sha256") != item.decision_sha256:
            raise InputError(f"{name}: the review of {ref} names another decision than the one sent; refused")
        out.append((item, parts, body))
    if not out:
        raise InputError(f"{name}: carries no reviews; refused")
    return out


def _refuse_signer(s, opened, name: str) -> None:
    role, who = proof.standing(s, opened.public_key, proof.naive_utc(opened.created_at))
    if role != Role.LEAD.value:
        raise PermissionDenied(f"{name}: signed by {who}, who is not a practice lead here; refused "
                               "(a lead's key from another workstation must be on the trust list as a practice lead)")


def apply_return(ws, path: str | Path, *, passphrase: str | None = None, identity=None) -> ApplyReport:
    user = accounts.require(ws.user, Role.LEAD, Role.ADMIN, Role.OFFICER)
    name = Path(path).name
    opened = review_pack_io.open_sealed(path, "return", review_pack_io.RETURN, passphrase=passphrase,
                                        identity=identity)
    created = proof.naive_utc(opened.created_at)
    with ws.session() as s:
        pack = s.get(ReviewPack, str(opened.body.get("pack_id")))
        if pack is None or pack.side != "issued":
            raise InputError(f"{name}: a return for a review pack this workstation never issued; refused")
        _refuse_signer(s, opened, name)
        report = ApplyReport(pack.id, str(opened.signer.get("display_name") or opened.signer.get("username")))
        if pack.return_sha256 == opened.manifest_sha256:
            report.already = True
            return report
        if pack.returned_at is not None and (created is None or created <= pack.returned_at):
            raise InputError(f"{name}: older than the review return already applied for this pack; refused")
        items = {i.referral_id: i for i in s.execute(select(ReviewItem).where(ReviewItem.pack_id == pack.id)).scalars()}
        checked = _checked(opened.body.get("reviews"), items, pack.id, opened.public_key, name)
        cases = _cases(s, [item.referral_id for item, _p, _b in checked])
        with s.no_autoflush:  # the changes go out in one flush, not one per case
            for item, parts, body in checked:
                what = "skipped" if item.applied else _apply_one(s, item, parts, body, opened.public_key,
                                                                 *cases.get(item.referral_id, (None, None)))
                report.outcomes[what] = report.outcomes.get(what, 0) + 1
        pack.returned_at, pack.return_sha256 = created, opened.manifest_sha256
        audit.record(s, user.username, "review_pack.return_import", "review_pack", pack.id, reviewer=opened.fingerprint,
                     **{k: v for k, v in report.outcomes.items()})
    return report


def _keep(item: ReviewItem, parts: dict, body: dict, key: bytes, applied: str) -> str:
    for kind in ("review", "score", "reveal", "approval", "decision"):
        signed = parts[kind]
        setattr(item, f"{kind}_statement", signed.text if signed else None)
        setattr(item, f"{kind}_signature", signed.signature if signed else None)
    item.reviewer_key, item.verdict, item.lead_level = key, body["verdict"], body.get("level")
    item.reviewed_at = proof.naive_utc(body.get("at"))
    item.applied, item.applied_at = applied, utcnow()
    return applied


def _cases(s, referral_ids: list[str]) -> dict[str, tuple[Referral, Decision | None]]:
    """Each reviewed case's row and decision in force, read in two queries (not two per case)."""
    referrals = s.execute(select(Referral).where(Referral.id.in_(referral_ids))).scalars()
    current = {d.referral_id: d for d in s.execute(  # ascending id: the newest in force wins, as decisions.current
        select(Decision).where(Decision.referral_id.in_(referral_ids), Decision.superseded.is_(False))
        .order_by(Decision.id)).scalars()}
    return {r.id: (r, current.get(r.id)) for r in referrals}


def _apply_one(s, item: ReviewItem, parts: dict, body: dict, key: bytes, referral: Referral | None,
               current: Decision | None) -> str:
    if referral is None or current is None or statements.digest(current.statement or "") != item.decision_sha256:
        return _keep(item, parts, body, key, "recorded")
    if body["verdict"] == "agree":
        approval = parts["approval"]
        if current.approval != decisions.APPROVAL_PENDING or approval is None:
            return _keep(item, parts, body, key, "agreed")
        a = approval.body
        if a.get("decision_sha256") != item.decision_sha256 or a.get("outcome") != "approved" \
                or current.signer_key == key:
            return _keep(item, parts, body, key, "recorded")
        current.approval, current.approved_by = decisions.APPROVED, (a.get("by") or {}).get("username")
        current.approved_at, current.approval_note = proof.naive_utc(a.get("at")), body.get("rationale")
        current.approval_statement, current.approval_signature, current.approver_key = \
            approval.text, approval.signature, key
        current.approval_claim = None
        referral.revision = max((referral.revision or 0) + 1, int(a.get("revision") or 0))
        decisions.sync_referral(referral, current)
        return _keep(item, parts, body, key, "approved")
    if parts["decision"] is None or referral.status == "closed":
        return _keep(item, parts, body, key, "recorded")
    new_version(s, referral, current, parts["decision"], body, key)
    return _keep(item, parts, body, key, "new_version")


def new_version(s, referral: Referral, current: Decision, signed: statements.Signed, review: dict, key: bytes):
    """A practice lead's signed re-decision becomes the case's decision, awaiting the officer's response
    (review_response.respond); the reviewed decision is kept, superseded."""
    d = signed.body
    if d.get("previous") != statements.digest(current.statement) or d.get("referral_id") != referral.id:
        raise InputError(f"review of {referral.reference}: the lead's decision does not follow the reviewed one")
    current.superseded = True
    referral.revision = max((referral.revision or 0) + 1, int(d.get("revision") or 0))
    by = d.get("by") or {}
    new = Decision(referral_id=referral.id, engine_json=current.engine_json, engine_level=current.engine_level,
                   engine_outcomes=current.engine_outcomes, final_level=d["final_level"],
                   final_outcomes=json.dumps(sorted(d.get("final_outcomes") or [])), direction=d.get("direction"),
                   overridden=bool(d.get("overridden")), rationale=review.get("rationale"), evidence=None,
                   nfa_reason=None, requires="[]", decided_by=str(by.get("username") or "practice lead"),
                   decided_role=Role.LEAD.value, decided_at=proof.naive_utc(d.get("at")) or utcnow(),
                   superseded=False, revision=int(d.get("revision") or referral.revision),
                   approval=review_offline.AWAITING_RESPONSE, statement=signed.text, signature=signed.signature,
                   signer_key=key)
    s.add(new)
    s.flush()
    decisions.sync_referral(referral, new)
