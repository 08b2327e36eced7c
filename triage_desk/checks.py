"""Agency checks under information-sharing agreements (service, no Qt).

Rules (domain.md §2): a check goes only to a partner with a *signed* information-sharing agreement;
without consent to checks (scope "checks" given) a practice lead's recorded decision is needed, made
by the lead themselves when requesting (basis "lead_decision" with the reason in `basis_note`). Each
check is due a partner-specific number of *working* hours after the request (forms/clock.py). The
referral row's `checks_open` / `checks_due` copies are kept in step on every change, so the case list
can show outstanding and overdue checks without reading this table. Every change is audited; audit
details hold ids and codes only (never the summary a partner gave). The partner directory is
partners.py; sharing decisions and the golden rules are sharing.py.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select

from triage_desk import accounts, audit, concurrency, sharing
from triage_desk.errors import InputError
from triage_desk.forms import consent_rules
from triage_desk.forms.clock import london_now
from triage_desk.forms.threshold import default_context
from triage_desk.models import Referral, Role
from triage_desk.models.entry_order import entry_order
from triage_desk.models.partner import AgencyCheck, Partner
from triage_desk.partners import CASE_WORK_ROLES, ISA_STATUSES, MIN_REASON, VIEW_ROLES, iso_minutes
from triage_desk.referral_rows import find_referral, load

BASES = {"consent": "Consent to checks", "lead_decision": "Practice-lead decision (no consent)"}


def checks_consent(doc: dict) -> str:
    """The referral's consent to multi-agency checks, as forms.consent_rules reads it: the least permissive
    of everyone's current record ("refused", "withdrawn", "given", "not_sought"), "unknown" when none."""
    return consent_rules.current_state(doc if isinstance(doc, dict) else {}, "checks")


def consent_state(ws, referral_id: str) -> str:
    """The stored referral's consent to checks (see `checks_consent`), for the checks panel."""
    accounts.require(ws.user, *VIEW_ROLES)
    with ws.session() as s:
        return checks_consent(load(find_referral(s, referral_id).document))


def _refreshfind_referral(s, referral_id: str) -> None:
    """Keep the case-list copies in step: open checks and the earliest due time among them."""
    s.flush()
    count, earliest = s.execute(select(func.count(AgencyCheck.id), func.min(AgencyCheck.due_at)).where(
        AgencyCheck.referral_id == referral_id, AgencyCheck.status == "requested")).one()
    row = s.get(Referral, referral_id)
    row.checks_open, row.checks_due = count or 0, earliest


def due_at(partner: Partner, requested_at: datetime, calendar=None) -> datetime:
    """When a check to `partner` requested at `requested_at` (local, naive) is due: working hours."""
    cal = calendar or default_context().calendar
    return cal.add_working_time(requested_at, hours=partner.check_due_hours).replace(tzinfo=None)


def request_checks(ws, referral_id: str, partner_ids: list[str], basis: str = "consent",
                   basis_note: str | None = None, *, now: datetime | None = None) -> list[AgencyCheck]:
    """Ask chosen partners for checks. Refused (nothing saved) for a partner without a signed agreement,
    and without consent to checks unless a practice lead makes the decision here (basis "lead_decision")."""
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
    cal = default_context().calendar
    with ws.session() as s:
        row = find_referral(s, referral_id)
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
                         basis=basis, due_at=iso_minutes(check.due_at))
        _refreshfind_referral(s, row.id)
        return made


def _open_check(s, check_id: str, expected_version: int | None = None, mine: str = "", *,
                correcting: bool = False) -> AgencyCheck:
    """The check still awaiting an answer (or, `correcting`, an answered one read at `expected_version`);
    concurrency.Conflict when it changed since the screen showed it at `expected_version`."""
    check = s.get(AgencyCheck, check_id)
    if check is None:
        raise InputError("check: no such check (check the id, or list the case's checks)")
    concurrency.check_version(check, expected_version, lambda: _check_conflict(s, check, mine))
    if check.status != "requested" and not (correcting and check.status == "answered"):
        raise InputError(f"check: the check to {_partner(s, check)} is already {check.status}")
    return check


def _partner(s, check: AgencyCheck) -> str:
    return s.get(Partner, check.partner_id).name


def _answer_words(status: str, nothing_known: bool | None, summary: str | None) -> str:
    if status == "answered":
        return "answered: nothing known" if nothing_known else f"answered: {summary or 'information held'}"
    return {"requested": "awaiting an answer", "cancelled": "cancelled"}.get(status, status)


def _check_conflict(s, check: AgencyCheck, mine: str) -> concurrency.Conflict:
    ref = s.get(Referral, check.referral_id).reference
    theirs = _answer_words(check.status, check.nothing_known, check.summary)
    diffs = [concurrency.Difference("Check", theirs, mine)] if theirs != mine else []
    return concurrency.changed_since(s, f"the check to {_partner(s, check)} on {ref}", check.referral_id,
                                     check.response_by or check.requested_by, diffs, check.version, "check.")


