"""Files made from the measures: the statutory return extract (referral level, Annex A / children-in-need
census style) and the figures table, as CSV. No names, addresses or dates of birth: a child is a
pseudonym — an HMAC-SHA256 of the linked person's id (or, when none is linked, the document's subject
id) under a random key kept in this encrypted database, so the same child keeps the same pseudonym in
every return from this workspace and the pseudonym cannot be reversed outside it. Fields:
docs/measures.md "Statutory return".
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets

from sqlalchemy import cast, func, select
from sqlalchemy.dialects.postgresql import JSONB

from triage_desk.errors import InputError
from triage_desk.formatting import fmt_datetime
from triage_desk.measures import Report, Scope, facts
from triage_desk.measures_defs import BY_ID
from triage_desk.models import Referral, ReferralSubject, Setting

PSEUDONYM_SETTING = "measures.pseudonym_key"
RETURN_FIELDS = ("child_id", "referral_date", "referral_source", "primary_need", "nfa_flag",
                 "referrals_previous_12m", "population", "decision_recorded")
FIGURE_FIELDS = ("measure", "title", "value", "numerator", "denominator", "target", "previous_period")


def _pseudonym_key(session) -> bytes:
    row = session.get(Setting, PSEUDONYM_SETTING)
    if row is None:
        row = Setting(key=PSEUDONYM_SETTING, value=secrets.token_hex(32))
        session.add(row)
        session.flush()
    return bytes.fromhex(row.value)


def _chunks(ids: list[str], size: int = 900):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _subject_keys(session, ids: list[str]) -> dict[str, str]:
    """Per referral: the linked person (smallest id when several), else the first subject's document id."""
    keys: dict[str, str] = {}
    for part in _chunks(ids):
        for rid, person in session.execute(
                select(ReferralSubject.referral_id, ReferralSubject.person_id)
                .where(ReferralSubject.state == "linked", ReferralSubject.referral_id.in_(part))
                .order_by(ReferralSubject.person_id.desc())):
            keys[rid] = person
    if session.get_bind().dialect.name == "sqlite":
        first_subject = func.json_extract(Referral.document, "$.subjects[0].id")
    else:
        first_subject = func.jsonb_extract_path_text(cast(Referral.document, JSONB), "subjects", "0", "id")
    for part in _chunks([i for i in ids if i not in keys]):
        for rid, sid in session.execute(select(Referral.id, first_subject).where(Referral.id.in_(part))):
            keys[rid] = str(sid or rid)
    return keys


def statutory_rows(session, scope: Scope) -> list[dict[str, str]]:
    """One row per contact in scope, oldest first (see RETURN_FIELDS)."""
    rows = facts(session, scope)
    key = _pseudonym_key(session)
    subjects = _subject_keys(session, [f.id for f in rows])
    variants: dict[str, str] = {}
    for part in _chunks([f.id for f in rows]):
        variants.update(session.execute(select(Referral.id, Referral.variant).where(Referral.id.in_(part))).all())
    out = []
    for f in rows:
        pseudonym = hmac.new(key, subjects[f.id].encode(), hashlib.sha256).hexdigest()[:20]
        out.append({"child_id": pseudonym, "referral_date": f.received_at.date().isoformat(),
                    "referral_source": f.source or "", "primary_need": f.primary_need or "",
                    "nfa_flag": "1" if "NFA" in f.outcomes else "0", "referrals_previous_12m": str(f.rr),
                    "population": variants.get(f.id, ""), "decision_recorded": "1" if f.decision_id else "0"})
    return out


def _csv(fields, rows) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def statutory_csv(session, scope: Scope) -> str:
    return _csv(RETURN_FIELDS, statutory_rows(session, scope))


def figures_csv(report: Report) -> str:
    rows = [{"measure": f.id, "title": f.title, "value": "" if f.value is None else f.value,
             "numerator": f.numerator, "denominator": "" if f.denominator is None else f.denominator,
             "target": "" if BY_ID[f.id].target is None else BY_ID[f.id].target,
             "previous_period": "" if f.previous is None else f.previous} for f in report.figures]
    return _csv(FIGURE_FIELDS, rows)


