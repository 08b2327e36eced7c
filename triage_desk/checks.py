"""Agency checks under information-sharing agreements, and recorded sharing decisions (service, no Qt).

Rules (domain.md §2): a check goes only to a partner with a *signed* information-sharing agreement;
without consent to checks (scope "checks" given) a practice lead's recorded decision is needed, made
by the lead themselves when requesting (basis "lead_decision" with the reason in `basis_note`). Each
check is due a partner-specific number of *working* hours after the request (forms/clock.py). The
referral row's `checks_open` / `checks_due` copies are kept in step on every change, so the case list
can show outstanding and overdue checks without reading this table. Every change is audited; audit
details hold ids and codes only (never the summary a partner gave).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import resources

from sqlalchemy import func, literal_column, select

from triage_desk import accounts, audit
from triage_desk.errors import InputError
from triage_desk.forms import consent_rules
from triage_desk.forms.catalogue import default_rules
from triage_desk.forms.clock import london_now
from triage_desk.models import Referral, Role
from triage_desk.models.partner import AgencyCheck, Partner, SharingDecision

ISA_STATUSES = {"signed": "Signed", "in_discussion": "In discussion", "no_contact": "No contact"}
KINDS = ("police", "health", "education", "housing", "probation", "youth_justice", "domestic_abuse",
         "drug_alcohol", "social_care", "fire", "ambulance", "voluntary", "other")
BASES = {"consent": "Consent to checks", "lead_decision": "Practice-lead decision (no consent)"}
CASE_WORK_ROLES = (Role.OFFICER, Role.LEAD)
VIEW_ROLES = (Role.OFFICER, Role.LEAD, Role.ADMIN)
MIN_REASON = 10  # a sentence, not "ok"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_PARTNER_FIELDS = ("name", "kind", "contact_route", "isa_status", "isa_date", "check_due_hours", "active")


@dataclass(frozen=True)
class GoldenRule:
    id: str
    text: str
    help: str


@cache
def golden_rules() -> tuple[GoldenRule, ...]:
    """The seven golden rules of information sharing (HM Government 2018), in order."""
    data = json.loads(resources.files("triage_desk.forms").joinpath("golden_rules.json").read_text("utf-8"))
    return tuple(GoldenRule(r["id"], r["text"], r["help"]) for r in data["rules"])


def rule_ids() -> list[str]:
    return [r.id for r in golden_rules()]


def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.strftime("%Y-%m-%dT%H:%M")


def _calendar():
    from triage_desk.forms.threshold import default_context

    return default_context().calendar


# ---------------------------------------------------------------- partner directory

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


# ---------------------------------------------------------------- consent

def checks_consent(doc: dict) -> str:
    """The referral's consent to multi-agency checks, as forms.consent_rules reads it: the least permissive
    of everyone's current record ("refused", "withdrawn", "given", "not_sought"), "unknown" when none."""
    return consent_rules.current_state(doc if isinstance(doc, dict) else {}, "checks")


def consent_state(ws, referral_id: str) -> str:
    """The stored referral's consent to checks (see `checks_consent`), for the checks panel."""
    from triage_desk.referral_rows import load

    accounts.require(ws.user, *VIEW_ROLES)
    with ws.session() as s:
        return checks_consent(load(_referral(s, referral_id).document))


# ---------------------------------------------------------------- checks

def _referral(s, referral_id: str) -> Referral:
    row = s.execute(select(Referral).where((Referral.id == referral_id) | (Referral.reference == referral_id))
                    ).scalar()
    if row is None:
        raise InputError(f"referral: no referral {referral_id}")
    return row


def _refresh_referral(s, referral_id: str) -> None:
    """Keep the case-list copies in step: open checks and the earliest due time among them."""
    s.flush()
    count, earliest = s.execute(select(func.count(AgencyCheck.id), func.min(AgencyCheck.due_at)).where(
        AgencyCheck.referral_id == referral_id, AgencyCheck.status == "requested")).one()
    row = s.get(Referral, referral_id)
    row.checks_open, row.checks_due = count or 0, earliest


def due_at(partner: Partner, requested_at: datetime, calendar=None) -> datetime:
    """When a check to `partner` requested at `requested_at` (local, naive) is due: working hours."""
    cal = calendar or _calendar()
    return cal.add_working_time(requested_at, hours=partner.check_due_hours).replace(tzinfo=None)


