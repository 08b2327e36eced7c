"""Referral document <-> `referral` row: canonical text and the columns copied out of the document.

Parsing and the canonical dump are `triage_desk.forms.document`'s (JSON-path errors, one schema).
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from triage_desk.errors import InputError
from triage_desk.forms.clock import LONDON, london_now
from triage_desk.models import Referral, utcnow

REFERENCE = re.compile(r"^TD-\d{4}-\d{6}$")
SCHEMA = "triage-desk/referral"


def dump(doc: dict) -> str:
    """Canonical JSON text for export: the same document always gives the same bytes."""
    from triage_desk.forms.document import dump_document  # jsonschema loads on first use, not at start-up

    return dump_document(doc)


def store_text(doc: dict) -> str:
    """Compact JSON as stored in `referral.document` (export re-serialises it canonically)."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def load(text: str | bytes, source: str = "document") -> dict:
    """Parse a referral document; errors name the JSON path (never a value)."""
    from triage_desk.forms.document import load_document

    # Without a source name the text is this database's own row: size limits are for input only.
    return load_document(text, source, stored=source == "document")


def check_identity(doc: dict) -> None:
    """The keys the store itself relies on: id, reference, status, variant."""
    try:
        uuid.UUID(str(doc.get("id")))
    except ValueError:
        raise InputError("$.id: must be a UUID") from None
    ref = doc.get("reference")
    if ref is not None and not (isinstance(ref, str) and REFERENCE.match(ref)):
        raise InputError("$.reference: must look like TD-YYYY-NNNNNN")
    if doc.get("status", "draft") not in ("draft", "submitted", "decided", "closed"):
        raise InputError("$.status: must be draft, submitted, decided or closed")
    if doc.get("variant", "child") not in ("child", "adult"):
        raise InputError("$.variant: must be child or adult")


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) and value not in ("not_known", "not_applicable") else ""


def subject_names(doc: dict) -> tuple[str, str]:
    """Display name ("SURNAME, Forenames; ...") and the lower-case sort key of the subjects."""
    shown, sort = [], []
    for s in doc.get("subjects") or []:
        if not isinstance(s, dict):
            continue
        surname, forenames = _text(s.get("surname")), _text(s.get("forenames"))
        if surname or forenames:
            shown.append(f"{surname.upper()}, {forenames}" if surname else forenames)
            sort.append(f"{surname} {forenames}".strip().lower())
    return "; ".join(shown)[:300], " ".join(sort)[:300]


def parse_local(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt.astimezone(LONDON).replace(tzinfo=None) if dt.tzinfo else dt


def columns(doc: dict) -> dict:
    """The case-list columns copied out of a document (scores are added by intake on submit)."""
    contact = doc.get("contact") if isinstance(doc.get("contact"), dict) else {}
    referrer = doc.get("referrer") if isinstance(doc.get("referrer"), dict) else {}
    form = doc.get("form") if isinstance(doc.get("form"), dict) else {}
    links = doc.get("links") if isinstance(doc.get("links"), dict) else {}
    name, sort = subject_names(doc)
    agency = _text(referrer.get("agency"))
    source = contact.get("referral_source")
    rr = links.get("re_referrals_12m")
    return {
        "status": doc.get("status", "draft"), "variant": doc.get("variant", "child"),
        "received_at": parse_local(contact.get("received_at")) or london_now(),
        "subject_name": name, "subject_sort": sort, "referrer_agency": agency[:120] or None,
        "referral_source": source if isinstance(source, str) and len(source) <= 4 else None,
        "urgent": contact.get("urgent") is True,
        "form_id": str(form["id"])[:64] if form.get("id") is not None else None,
        "form_version": str(form["version"])[:32] if form.get("version") is not None else None,
        "re_referrals_12m": rr if isinstance(rr, int) and not isinstance(rr, bool) else 0,
    }


REFERENCE_LOCK = 0x5444726566000000  # + year: pg_advisory_xact_lock key for numbering ("TDref")


def next_reference(session: Session, year: int) -> str:
    """The next free TD-YYYY-NNNNNN for a year (a range read on the unique index, not a scan)."""
    prefix = f"TD-{year:04d}-"
    if session.get_bind().dialect.name == "postgresql":
        # Many workstations: numbering takes turns (until commit), so two never take the same number.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": REFERENCE_LOCK + year})
    last = session.execute(select(func.max(Referral.reference))
                           .where(Referral.reference >= prefix, Referral.reference < f"TD-{year:04d}.")).scalar()
    return f"{prefix}{(int(last[-6:]) if last else 0) + 1:06d}"


def new_row(doc: dict, text: str, actor: str | None, step: str | None = None) -> Referral:
    now = utcnow()
    return Referral(id=doc["id"], reference=doc["reference"], document=text, wizard_step=step, created_by=actor,
                    created_at=now, updated_at=now, **columns(doc))


def find_referral(session: Session, id_or_reference: str, field: str = "referral") -> Referral:
    """A referral by id or reference (TD-YYYY-NNNNNN); InputError naming `field` when there is none."""
    row = session.execute(select(Referral).where((Referral.id == id_or_reference)
                                                 | (Referral.reference == id_or_reference))).scalar()
    if row is None:
        raise InputError(f"{field}: no referral {id_or_reference}")
    return row