# Service calls (take the workspace, open their own unit of work): the CLI and the dashboard use these.
def report(ws, scope: Scope, *, trend: bool = True, progress=None, stop=None) -> Report:
    """The figures for `scope`, for any signed-in user (counts only; no names). `progress` and `stop`:
    measures.compute (steps heard as they start; a set `stop` event ends the work with errors.Cancelled)."""
    from triage_desk import accounts
    from triage_desk.measures import compute
    from triage_desk.models import Role

    accounts.require(ws.user, Role.OFFICER, Role.LEAD, Role.ADMIN)
    with ws.session() as s:
        return compute(s, scope, trend=trend, progress=progress, stop=stop)


def exported(ws, scope: Scope, what: str) -> tuple[Report, str]:
    """The report and the statutory return CSV for a file leaving the app (`what`: csv | pdf), audited."""
    from triage_desk import accounts, audit
    from triage_desk.measures import compute
    from triage_desk.models import Role

    user = accounts.require(ws.user, Role.LEAD, Role.ADMIN)
    with ws.session() as s:
        result = compute(s, scope)
        extract = statutory_csv(s, scope) if what == "csv" else ""
        audit.record(s, user.username, "measures.export", None, None, format=what, start=scope.start.isoformat(),
                     end=scope.end.isoformat(), team=scope.team, officer=scope.officer, agency=scope.agency,
                     population=scope.population, contacts=result.figure("contacts").value)
    return result, extract


def case_list(ws, scope: Scope, measure_id: str, part: str = "numerator") -> list[tuple[str, str, str]]:
    """The cases behind a figure as (reference, received, name). Names only for officers and practice
    leads (who work cases); for anyone else the name is empty. Audited: a list of cases was seen."""
    from triage_desk import accounts, audit
    from triage_desk.measures import cases
    from triage_desk.models import Role

    user = accounts.require(ws.user, Role.OFFICER, Role.LEAD, Role.ADMIN)
    names_allowed = user.role in (Role.OFFICER, Role.LEAD)
    with ws.session() as s:
        rows = cases(s, scope, measure_id, part)
        names: dict[str, str] = {}
        if names_allowed:
            for part_ids in _chunks([f.id for f in rows]):
                names.update(s.execute(select(Referral.id, Referral.subject_name)
                                       .where(Referral.id.in_(part_ids))).all())
        audit.record(s, user.username, "measures.cases", None, None, measure=measure_id, part=part,
                     cases=len(rows), names=names_allowed)
    return [(f.reference, fmt_datetime(f.received_at), names.get(f.id, "")) for f in rows]


def filter_options(ws) -> dict[str, list]:
    """What the dashboard's filters offer: teams, officers (username, display name), referrer agencies."""
    from triage_desk import accounts
    from triage_desk.models import Role, User

    accounts.require(ws.user, Role.OFFICER, Role.LEAD, Role.ADMIN)
    with ws.session() as s:
        users = s.execute(select(User.username, User.display_name, User.team)
                          .where(User.role.in_((Role.OFFICER.value, Role.LEAD.value)))
                          .order_by(User.display_name)).all()
        agencies = [a for a in s.execute(select(Referral.referrer_agency).distinct()
                                         .order_by(Referral.referrer_agency)).scalars() if a]
    return {"teams": sorted({t for _u, _n, t in users if t}), "officers": [(u, n) for u, n, _t in users],
            "agencies": agencies}


def set_team(ws, username: str, team: str) -> None:
    """Record which team a user works in (the measures' team filter); empty clears it. Administrators only."""
    from triage_desk import accounts, audit
    from triage_desk.models import Role

    admin = accounts.require(ws.user, Role.ADMIN)
    team = team.strip()
    if len(team) > 120:
        raise InputError("team: at most 120 characters")
    with ws.session() as s:
        user = accounts.get_user(s, username)
        user.team = team or None
        audit.record(s, admin.username, "user.team", "user", username, team=user.team)