def request_checks(ws, referral_id: str, partner_ids: list[str], basis: str = "consent",
                   basis_note: str | None = None, *, now: datetime | None = None) -> list[AgencyCheck]:
    """Ask chosen partners for checks. Refused (nothing saved) for a partner without a signed agreement,
    and without consent to checks unless a practice lead makes the decision here (basis "lead_decision")."""
    from triage_desk.referral_rows import load

    user = accounts.require(ws.user, *CASE_WORK_ROLES)
    if basis not in BASES:
        raise InputError(f"basis: must be one of {', '.join(BASES)}")
    if basis == "lead_decision":
        accounts.require(ws.user, Role.LEAD)
        if len((basis_note or "").strip()) < MIN_REASON:
            raise InputError(f"basis_note: a practice-lead decision to check without consent needs its reason "
                             f"(at least {MIN_REASON} characters)")
    ids = list(dict.fromkeys(partner_ids))
    if not ids:
        raise InputError("partners: choose at least one partner")
    now = now or london_now()
    cal = _calendar()
    with ws.session() as s:
        row = _referral(s, referral_id)
        if row.status == "draft":
            raise InputError(f"referral: {row.reference} is still a draft; submit it before requesting checks")
        if basis == "consent":
            state = checks_consent(load(row.document))
            if state != "given":
                words = "not recorded" if state == "unknown" else state.replace("_", " ")
                raise InputError(f"consent: consent to agency checks is {words}; checks without consent need a "
                                 "practice lead's recorded decision")
        partners, problems = [], []
        for pid in ids:
            p = s.get(Partner, pid)
            if p is None or not p.active:
                problems.append(f"{pid}: no such partner in the directory")
            elif p.isa_status != "signed":
                problems.append(f"{p.name}: no signed information-sharing agreement "
                                f"({ISA_STATUSES[p.isa_status].lower()})")
            partners.append(p)
        if problems:
            raise InputError("partners: " + "; ".join(problems))
        open_ids = set(s.execute(select(AgencyCheck.partner_id).where(
            AgencyCheck.referral_id == row.id, AgencyCheck.status == "requested")).scalars())
        dupes = [p.name for p in partners if p.id in open_ids]
        if dupes:
            raise InputError(f"partners: a check is already awaiting an answer from {', '.join(dupes)}")
        made = []
        for p in partners:
            check = AgencyCheck(id=str(uuid.uuid4()), referral_id=row.id, partner_id=p.id, basis=basis,
                                basis_note=(basis_note or "").strip() or None, requested_by=user.username,
                                requested_at=now, due_at=due_at(p, now, cal), status="requested",
                                nothing_known=False)
            s.add(check)
            made.append(check)
            audit.record(s, user.username, "check.request", "referral", row.id, check=check.id, partner=p.id,
                         basis=basis, due_at=_iso(check.due_at))
        _refresh_referral(s, row.id)
        return made


def _open_check(s, check_id: str) -> AgencyCheck:
    check = s.get(AgencyCheck, check_id)
    if check is None:
        raise InputError(f"check: no check {check_id}")
    if check.status != "requested":
        raise InputError(f"check: {check_id} is already {check.status}")
    return check


def record_response(ws, check_id: str, *, nothing_known: bool, summary: str = "",
                    now: datetime | None = None) -> AgencyCheck:
    """The partner's answer: "nothing known" is a real answer; otherwise a summary of what they hold."""
    user = accounts.require(ws.user, *CASE_WORK_ROLES)
    summary = (summary or "").strip()
    if not nothing_known and not summary:
        raise InputError("summary: say what the partner holds, or record 'nothing known'")
    with ws.session() as s:
        check = _open_check(s, check_id)
        check.status, check.response_at, check.response_by = "answered", now or london_now(), user.username
        check.nothing_known, check.summary = bool(nothing_known), summary or None
        audit.record(s, user.username, "check.respond", "referral", check.referral_id, check=check.id,
                     partner=check.partner_id, nothing_known=bool(nothing_known))
        _refresh_referral(s, check.referral_id)
        return check


