"""Referral intake services (no Qt): drafts, submission, opening a case, linking matched people.

Each call is one short unit of work: open a session, write, audit, commit. Draft saves are audited
once per referral per workspace session (not per autosave), and never hold a transaction open.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from triage_desk import accounts, audit, concurrency, deadlines, decisions, matching
from triage_desk.errors import InputError
from triage_desk.forms import validation
from triage_desk.forms.clock import london_now
from triage_desk.forms.document import new_document
from triage_desk.models import Person, Referral, ReferralSubject, Role, utcnow
from triage_desk.referral_rows import (
    check_identity,
    columns,
    find_referral,
    new_row,
    next_reference,
    parse_local,
    store_text,
)

CASE_ROLES = (Role.OFFICER, Role.LEAD, Role.ADMIN)


@dataclass(frozen=True)
class DraftInfo:
    id: str
    reference: str
    subject_name: str
    wizard_step: str | None
    created_by: str | None
    updated_at: datetime


def _audit_once(ws, session, action: str, ref: Referral) -> None:
    seen = ws.__dict__.setdefault("_intake_audited", set())
    if (action, ref.id) not in seen:
        audit.record(session, ws.actor, action, "referral", ref.id, reference=ref.reference)
        seen.add((action, ref.id))


def new_draft(ws, variant: str = "child") -> dict:
    """A new draft document, saved at once (so a crash before the first autosave still offers it)."""
    accounts.require(ws.user, *CASE_ROLES)
    if variant not in ("child", "adult"):
        raise InputError("variant: must be child or adult")
    doc = new_document(variant)
    doc.setdefault("id", str(uuid.uuid4()))
    doc["status"] = "draft"
    contact = doc.setdefault("contact", {})
    if not contact.get("received_at"):
        contact["received_at"] = london_now().isoformat(timespec="minutes")
    with ws.session() as s:
        doc["reference"] = doc.get("reference") or next_reference(s, parse_local(contact["received_at"]).year)
        row = new_row(doc, store_text(doc), ws.actor)
        s.add(row)
        s.flush()
        audit.record(s, ws.actor, "referral.create", "referral", row.id, reference=row.reference)
    return doc


def save_draft(ws, doc: dict, step: str | None = None, *, expected_version: int | None = None,
               base: dict | None = None) -> int:
    """Autosave: idempotent, one short transaction. Refuses documents that are no longer drafts.
    `expected_version`: the version the wizard last read or saved; a newer one saved elsewhere raises
    concurrency.Conflict (differences against `base`, the document as the wizard last had it saved).
    Returns the version now saved."""
    accounts.require(ws.user, *CASE_ROLES)
    check_identity(doc)
    if doc.get("status", "draft") != "draft":
        raise InputError("status: only a draft can be autosaved")
    text = store_text(doc)
    cols = columns(doc)
    with ws.session() as s:
        row = s.get(Referral, doc["id"], with_for_update=True)
        if row is None:
            if not doc.get("reference"):
                doc["reference"] = next_reference(s, cols["received_at"].year)
                text = store_text(doc)
            row = new_row(doc, text, ws.actor, step)
            s.add(row)
            s.flush()
        elif row.status != "draft":
            raise InputError(f"status: referral {row.reference} is already {row.status}; it is no longer a draft")
        else:
            concurrency.check_referral(s, row, expected_version, doc, base)
            if row.document != text or row.wizard_step != step:
                done = s.execute(update(Referral).where(Referral.id == row.id, Referral.version == row.version)
                                 .values(document=text, wizard_step=step, updated_at=utcnow(), updated_by=ws.actor,
                                         version=row.version + 1, **cols))
                if done.rowcount != 1:  # saved elsewhere between our read and this write
                    s.expire(row)
                    raise concurrency.referral_conflict(s, s.get(Referral, doc["id"]), doc, base)
                s.expire(row)
        _audit_once(ws, s, "referral.draft_save", row)
        return row.version


def list_drafts(ws, *, mine_only: bool = False, limit: int = 500) -> list[DraftInfo]:
    """Drafts to offer on start (newest first): after a crash the officer picks up where they were."""
    accounts.require(ws.user, *CASE_ROLES)
    q = select(Referral.id, Referral.reference, Referral.subject_name, Referral.wizard_step, Referral.created_by,
               Referral.updated_at).where(Referral.status == "draft")
    if mine_only:
        q = q.where(Referral.created_by == ws.actor)
    with ws.session() as s:
        rows = s.execute(q.order_by(Referral.updated_at.desc()).limit(limit)).all()
    return [DraftInfo(*r) for r in rows]


def resume_draft(ws, referral_id: str) -> tuple[dict, str | None]:
    """The saved draft and the wizard step it was on."""
    from triage_desk.referral_rows import load

    accounts.require(ws.user, *CASE_ROLES)
    with ws.session() as s:
        row = s.get(Referral, referral_id)
        if row is None or row.status != "draft":
            raise InputError("draft: no such draft (it may have been submitted)")
        _audit_once(ws, s, "referral.draft_open", row)
        return load(row.document), row.wizard_step


def version_of(ws, referral_id: str) -> int | None:
    """The saved version of a referral (None: not saved yet); a screen hands it back when it saves."""
    with ws.session() as s:
        row = s.get(Referral, referral_id)
        return None if row is None else row.version


def blocking_problems(doc: dict) -> list[str]:
    """What stops submission, each naming the field label and path (forms.validation)."""
    return [p.message for p in validation.blocking_problems(doc)]


def _person_from_subject(s, subject: dict) -> Person:
    surname = subject.get("surname") if isinstance(subject.get("surname"), str) else ""
    forenames = subject.get("forenames") if isinstance(subject.get("forenames"), str) else ""
    surname, forenames = ("" if v in ("not_known", "not_applicable") else v for v in (surname, forenames))
    address = subject.get("address") if isinstance(subject.get("address"), dict) else {}
    pid = subject.get("id") if isinstance(subject.get("id"), str) else str(uuid.uuid4())
    if s.get(Person, pid) is not None:
        return s.get(Person, pid)
    dob = matching._dob(subject.get("dob"))
    person = Person(id=pid, surname=surname, forenames=forenames, nhs_number=matching.normalise_nhs(
                        subject.get("nhs_number")),
                    dob=datetime.fromisoformat(dob).date() if dob else None,
                    postcode=matching.normalise_postcode(address.get("postcode")), created_at=utcnow(),
                    **matching.person_keys(surname, forenames))
    s.add(person)
    s.flush()
    return person


def _store_scores(row: Referral, doc: dict) -> dict:
    from triage_desk.forms.threshold import evaluate

    result = evaluate(doc)
    row.rag = result.get("rag")
    row.decision_due = parse_local(result.get("decision_due"))
    row.suggested_level = result.get("suggested_level")
    return result


def submit(ws, doc: dict, *, expected_version: int | None = None) -> dict:
    """Submit a draft: refused while validation reports blocking problems (all of them are listed), and
    (concurrency.Conflict) when the draft was saved elsewhere since `expected_version`."""
    accounts.require(ws.user, *CASE_ROLES)
    check_identity(doc)
    problems = blocking_problems(doc)
    if problems:
        raise InputError("cannot submit yet: " + "; ".join(problems))
    doc = copy.deepcopy(doc)
    doc["status"] = "submitted"
    proposal, engine = _checked_proposal(ws, doc)
    with concurrency.stale_guard(ws, doc["id"], doc), ws.session() as s:
        row = s.get(Referral, doc["id"], with_for_update=True)
        if row is not None and row.status != "draft":
            raise InputError(f"status: referral {row.reference} was already submitted")
        if row is not None:
            concurrency.check_referral(s, row, expected_version, doc)
        if row is None:
            doc["reference"] = doc.get("reference") or next_reference(s, columns(doc)["received_at"].year)
            row = new_row(doc, "", ws.actor)
            s.add(row)
        linked = dict(s.execute(select(ReferralSubject.subject_id, ReferralSubject.person_id)
                                .where(ReferralSubject.referral_id == row.id,
                                       ReferralSubject.state == "linked")).all())
        for subject in doc.get("subjects") or []:
            if not isinstance(subject, dict) or subject.get("id") in linked:
                continue
            sid = subject.get("id")
            person = _person_from_subject(s, subject)
            s.add(ReferralSubject(referral_id=row.id, person_id=person.id, subject_id=sid, state="linked",
                                  decided_by=ws.actor, decided_at=utcnow()))
            linked[sid] = person.id
        cols = columns(doc)
        count = matching.re_referrals_12m(s, linked.values(), cols["received_at"], row.id)
        doc.setdefault("links", {})["re_referrals_12m"] = count
        for key, value in columns(doc).items():
            setattr(row, key, value)
        result = _store_scores(row, doc)
        s.flush()
        deadlines.on_submit(s, row, result, doc)  # decision, RAG (red: 4 clock hours), phone clocks
        row.document, row.updated_at, row.wizard_step = store_text(doc), utcnow(), None
        audit.record(s, ws.actor, "referral.submit", "referral", row.id, reference=row.reference, rag=row.rag,
                     level=row.suggested_level, re_referrals_12m=count)
    if proposal is not None:
        decision = decisions.decide(ws, doc["id"], engine, proposal)
        doc["status"], doc["decision"] = "decided", decisions.as_document(decision)
    return doc


def _checked_proposal(ws, doc: dict):
    """The officer's proposal from the routing step, checked before anything is stored (None: no proposal)."""
    proposal = decisions.proposal_from_document(doc)
    if proposal is None:
        return None, None
    accounts.require(ws.user, Role.OFFICER, Role.LEAD)
    from triage_desk.forms.threshold import evaluate

    engine = evaluate(doc)
    problems = decisions.check_proposal(engine, proposal)
    if problems:
        raise InputError("cannot submit yet: " + "; ".join(problems))
    return proposal, engine


