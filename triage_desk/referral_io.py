"""Referral documents in and out: export as canonical JSON, import with JSON-path errors.

Round trip: `export` prints `dump(load(stored))`; importing that text stores the same document, so a
second export gives the same bytes. Importing a document whose id is already stored changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select

from triage_desk import accounts, audit, matching
from triage_desk.errors import InputError
from triage_desk.forms.document import load_input_document
from triage_desk.intake import CASE_ROLES, _person_from_subject, _store_scores, open_case
from triage_desk.models import Referral, ReferralSubject, utcnow
from triage_desk.referral_rows import check_identity, columns, dump, load, new_row, store_text


def export_text(ws, ref: str) -> str:
    """The canonical JSON of one referral (opening it is audited as a case view)."""
    return dump(open_case(ws, ref))


def import_text(ws, text: str | bytes, source: str = "file") -> tuple[str, str]:
    """Store a referral document. Returns (reference, "imported" | "unchanged")."""
    accounts.require(ws.user, *CASE_ROLES)
    doc = load_input_document(text, source)
    check_identity(doc)
    if not doc.get("reference"):
        raise InputError("$.reference: required when importing")
    stored = store_text(doc)
    with ws.session() as s:
        row = s.get(Referral, doc["id"])
        if row is not None:
            if load(row.document) == doc:
                return row.reference, "unchanged"
            raise InputError(f"$.id: referral {row.reference} is already stored with different content; "
                             "nothing was changed")
        if s.execute(select(Referral.id).where(Referral.reference == doc["reference"])).first():
            raise InputError(f"$.reference: {doc['reference']} already belongs to another referral; "
                             "nothing was changed")
        row = new_row(doc, stored, ws.actor)
        s.add(row)
        s.flush()
        if row.status != "draft":
            people = []
            for subject in doc.get("subjects") or []:
                if isinstance(subject, dict):
                    person = _person_from_subject(s, subject)
                    s.add(ReferralSubject(referral_id=row.id, person_id=person.id, subject_id=subject.get("id"),
                                          state="linked", decided_by=ws.actor, decided_at=utcnow()))
                    people.append(person.id)
            s.flush()
            row.re_referrals_12m = matching.re_referrals_12m(s, people, columns(doc)["received_at"], row.id)
            _store_scores(row, doc)
        audit.record(s, ws.actor, "referral.import", "referral", row.id, reference=row.reference, source=source)
        return row.reference, "imported"
