"""Synthetic referrals for the agency-checks tests (invented people only).

The referral row is stored directly (not through intake.submit) so these tests do not depend on the
referral form's completeness rules: agency checks only need a submitted referral and its consent records."""

from __future__ import annotations

import uuid

from intake_helpers import subject

from triage_desk.referral_rows import new_row, next_reference, store_text


def act_as(ws, username: str) -> None:
    """Sign in as `username` (the fixture's passwords): decisions and approvals need the unsealed key."""
    from triage_desk import accounts

    password = "admin-password-1" if username == "admin" else "user-password-1"
    with ws.session() as s:
        ws.user = accounts.authenticate(s, username, password)


def referral(ws, checks_consent: str | None = "given", surname: str = "Checkwell") -> dict:
    """A submitted referral; `checks_consent` is the state recorded for scope "checks" (None: no record)."""
    child = subject(surname=surname)
    records = [{"id": str(uuid.uuid4()), "person_id": child["id"], "scope": "referral", "state": "given",
                "date": "2026-11-20", "form": "verbal", "recorded_by": "officer", "informed": True}]
    if checks_consent is not None:
        record = {"id": str(uuid.uuid4()), "person_id": child["id"], "scope": "checks", "state": checks_consent,
                  "date": "2026-11-20", "form": "verbal", "recorded_by": "officer", "informed": True}
        if checks_consent == "not_sought":
            record["reason_code"] = "undue_delay"
        records.append(record)
    doc = {"schema": "triage-desk/referral", "schema_version": 1, "id": str(uuid.uuid4()), "variant": "child",
           "status": "submitted", "contact": {"received_at": "2026-11-20T10:00", "channel": "email",
                                              "urgent": False, "referral_source": "2A"},
           "referrer": {"name": "Refer Testperson", "agency": "School"}, "subjects": [child], "household": [],
           "consent": {"records": records}, "concerns": {"narrative": "Synthetic concern for a test."}}
    with ws.session() as s:
        doc["reference"] = next_reference(s, 2026)
        s.add(new_row(doc, store_text(doc), "officer"))
    return doc
