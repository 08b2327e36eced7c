"""The partner directory: agencies a front door may ask for checks, and the state of each one's
information-sharing agreement (service, no Qt). Administrators keep it; every change is audited with
before and after. Also who may see and do partner work, used by checks.py and sharing.py.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from importlib import resources

from sqlalchemy import func, select

from triage_desk import accounts, audit
from triage_desk.errors import InputError
from triage_desk.forms.clock import london_now
from triage_desk.models import Role
from triage_desk.models.partner import Partner

ISA_STATUSES = {"signed": "Signed", "in_discussion": "In discussion", "no_contact": "No contact"}
KINDS = ("police", "health", "education", "housing", "probation", "youth_justice", "domestic_abuse",
         "drug_alcohol", "social_care", "fire", "ambulance", "voluntary", "other")
CASE_WORK_ROLES = (Role.OFFICER, Role.LEAD)
VIEW_ROLES = (Role.OFFICER, Role.LEAD, Role.ADMIN)
MIN_REASON = 10  # a sentence, not "ok"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_PARTNER_FIELDS = ("name", "kind", "contact_route", "isa_status", "isa_date", "check_due_hours", "active")


def iso_minutes(dt: datetime | None) -> str | None:
    """A stored local date-time as YYYY-MM-DDTHH:MM (the document's shape); None stays None."""
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M")


def _seed() -> list[dict]:
    text = resources.files("triage_desk.forms").joinpath("partners_default.json").read_text("utf-8")
    return json.loads(text)["partners"]


def _parse_date(value, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return datetime.combine(date.fromisoformat(str(value)), datetime.min.time())
    except ValueError:
        raise InputError(f"{field}: must be a date YYYY-MM-DD") from None


def ensure_partners(ws) -> int:
    """Seed the partner directory from the shipped default when the table is empty; returns rows added."""
    with ws.session() as s:
        if s.execute(select(func.count()).select_from(Partner)).scalar():
            return 0
        rows = _seed()
        for p in rows:
            s.add(Partner(id=p["id"], name=p["name"], kind=p["kind"], contact_route=p.get("contact_route", ""),
                          isa_status=p["isa_status"], isa_date=_parse_date(p.get("isa_date"), "isa_date"),
                          check_due_hours=int(p.get("check_due_hours", 8)), active=True, updated_by=None))
        audit.record(s, ws.actor, "partner.seed", "partner", None, count=len(rows))
        return len(rows)


def list_partners(ws, *, include_inactive: bool = False) -> list[Partner]:
    """Partners by name (detached rows: read their attributes freely)."""
    accounts.require(ws.user, *VIEW_ROLES)
    with ws.session() as s:
        q = select(Partner).order_by(Partner.name)
        if not include_inactive:
            q = q.where(Partner.active.is_(True))
        return list(s.execute(q).scalars())


def _partner_state(p: Partner) -> dict:
    return {"name": p.name, "kind": p.kind, "contact_route": p.contact_route, "isa_status": p.isa_status,
            "isa_date": p.isa_date.date().isoformat() if p.isa_date else None,
            "check_due_hours": p.check_due_hours, "active": bool(p.active)}


def _check_partner_values(values: dict) -> None:
    problems = []
    if "name" in values and not str(values["name"] or "").strip():
        problems.append("name: required")
    if "kind" in values and values["kind"] not in KINDS:
        problems.append(f"kind: must be one of {', '.join(KINDS)}")
    if "isa_status" in values and values["isa_status"] not in ISA_STATUSES:
        problems.append(f"isa_status: must be one of {', '.join(ISA_STATUSES)}")
    if "check_due_hours" in values:
        hours = values["check_due_hours"]
        if isinstance(hours, bool) or not isinstance(hours, int) or not 1 <= hours <= 400:
            problems.append("check_due_hours: must be a whole number of working hours from 1 to 400")
    if problems:
        raise InputError("; ".join(problems))


def save_partner(ws, partner_id: str, **values) -> Partner:
    """Add or change a partner (administrators only). `values`: any of name, kind, contact_route,
    isa_status, isa_date (date or YYYY-MM-DD), check_due_hours, active. Audited with before/after."""
    user = accounts.require(ws.user, Role.ADMIN)
    unknown = set(values) - set(_PARTNER_FIELDS)
    if unknown:
        raise InputError(f"partner: unknown field {sorted(unknown)[0]}")
    if "isa_date" in values:
        values["isa_date"] = _parse_date(values["isa_date"], "isa_date")
    if "name" in values:
        values["name"] = str(values["name"]).strip()
    _check_partner_values(values)
    with ws.session() as s:
        p = s.get(Partner, partner_id)
        if p is None:
            if not _SLUG.match(partner_id or ""):
                raise InputError("id: lower-case letters, digits and hyphens, starting with a letter or digit")
            missing = [f for f in ("name", "kind", "isa_status") if f not in values]
            if missing:
                raise InputError(f"{missing[0]}: required for a new partner")
            p = Partner(id=partner_id, contact_route="", check_due_hours=8, active=True)
            s.add(p)
            before = None
        else:
            before = _partner_state(p)
        for key, value in values.items():
            setattr(p, key, value if key != "contact_route" else str(value or "").strip())
        if p.isa_status == "signed" and p.isa_date is None:
            raise InputError("isa_date: give the date the agreement was signed")
        p.updated_by, p.updated_at = user.username, london_now()
        s.flush()
        after = _partner_state(p)
        if before == after:
            return p
        audit.record(s, user.username, "partner.add" if before is None else "partner.change", "partner", p.id,
                     before=before, after=after)
        return p


def set_isa_status(ws, partner_id: str, status: str, isa_date: date | str | None = None) -> Partner:
    """Record a change in a partner's information-sharing agreement (administrators only)."""
    values: dict = {"isa_status": status}
    if isa_date is not None or status != "signed":
        values["isa_date"] = isa_date
    with ws.session() as s:
        if s.get(Partner, partner_id) is None:
            raise InputError(f"partner: no partner {partner_id}")
    return save_partner(ws, partner_id, **values)