def cancel_check(ws, check_id: str, reason: str) -> AgencyCheck:
    """Withdraw a request that is no longer needed (the row stays, marked cancelled)."""
    user = accounts.require(ws.user, *CASE_WORK_ROLES)
    if len((reason or "").strip()) < 3:
        raise InputError("reason: say why the check is cancelled")
    with ws.session() as s:
        check = _open_check(s, check_id)
        check.status, check.response_at, check.response_by = "cancelled", london_now(), user.username
        check.basis_note = ((check.basis_note + "\n") if check.basis_note else "") + "Cancelled: " + reason.strip()
        audit.record(s, user.username, "check.cancel", "referral", check.referral_id, check=check.id,
                     partner=check.partner_id)
        _refresh_referral(s, check.referral_id)
        return check


_CHECK_COLUMNS = (AgencyCheck.id, AgencyCheck.referral_id, AgencyCheck.partner_id, AgencyCheck.basis,
                  AgencyCheck.basis_note, AgencyCheck.requested_by, AgencyCheck.requested_at, AgencyCheck.due_at,
                  AgencyCheck.status, AgencyCheck.response_at, AgencyCheck.nothing_known, AgencyCheck.summary,
                  Partner.name.label("partner_name"))


def _check_rows(s, referral_id: str | None, *, status: str | None = None, before: datetime | None = None,
                resolved: bool = False):
    """Plain rows (no ORM objects: the case view reads these often) with the partner's name."""
    q = select(*_CHECK_COLUMNS).join(Partner, Partner.id == AgencyCheck.partner_id)
    if referral_id is not None:
        q = q.where(AgencyCheck.referral_id == (referral_id if resolved else _referral(s, referral_id).id))
    if status is not None:
        q = q.where(AgencyCheck.status == status)
    if before is not None:
        q = q.where(AgencyCheck.due_at < before)
    return s.execute(q.order_by(AgencyCheck.requested_at, literal_column("agency_check.rowid"))).all()


def _check_dict(check) -> dict:
    return {"id": check.id, "partner_id": check.partner_id, "partner_name": check.partner_name, "basis": check.basis,
            "requested_by": check.requested_by, "requested_at": _iso(check.requested_at),
            "due_at": _iso(check.due_at), "status": check.status, "response_at": _iso(check.response_at),
            "nothing_known": bool(check.nothing_known) if check.status == "answered" else None,
            "summary": check.summary}


def list_checks(ws, referral_id: str) -> list[dict]:
    """Every check on a referral (document shape plus `basis_note`), oldest request first."""
    accounts.require(ws.user, *VIEW_ROLES)
    with ws.session() as s:
        return [_check_dict(c) | {"basis_note": c.basis_note} for c in _check_rows(s, referral_id)]


def outstanding(ws, referral_id: str) -> list[dict]:
    """Checks on a referral still awaiting an answer."""
    accounts.require(ws.user, *VIEW_ROLES)
    with ws.session() as s:
        return [_check_dict(c) for c in _check_rows(s, referral_id, status="requested")]


def overdue(ws, referral_id: str | None = None, *, now: datetime | None = None) -> list[dict]:
    """Open checks past their due time, for one referral or all of them (each with the referral's
    `reference`), most overdue first."""
    accounts.require(ws.user, *VIEW_ROLES)
    with ws.session() as s:
        rows = _check_rows(s, referral_id, status="requested", before=now or london_now())
        refs = dict(s.execute(select(Referral.id, Referral.reference).where(
            Referral.id.in_({c.referral_id for c in rows}))).all())
        items = [_check_dict(c) | {"reference": refs.get(c.referral_id)} for c in rows]
        return sorted(items, key=lambda c: c["due_at"])


def record_view(ws, referral_id: str) -> None:
    """Audit that a referral's checks were looked at outside a case view (the CLI)."""
    accounts.require(ws.user, *VIEW_ROLES)
    with ws.session() as s:
        row = _referral(s, referral_id)
        audit.record(s, ws.actor, "checks.view", "referral", row.id, reference=row.reference)


