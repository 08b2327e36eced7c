"""Written confirmation of a phone referral, recorded after submission (no Qt).

A phone referral is outstanding until its written confirmation is recorded (domain.md §4: within 24
hours). Recording it fills `contact.confirmed_at` / `contact.confirmed_how` in the stored document and
meets (or, if late, misses) the `phone_confirmation` deadline, in one audited transaction.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select

from triage_desk import accounts, audit, deadlines
from triage_desk.errors import InputError
from triage_desk.forms.clock import london_now
from triage_desk.models import Referral, Role
from triage_desk.referral_rows import parse_local, store_text

METHODS = {"email": "Email", "letter": "Letter", "portal": "Online portal", "secure_email": "Secure email",
           "form": "Referral form"}


def outstanding(doc: dict) -> bool:
    """A phone referral with no written confirmation recorded yet."""
    contact = doc.get("contact") if isinstance(doc.get("contact"), dict) else {}
    return contact.get("channel") == "phone" and not contact.get("confirmed_at")


def record(ws, ref: str, received_at: datetime, how: str, *, now: datetime | None = None) -> dict:
    """Record when and how the written confirmation arrived; returns the updated document."""
    user = accounts.require(ws.user, Role.OFFICER, Role.LEAD)
    if how not in METHODS:
        raise InputError(f"how: must be one of {', '.join(METHODS)}")
    now = now or london_now()
    if not isinstance(received_at, datetime):
        raise InputError("received at: give the date and time the confirmation arrived (YYYY-MM-DDTHH:MM)")
    if received_at > now + timedelta(minutes=5):
        raise InputError("received at: cannot be in the future")
    with ws.session() as s:
        row = s.execute(select(Referral).where((Referral.reference == ref) | (Referral.id == ref))).scalar()
        if row is None:
            raise InputError(f"reference: no referral {ref}")
        doc = json.loads(row.document)
        contact = doc.setdefault("contact", {})
        if row.status == "draft":
            raise InputError("referral: still a draft; enter the confirmation on the referral form")
        if contact.get("channel") != "phone":
            raise InputError("referral: not a phone referral; no written confirmation is needed")
        if contact.get("confirmed_at"):
            raise InputError("referral: the written confirmation is already recorded")
        received = parse_local(contact.get("received_at"))
        if received is not None and received_at < received:
            raise InputError("received at: cannot be before the phone referral was received")
        contact["confirmed_at"] = received_at.strftime("%Y-%m-%dT%H:%M")
        contact["confirmed_how"] = how
        row.document = store_text(doc)
        done = deadlines.complete(s, row.id, ["phone_confirmation"], received_at, user.username)
        audit.record(s, user.username, "referral.confirm_phone", "referral", row.id, reference=row.reference,
                     how=how, on_time=all(d.state == "met" for d in done))
        return doc