def record_response(ws, check_id: str, *, nothing_known: bool, summary: str = "", now: datetime | None = None,
                    expected_version: int | None = None) -> AgencyCheck:
    """The partner's answer: "nothing known" is a real answer; otherwise a summary of what they hold.
    `expected_version` (the check's version the screen showed): a Conflict when it changed since; given, it
    may also correct an answer read at that version (someone chose to overwrite theirs)."""
    user = accounts.require(ws.user, *CASE_WORK_ROLES)
    summary = (summary or "").strip()
    if not nothing_known and not summary:
        raise InputError("summary: say what the partner holds, or record 'nothing known'")
    with ws.session() as s:
        check = _open_check(s, check_id, expected_version, _answer_words("answered", nothing_known, summary),
                            correcting=expected_version is not None)
        corrected = check.status == "answered"
        check.status, check.response_at, check.response_by = "answered", now or london_now(), user.username
        check.nothing_known, check.summary = bool(nothing_known), summary or None
        audit.record(s, user.username, "check.respond", "referral", check.referral_id, check=check.id,
                     partner=check.partner_id, nothing_known=bool(nothing_known),
                     **({"corrected": True} if corrected else {}))
        _refreshfind_referral(s, check.referral_id)
        return check


def cancel_check(ws, check_id: str, reason: str, *, expected_version: int | None = None) -> AgencyCheck:
    """Withdraw a request that is no longer needed (the row stays, marked cancelled)."""
    user = accounts.require(ws.user, *CASE_WORK_ROLES)
    if len((reason or "").strip()) < 3:
        raise InputError("reason: say why the check is cancelled")
    with ws.session() as s:
        check = _open_check(s, check_id, expected_version, "cancelled")
        check.status, check.response_at, check.response_by = "cancelled", london_now(), user.username
        check.basis_note = ((check.basis_note + "\n") if check.basis_note else "") + "Cancelled: " + reason.strip()
        audit.record(s, user.username, "check.cancel", "referral", check.referral_id, check=check.id,
                     partner=check.partner_id)
        _refreshfind_referral(s, check.referral_id)
        return check


_CHECK_COLUMNS = (AgencyCheck.id, AgencyCheck.referral_id, AgencyCheck.partner_id, AgencyCheck.basis,
                  AgencyCheck.basis_note, AgencyCheck.requested_by, AgencyCheck.requested_at, AgencyCheck.due_at,
                  AgencyCheck.status, AgencyCheck.response_at, AgencyCheck.nothing_known, AgencyCheck.summary,
                  AgencyCheck.version, Partner.name.label("partner_name"))


def _check_rows(s, referral_id: str | None, *, status: str | None = None, before: datetime | None = None,
                resolved: bool = False):
    """Plain rows (no ORM objects: the case view reads these often) with the partner's name."""
    q = select(*_CHECK_COLUMNS).join(Partner, Partner.id == AgencyCheck.partner_id)
    if referral_id is not None:
        q = q.where(AgencyCheck.referral_id == (referral_id if resolved else find_referral(s, referral_id).id))
    if status is not None:
        q = q.where(AgencyCheck.status == status)
    if before is not None:
        q = q.where(AgencyCheck.due_at < before)
    return s.execute(q.order_by(AgencyCheck.requested_at, entry_order(s, "agency_check"))).all()


def _check_dict(check) -> dict:
    return {"id": check.id, "partner_id": check.partner_id, "partner_name": check.partner_name, "basis": check.basis,
            "requested_by": check.requested_by, "requested_at": iso_minutes(check.requested_at),
            "due_at": iso_minutes(check.due_at), "status": check.status, "response_at": iso_minutes(check.response_at),
            "nothing_known": bool(check.nothing_known) if check.status == "answered" else None,
            "summary": check.summary}


def list_checks(ws, referral_id: str) -> list[dict]:
    """Every check on a referral (document shape plus `basis_note`), oldest request first."""
    accounts.require(ws.user, *VIEW_ROLES)
    with ws.session() as s:
        return [_check_dict(c) | {"basis_note": c.basis_note, "version": c.version}
                for c in _check_rows(s, referral_id)]


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
        row = find_referral(s, referral_id)
        audit.record(s, ws.actor, "checks.view", "referral", row.id, reference=row.reference)


def time_left(due: datetime, now: datetime | None = None) -> str:
    """Working time left before `due` in words ("3 h 20 min left", "overdue by 1 h 5 min")."""
    now = now or london_now()
    cal = default_context().calendar
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


def as_document(ws, referral_id: str) -> dict:
    """The referral document's `checks` and `sharing_decisions` (case.json, summary PDF). The caller
    audits the view or export it is part of."""
    accounts.require(ws.user, *VIEW_ROLES)
    with ws.session() as s:
        rid = find_referral(s, referral_id).id
        checks = [_check_dict(c) for c in _check_rows(s, rid, resolved=True)]
        return {"checks": checks, "sharing_decisions": sharing.decisions_of(s, rid)}
