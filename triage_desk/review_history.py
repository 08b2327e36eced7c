"""A case's review history: every review applied here from a review return, in words (the case view's
Progress tab, `case show` and the summary PDF)."""

from __future__ import annotations

from sqlalchemy import select

from triage_desk import statements
from triage_desk.formatting import fmt_datetime
from triage_desk.models import ReviewItem, ReviewPack

APPLIED_WORDS = {"approved": "approval countersigned", "new_version": "new decision version awaiting the officer",
                 "agreed": "agreed", "recorded": "kept in history (the decision had changed)"}


def history_rows(s, referral_id: str) -> list[dict]:
    """Every review applied to the case, oldest first (case view's Progress tab, summary PDF)."""
    rows = s.execute(select(ReviewItem, ReviewPack).join(ReviewPack, ReviewPack.id == ReviewItem.pack_id)
                     .where(ReviewItem.referral_id == referral_id, ReviewPack.side == "issued",
                            ReviewItem.applied.is_not(None)).order_by(ReviewItem.reviewed_at))
    out = []
    for item, _pack in rows:
        review = statements.Signed(item.review_statement, item.review_signature, item.reviewer_key)
        body = review.body
        out.append({"who": statements.describe(body, item.reviewer_key), "blind": bool(body.get("blind")),
                    "verdict": item.verdict, "officer_level": item.officer_level, "lead_level": item.lead_level,
                    "rationale": body.get("rationale"), "applied": item.applied,
                    "at": item.reviewed_at.strftime("%Y-%m-%dT%H:%M") if item.reviewed_at else None,
                    "signature_ok": review.valid(), "provably_blind": _provably_blind(item, body)})
    return out


def _provably_blind(item: ReviewItem, body: dict) -> bool:
    """The blind score and the reveal are signed, the reveal names the score and the review names both."""
    if not (body.get("blind") and item.score_statement and item.reveal_statement):
        return False
    score = statements.Signed(item.score_statement, item.score_signature, item.reviewer_key)
    reveal = statements.Signed(item.reveal_statement, item.reveal_signature, item.reviewer_key)
    return (score.valid() and reveal.valid() and reveal.body.get("score_sha256") == statements.digest(score.text)
            and body.get("reveal_sha256") == statements.digest(reveal.text)
            and score.body.get("at", "") <= reveal.body.get("at", ""))


def review_line(r: dict) -> str:
    """One applied review in words: who, blind or not, the verdict, the rationale and the signatures."""
    blind = (" blind (score signed before the reveal)" if r["provably_blind"] else " blind, NOT provably"
             if r["blind"] else "")
    verdict = ("agreed" if r["verdict"] == "agree"
               else f"decided differently (level {r['officer_level']} → {r['lead_level']})")
    why = f": {r['rationale']}" if r.get("rationale") else ""
    signed = "signature valid" if r["signature_ok"] else "signature DOES NOT MATCH"
    return (f"{fmt_datetime(r['at']) if r['at'] else ''} – reviewed{blind} by {r['who']}: {verdict}{why}; "
            f"{APPLIED_WORDS.get(r['applied'], r['applied'])}; {signed}")


def response_line(r: dict) -> str:
    """The officer's answer to a reviewing lead's re-decision in words (review_response.for_case rows)."""
    what = ("accepted the reviewing practice lead's decision" if r["response"] == "accepted"
            else "contested the reviewing practice lead's decision (sent to another practice lead)")
    signed = "signature valid" if r["signed"] else "signature DOES NOT MATCH"
    return f"{fmt_datetime(r['at'])} – {r['by']} {what}: {r['rationale']}; {signed}"


def response_due_line(due: dict) -> str:
    """A reviewing lead's re-decision beside the officer's own, in words (review_response.due)."""
    return (f"A reviewing practice lead ({due['lead']}) decided level {due['level']} ({', '.join(due['outcomes'])}) "
            f"where the officer decided level {due['officer_level']}. The lead's reasons: "
            f"{due['rationale'] or 'none given'}")