def time_left(due: datetime, now: datetime | None = None) -> str:
    """Working time left before `due` in words ("3 h 20 min left", "overdue by 1 h 5 min")."""
    now = now or london_now()
    cal = _calendar()
    if due >= now:
        delta, suffix, prefix = cal.working_time_between(now, due), " left", ""
    else:
        delta, suffix, prefix = cal.working_time_between(due, now), "", "OVERDUE by "
    minutes = int(delta.total_seconds() // 60)
    hours, mins = divmod(minutes, 60)
    text = f"{hours} h {mins:02d} min" if hours else f"{mins} min"
    if prefix and minutes == 0:
        text = "under 1 min"  # past due outside working hours: still overdue
    return prefix + text + suffix


# ---------------------------------------------------------------- sharing decisions

def record_sharing_decision(ws, referral_id: str, partner_id: str | None, shared: bool, reason: str,
                            golden_rules: dict, lawful_basis: str | None, *,
                            now: datetime | None = None) -> SharingDecision:
    """Record a decision to share or not: all seven golden rules considered (each ticked true or false)
    and a reason given either way; a lawful basis is required when sharing."""
    user = accounts.require(ws.user, *CASE_WORK_ROLES)
    ids = rule_ids()
    problems = []
    given = golden_rules if isinstance(golden_rules, dict) else {}
    missing = [rid for rid in ids if not isinstance(given.get(rid), bool)]
    if missing:
        problems.append(f"golden_rules: consider every rule (not yet: {', '.join(missing)})")
    extra = sorted(set(given) - set(ids))
    if extra:
        problems.append(f"golden_rules: unknown rule {extra[0]}")
    if not isinstance(shared, bool):
        problems.append("shared: say whether information is shared (yes or no)")
    if len((reason or "").strip()) < MIN_REASON:
        problems.append(f"reason: record why (at least {MIN_REASON} characters), whether shared or not")
    bases = default_rules().codes("lawful_bases")  # UK GDPR Article 6(1): consent is one of six (domain.md §2)
    if lawful_basis not in (None, "") and lawful_basis not in bases:
        problems.append(f"lawful_basis: must be one of {', '.join(bases)}")
    if shared is True and not lawful_basis:
        problems.append("lawful_basis: required when information is shared")
    if problems:
        raise InputError("; ".join(problems))
    with ws.session() as s:
        row = _referral(s, referral_id)
        if partner_id is not None and s.get(Partner, partner_id) is None:
            raise InputError(f"partner: no partner {partner_id}")
        decision = SharingDecision(id=str(uuid.uuid4()), referral_id=row.id, partner_id=partner_id, shared=shared,
                                   reason=reason.strip(), golden_rules=json.dumps({k: given[k] for k in ids}),
                                   lawful_basis=lawful_basis or None, decided_by=user.username,
                                   decided_at=now or london_now())
        s.add(decision)
        audit.record(s, user.username, "sharing.decide", "referral", row.id, decision=decision.id,
                     partner=partner_id, shared=shared, lawful_basis=lawful_basis or None)
        return decision


_DECISION_ORDER = (SharingDecision.decided_at, literal_column("sharing_decision.rowid"))  # same time: entry order


def _decision_dict(d: SharingDecision) -> dict:
    return {"id": d.id, "partner_id": d.partner_id, "shared": bool(d.shared), "reason": d.reason,
            "golden_rules": json.loads(d.golden_rules), "lawful_basis": d.lawful_basis,
            "decided_by": d.decided_by, "decided_at": _iso(d.decided_at)}


def list_sharing_decisions(ws, referral_id: str) -> list[dict]:
    accounts.require(ws.user, *VIEW_ROLES)
    with ws.session() as s:
        rid = _referral(s, referral_id).id
        rows = s.execute(select(SharingDecision).where(SharingDecision.referral_id == rid)
                         .order_by(*_DECISION_ORDER)).scalars()
        return [_decision_dict(d) for d in rows]


def as_document(ws, referral_id: str) -> dict:
    """The referral document's `checks` and `sharing_decisions` (case.json, summary PDF). The caller
    audits the view or export it is part of."""
    accounts.require(ws.user, *VIEW_ROLES)
    with ws.session() as s:
        rid = _referral(s, referral_id).id
        checks = [_check_dict(c) for c in _check_rows(s, rid, resolved=True)]
        rows = s.execute(select(SharingDecision).where(SharingDecision.referral_id == rid)
                         .order_by(*_DECISION_ORDER)).scalars()
        return {"checks": checks, "sharing_decisions": [_decision_dict(d) for d in rows]}


def __getattr__(name: str):
    # LAWFUL_BASES (code -> label) stays importable for the screens, read from the rules file.
    if name == "LAWFUL_BASES":
        return default_rules().codes("lawful_bases")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