def open_case(ws, ref: str) -> dict:
    """A referral's document by reference or id; every opening is audited ("case.view")."""
    from triage_desk.referral_rows import load

    accounts.require(ws.user, *CASE_ROLES)
    with ws.session() as s:
        row = find_referral(s, ref, "reference")
        audit.record(s, ws.actor, "case.view", "referral", row.id, reference=row.reference)
        return load(row.document)


def _set_link(ws, doc: dict, subject_id: str, person_id: str, state: str) -> int:
    accounts.require(ws.user, *CASE_ROLES)
    check_identity(doc)
    if subject_id not in {s.get("id") for s in doc.get("subjects") or [] if isinstance(s, dict)}:
        raise InputError("subject: not a subject of this referral")
    with ws.session() as s:
        if s.get(Person, person_id) is None:
            raise InputError("person: no such person")
        row = s.get(Referral, doc["id"])
        if row is None:
            raise InputError("referral: save the draft first")
        link = s.get(ReferralSubject, (row.id, person_id))
        if link is None:
            link = ReferralSubject(referral_id=row.id, person_id=person_id)
            s.add(link)
        link.subject_id, link.state, link.decided_by, link.decided_at = subject_id, state, ws.actor, utcnow()
        s.flush()
        people = s.execute(select(ReferralSubject.person_id).where(ReferralSubject.referral_id == row.id,
                                                                   ReferralSubject.state == "linked")).scalars()
        people = list(people)
        count = matching.re_referrals_12m(s, people, columns(doc)["received_at"], row.id)
        links = doc.setdefault("links", {})
        links["matched_person_ids"], links["re_referrals_12m"] = people, count
        row.document, row.re_referrals_12m, row.updated_at = store_text(doc), count, utcnow()
        audit.record(s, ws.actor, "person.link" if state == "linked" else "person.match_rejected", "referral",
                     row.id, reference=row.reference, person_id=person_id)
    return count


def link_person(ws, doc: dict, subject_id: str, person_id: str) -> int:
    """The officer confirms a match; updates doc["links"] in place. Returns the re-referral count."""
    return _set_link(ws, doc, subject_id, person_id, "linked")


def reject_match(ws, doc: dict, subject_id: str, person_id: str) -> int:
    """The officer says a suggested person is someone else; it is not offered again for this referral."""
    return _set_link(ws, doc, subject_id, person_id, "rejected")


def find_matches(ws, doc: dict, subject_id: str, limit: int = 10) -> list[matching.Candidate]:
    """Candidates for one subject of a draft, leaving out people already linked or rejected for it."""
    accounts.require(ws.user, *CASE_ROLES)
    subject = next((x for x in doc.get("subjects") or [] if isinstance(x, dict) and x.get("id") == subject_id), None)
    if subject is None:
        raise InputError("subject: not a subject of this referral")
    with ws.session() as s:
        done = set(s.execute(select(ReferralSubject.person_id)
                             .where(ReferralSubject.referral_id == doc.get("id"))).scalars())
        return matching.find_candidates(s, subject, exclude=done, limit=limit)
