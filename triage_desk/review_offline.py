"""Reviewing a pack offline on the lead's own workstation (issue 13 points 2-4).

Each step is a statement signed with the lead's key and kept on the review item:
- blind packs: `score` (indicators, level, outcomes) while the officer's decision and the engine's
  suggestion are hidden, then `reveal`, whose statement names the score's digest — so the score provably
  came first;
- `review`: agree, or re-decide with level, outcomes and a written rationale. Agreeing with a decision
  that waited for approval also signs the approval countersignature over the exact decision statement;
  re-deciding signs a new decision version (it will await the officer's response at the front door);
- `write_return`: every review of the pack in one signed, encrypted review return.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select

from triage_desk import accounts, audit, decisions, review_pack_io, review_response, statements
from triage_desk.errors import InputError
from triage_desk.models import ReviewItem, ReviewPack, Role, utcnow

SCORE, REVEAL, REVIEW = "triage-desk/blind-score/v1", "triage-desk/reveal/v1", "triage-desk/review/v1"
AWAITING_RESPONSE = review_response.AWAITING  # decision.approval of a lead's re-decision until the officer responds
MIN_RATIONALE = 20


@dataclass(frozen=True)
class Choice:
    level: int
    outcomes: tuple[str, ...]
    indicators: tuple[str, ...] = ()
    rationale: str = ""


def _item(s, ref: str) -> tuple[ReviewItem, ReviewPack]:
    row = s.execute(select(ReviewItem, ReviewPack).join(ReviewPack, ReviewPack.id == ReviewItem.pack_id)
                    .where(ReviewItem.reference == ref, ReviewPack.side == "received")
                    .order_by(ReviewPack.created_at.desc()).limit(1)).first()
    if row is None:
        raise InputError(f"case: {ref} is not in your review queue")
    return row[0], row[1]


def queue(ws) -> list[dict]:
    """The review queue: one line per received case, with what is still to do (no decision shown)."""
    accounts.require(ws.user, Role.LEAD)
    with ws.session() as s:
        rows = s.execute(select(ReviewItem, ReviewPack).join(ReviewPack, ReviewPack.id == ReviewItem.pack_id)
                         .where(ReviewPack.side == "received").order_by(ReviewPack.created_at, ReviewItem.reference))
        return [{"reference": i.reference, "pack": p.id, "blind": p.blind, "scored": bool(i.score_statement),
                 "revealed": bool(i.reveal_statement), "reviewed": i.verdict} for i, p in rows]


def case_view(ws, ref: str) -> dict:
    """The redacted case; in a blind pack the decision and engine suggestion only after the reveal."""
    accounts.require(ws.user, Role.LEAD)
    with ws.session() as s:
        item, pack = _item(s, ref)
        entry = json.loads(item.case_json)
        hidden = pack.blind and not item.reveal_statement
    out = {"reference": ref, "blind": pack.blind, "case": entry["case"], "hidden": hidden}
    if not hidden:
        d = statements.unpack(entry["decision"]).body
        out["decision"] = {"officer": d["by"].get("display_name"), "level": d.get("final_level"),
                           "outcomes": d.get("final_outcomes"), "engine_level": d.get("engine_level"),
                           "engine_outcomes": d.get("engine_outcomes"), "rationale": entry["decision"].get("rationale"),
                           "approval": entry["decision"].get("approval")}
    return out


def _check_choice(choice: Choice, rationale_needed: bool) -> None:
    from triage_desk.forms.catalogue import default_rules

    if not 1 <= choice.level <= 4:
        raise InputError("level: must be 1, 2, 3 or 4")
    if not choice.outcomes:
        raise InputError("outcomes: give at least one outcome")
    unknown = [c for c in choice.outcomes if c not in default_rules().codes("outcomes")]
    if unknown:
        raise InputError(f"outcomes: {', '.join(unknown)} is not an outcome the rules define")
    if rationale_needed and len(choice.rationale.strip()) < MIN_RATIONALE:
        raise InputError(f"rationale: say why you decide differently (at least {MIN_RATIONALE} characters)")


def _sign(user, body: dict) -> statements.Signed:
    key = statements.signing_key(user)
    return statements.sign(key, {**body, "by": statements.signer(user, key), "at": review_pack_io.now_iso()})


def score(ws, ref: str, choice: Choice) -> None:
    """The blind score, before the reveal (only in a blind pack, only once)."""
    user = accounts.require(ws.user, Role.LEAD)
    _check_choice(choice, False)
    with ws.session() as s:
        item, pack = _item(s, ref)
        if not pack.blind:
            raise InputError(f"case: {ref} is in a pack that is not blind; review it directly")
        if item.reveal_statement or item.score_statement:
            raise InputError(f"case: {ref} was already scored blind; a blind score cannot be changed")
        signed = _sign(user, {"type": SCORE, "pack_id": pack.id, "referral_id": item.referral_id, "reference": ref,
                              "indicators": sorted(choice.indicators), "level": choice.level,
                              "outcomes": sorted(choice.outcomes)})
        item.score_statement, item.score_signature, item.reviewer_key = signed.text, signed.signature, signed.public_key
        audit.record(s, user.username, "review.blind_score", "review_item", str(item.id), reference=ref)


def reveal(ws, ref: str) -> None:
    """Show the officer's decision and the engine's suggestion; signed, naming the blind score."""
    user = accounts.require(ws.user, Role.LEAD)
    with ws.session() as s:
        item, pack = _item(s, ref)
        if not pack.blind or item.reveal_statement:
            return
        if not item.score_statement:
            raise InputError(f"case: score {ref} blind first; the decision is revealed only after your score")
        signed = _sign(user, {"type": REVEAL, "pack_id": pack.id, "referral_id": item.referral_id,
                              "score_sha256": statements.digest(item.score_statement)})
        item.reveal_statement, item.reveal_signature = signed.text, signed.signature
        audit.record(s, user.username, "review.reveal", "review_item", str(item.id), reference=ref)


def review(ws, ref: str, *, agree: bool, choice: Choice | None = None) -> str:
    """Agree or re-decide; returns the verdict. A case can be reviewed once (until the return is written)."""
    user = accounts.require(ws.user, Role.LEAD)
    with ws.session() as s:
        item, pack = _item(s, ref)
        if pack.blind and not item.reveal_statement:
            raise InputError(f"case: {ref} is blind: score it and reveal the decision before reviewing")
        if item.verdict:
            raise InputError(f"case: {ref} was already reviewed")
        entry = json.loads(item.case_json)
        decision = statements.unpack(entry["decision"])
        d = decision.body
        if agree:
            note = choice.rationale if choice else ""
            choice = Choice(d["final_level"], tuple(d.get("final_outcomes") or ()), rationale=note)
        elif choice is None:
            raise InputError("level: give the level and outcomes you decide, or agree")
        else:
            _check_choice(choice, True)
        _sign_review(user, item, pack, entry, decision, choice, agree)
        audit.record(s, user.username, "review.record", "review_item", str(item.id), reference=ref,
                     verdict=item.verdict)
        return item.verdict


def _sign_review(user, item: ReviewItem, pack: ReviewPack, entry: dict, decision, choice: Choice, agree: bool):
    key = statements.signing_key(user)
    by, at = statements.signer(user, key), review_pack_io.now_iso()
    d = decision.body
    revision = int(entry.get("revision") or 0) + 1
    if agree and entry["decision"].get("approval") == decisions.APPROVAL_PENDING:
        signed = statements.sign(key, statements.approval_statement(
            decision_text=decision.text, referral_id=item.referral_id, revision=revision, approved=True,
            note=choice.rationale or None, by=by, at=at))
        item.approval_statement, item.approval_signature = signed.text, signed.signature
    if not agree:
        engine = entry["decision"]["engine"]
        overridden = choice.level != engine.get("suggested_level") or sorted(choice.outcomes) != sorted(
            engine.get("outcomes") or [])
        signed = statements.sign(key, statements.decision_statement(
            referral_id=item.referral_id, reference=item.reference, revision=revision,
            previous=statements.digest(decision.text), engine=engine, final_level=choice.level,
            final_outcomes=choice.outcomes, overridden=overridden,
            direction=decisions.level_direction(engine.get("suggested_level"), choice.level),
            rationale=choice.rationale, nfa_reason=None, requires=[], approval=AWAITING_RESPONSE, by=by, at=at))
        item.decision_statement, item.decision_signature = signed.text, signed.signature
    body = {"type": REVIEW, "pack_id": pack.id, "referral_id": item.referral_id, "reference": item.reference,
            "decision_sha256": item.decision_sha256, "verdict": "agree" if agree else "disagree",
            "officer_level": d.get("final_level"), "level": choice.level, "outcomes": sorted(choice.outcomes),
            "rationale": choice.rationale.strip() or None, "blind": bool(pack.blind),
            "score_sha256": statements.digest(item.score_statement) if item.score_statement else None,
            "reveal_sha256": statements.digest(item.reveal_statement) if item.reveal_statement else None,
            "by": by, "at": at}
    signed = statements.sign(key, body)
    item.review_statement, item.review_signature, item.reviewer_key = signed.text, signed.signature, signed.public_key
    item.verdict, item.lead_level, item.reviewed_at = body["verdict"], choice.level, utcnow()


def _pack(part_text, signature) -> dict | None:
    import base64

    return {"statement": part_text, "signature": base64.b64encode(signature).decode("ascii")} if part_text else None


def write_return(ws, pack_id: str | None, out, *, passphrase: str | None = None, recipient: str | None = None) -> int:
    """Every review of the pack, signed and encrypted. Returns how many cases it carries."""
    user = accounts.require(ws.user, Role.LEAD)
    key = statements.signing_key(user)
    with ws.session() as s:
        packs = list(s.execute(select(ReviewPack).where(ReviewPack.side == "received")
                               .order_by(ReviewPack.created_at.desc())).scalars())
        pack = next((p for p in packs if pack_id in (None, p.id)), None)
        if pack is None:
            raise InputError("pack: no review pack with that id was imported here")
        items = list(s.execute(select(ReviewItem).where(ReviewItem.pack_id == pack.id, ReviewItem.verdict.is_not(None))
                               .order_by(ReviewItem.reference)).scalars())
        if not items:
            raise InputError("pack: no case of this pack has been reviewed yet; nothing to return")
        reviews = [{"reference": i.reference, "review": _pack(i.review_statement, i.review_signature),
                    "score": _pack(i.score_statement, i.score_signature),
                    "reveal": _pack(i.reveal_statement, i.reveal_signature),
                    "approval": _pack(i.approval_statement, i.approval_signature),
                    "decision": _pack(i.decision_statement, i.decision_signature)} for i in items]
        body = {"format": review_pack_io.FORMAT, "pack_id": pack.id, "created_at": review_pack_io.now_iso(),
                "reviews": reviews}
        data, _digest = review_pack_io.seal("return", review_pack_io.RETURN, body, user, key,
                                            passphrase=passphrase, recipient=recipient)
        audit.record(s, user.username, "review_pack.return", "review_pack", pack.id, reviews=len(reviews))
        review_pack_io.write(out, data)
    return len(reviews)
