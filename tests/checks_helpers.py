"""Synthetic referrals for the agency-checks tests (invented people only)."""

from __future__ import annotations

from intake_helpers import complete, subject
from sqlalchemy import select

from triage_desk import intake
from triage_desk.models import User


def act_as(ws, username: str) -> None:
    with ws.session() as s:
        ws.user = s.execute(select(User).where(User.username == username)).scalar_one()


def referral(ws, checks_consent: str | None = "given", surname: str = "Checkwell") -> dict:
    """A submitted referral; `checks_consent` is the state recorded for scope "checks" (None: no record)."""
    previous = ws.user
    act_as(ws, "officer")
    doc = complete(intake.new_draft(ws), subject(surname=surname), received_at="2026-11-20T10:00")
    if checks_consent is not None:
        record = {"person_id": doc["subjects"][0]["id"], "scope": "checks", "state": checks_consent,
                  "date": "2026-11-20", "method": "verbal"}
        if checks_consent in ("refused", "not_sought"):
            record["reason_code"] = "undue_delay"
        doc["consent"]["records"].append(record)
    doc = intake.submit(ws, doc)
    ws.user = previous
    return doc
