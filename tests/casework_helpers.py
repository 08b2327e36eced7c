"""Synthetic cases at each point of the lifecycle for the casework tests (invented people only)."""

from __future__ import annotations

import shutil
import subprocess
import uuid

from checks_helpers import act_as
from intake_helpers import complete, subject

from triage_desk import decisions, intake, lifecycle
from triage_desk.forms.threshold import evaluate

LEVEL3 = "health.chronic_condition_untreated"
LEVEL2 = "health.missed_checks"
LEVEL4 = "health.faltering_growth"


def draft(ws, indicators=(LEVEL3,), received_at="2026-11-20T10:00", channel="email", surname="Lifecyle",
          urgent=False) -> dict:
    doc = complete(intake.new_draft(ws), subject(surname=surname), received_at=received_at)
    doc["concerns"]["indicators"] = list(indicators)
    doc["contact"]["channel"] = channel
    doc["contact"]["urgent"] = urgent
    return doc


def submitted(ws, **kw) -> dict:
    return intake.submit(ws, draft(ws, **kw))


def decided(ws, **kw) -> dict:
    """Submitted and decided as the engine suggests (no approval needed)."""
    doc = submitted(ws, **kw)
    engine = evaluate(doc)
    decisions.decide(ws, doc["id"], engine, decisions.Proposal(engine["suggested_level"], tuple(engine["outcomes"])))
    return doc


def at_state(ws, state: str, **kw) -> dict:
    """A case in `state` (every lifecycle state), acting as the officer afterwards."""
    act_as(ws, "officer")
    if state == "received":
        doc = draft(ws, **kw)
        intake.save_draft(ws, doc)
        return doc
    if state == "submitted":
        return submitted(ws, **kw)
    if state == "awaiting_response":
        return redecided_by_lead(ws, **kw)
    if state == "awaiting_approval":
        doc = submitted(ws, **kw)
        engine = evaluate(doc)
        decisions.decide(ws, doc["id"], engine, decisions.Proposal(
            4, ("STRAT",), "The officer judges the risk higher than the indicators show."))
        return doc
    doc = decided(ws, **kw)
    go = {"strategy_discussion": ["start_strategy"], "assessment": ["start_assessment"],
          "early_help": ["start_early_help"], "closed": ["close"]}
    for action in go.get(state, []):
        lifecycle.transition(ws, doc["id"], action, **PARAMS[action])
    return doc


PARAMS = {
    "start_strategy": {"receiving_team": "Assessment Team North"},
    "start_assessment": {"receiving_team": "Assessment Team North"},
    "start_early_help": {"receiving_team": "Early Help Hub East"},
    "step_up": {"to": "assessment", "reason": "Needs rose to level 3 after a new incident.",
                "receiving_team": "Assessment Team North"},
    "step_down": {"reason": "Assessment closed with needs at level 2.", "receiving_team": "Early Help Hub East",
                  "lead_professional": "School family worker", "family_told": True},
    "close": {"outcome": "S17"},
    "reopen": {"reason": "A new concern arrived from the school nurse."},
    "reject": {"reason": "The evidence does not support level 4."},
    "approve": {},
    "submit": {},
    "decide": {"level": 3, "outcomes": ["S17"]},
    "accept_review": {"reason": "I agree the risk is higher than I first judged."},
    "contest_review": {"reason": "The school's new information was already weighed in my decision."},
}
LEAD_RATIONALE = "Synthetic lead rationale: the pattern of missed health care is at level four."


def redecided_by_lead(ws, **kw) -> dict:
    """A decided case that the practice lead 'lead' re-decided in a review (a signed new decision version
    applied as a review return applies it), awaiting the officer's response; acting as the officer after."""
    import json

    from triage_desk import review_apply, review_offline, statements
    from triage_desk.models import Referral

    doc = decided(ws, **kw)
    act_as(ws, "lead")
    key = statements.signing_key(ws.user)
    with ws.session() as s:
        referral, current = s.get(Referral, doc["id"]), decisions.current(s, doc["id"])
        engine = json.loads(current.engine_json)
        signed = statements.sign(key, statements.decision_statement(
            referral_id=referral.id, reference=referral.reference, revision=current.revision + 1,
            previous=statements.digest(current.statement), engine=engine, final_level=4, final_outcomes=("STRAT",),
            overridden=True, direction=decisions.level_direction(engine["suggested_level"], 4),
            rationale=LEAD_RATIONALE, nfa_reason=None, requires=[], approval=review_offline.AWAITING_RESPONSE,
            by=statements.signer(ws.user, key), at="2026-11-27T10:00:00.000000Z"))
        review_apply.new_version(s, referral, current, signed, {"rationale": LEAD_RATIONALE}, signed.public_key)
    act_as(ws, "officer")
    return doc


def pdf_text(data: bytes, tmp_path) -> str:
    """The PDF's text as a reader copies it: poppler's pdftotext where installed, else pdfium (a dependency
    of the app), so the check runs on any machine, CI's included."""
    if shutil.which("pdftotext") is None:
        import pypdfium2 as pdfium

        document = pdfium.PdfDocument(data)
        return " ".join(" ".join(page.get_textpage().get_text_range() for page in document).split())
    path = tmp_path / f"{uuid.uuid4()}.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True)
    return " ".join(out.stdout.split())
