"""Import a verified bundle into this workstation's database (issue 5 point 6).

People and referrals are matched on the bundle's stable ids (the referral document's uuid; the person
ids the exporting workstation linked each subject to), so importing never duplicates them. When the
case is already here, every difference is listed field by field and only the ones the user accepts
are applied: nothing here is ever overwritten silently. Agency checks travel in the bundle for
reading; they are not imported (they belong to the workstation that made them).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from triage_desk import accounts, audit, decisions, matching, statements
from triage_desk.bundle import proof as proofs
from triage_desk.bundle.verify import VerifiedBundle
from triage_desk.errors import InputError
from triage_desk.intake import CASE_ROLES, _person_from_subject, _store_scores
from triage_desk.measures_defs import PRIMARY_NEEDS
from triage_desk.models import Person, Referral, ReferralSubject, utcnow
from triage_desk.models.decision import Decision
from triage_desk.referral_rows import columns, new_row, store_text
from triage_desk.reports.case_summary import case_document

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "(absent)"})()
NOT_IMPORTED = ("checks", "sharing_decisions")  # shown from the bundle, never written here
ATOMIC = {("decision", "engine"), ("decision", "override")}  # accepted or kept as a whole
PERSON_FIELDS = ("surname", "forenames", "dob", "nhs_number", "postcode")


@dataclass(frozen=True)
class Difference:
    path: str  # what the user accepts, e.g. "subjects[<id>].surname", "people[<id>].dob"
    here: Any  # this workstation's value (MISSING when absent)
    bundle: Any  # the bundle's value (MISSING when absent)
    tokens: tuple = field(repr=False, default=())
    older: bool = False  # the bundle's side is older than (or diverges from) this workstation's: never applied
    note: str = ""  # what the user must know about this difference, in words

    def shown(self, side: str) -> str:
        value = self.here if side == "here" else self.bundle
        return "(absent)" if value is MISSING else json.dumps(value, ensure_ascii=False, default=str)


@dataclass
class ImportPlan:
    referral_id: str
    reference: str
    fingerprint: str
    status: str  # "new" | "unchanged" | "differs"
    differences: list[Difference] = field(default_factory=list)
    people_known: list[str] = field(default_factory=list)  # person ids already here (not duplicated)
    people_new: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bundle_doc: dict = field(default_factory=dict, repr=False)
    local_doc: dict | None = field(default=None, repr=False)
    subject_people: dict = field(default_factory=dict, repr=False)
    proof: proofs.Proof | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ImportResult:
    reference: str
    status: str  # "imported" | "updated" | "unchanged"
    accepted: tuple[str, ...]
    kept: tuple[str, ...]  # differences left as they are here
    refused: tuple[str, ...] = ()  # asked for, but older than this workstation's: not applied


def _id_list(value: Any) -> bool:
    if not isinstance(value, list):
        return False
    ids = [v.get("id") for v in value if isinstance(v, dict)]
    return len(ids) == len(value) and all(isinstance(i, str) and i for i in ids) and len(set(ids)) == len(ids)


def _show(tokens: tuple) -> str:
    out = ""
    for tok in tokens:
        out += f"[{tok[1]}]" if isinstance(tok, tuple) else (f".{tok}" if out else tok)
    return out


def diff(here: Any, bundle: Any, tokens: tuple = ()) -> list[Difference]:
    """Leaf-level differences; lists of objects with ids are compared element by element by id."""
    if here == bundle:
        return []
    keys = tuple(t for t in tokens if not isinstance(t, tuple))
    if keys in ATOMIC:
        return [Difference(_show(tokens), here, bundle, tokens)]
    if isinstance(here, dict) and isinstance(bundle, dict):
        out = []
        for key in list(here) + [k for k in bundle if k not in here]:
            if not tokens and key in NOT_IMPORTED:
                continue
            out += diff(here.get(key, MISSING), bundle.get(key, MISSING), tokens + (key,))
        return out
    if _id_list(here) and _id_list(bundle):
        mine, theirs = {v["id"]: v for v in here}, {v["id"]: v for v in bundle}
        out = []
        for key in list(mine) + [k for k in theirs if k not in mine]:
            out += diff(mine.get(key, MISSING), theirs.get(key, MISSING), tokens + (("id", key),))
        return out
    return [Difference(_show(tokens), here, bundle, tokens)]


def _set(doc: dict, tokens: tuple, value: Any) -> None:
    node: Any = doc
    for tok in tokens[:-1]:
        node = next(v for v in node if v.get("id") == tok[1]) if isinstance(tok, tuple) else node[tok]
    last = tokens[-1]
    if isinstance(last, tuple):
        index = next((i for i, v in enumerate(node) if v.get("id") == last[1]), None)
        if value is MISSING:
            if index is not None:
                del node[index]
        elif index is None:
            node.append(copy.deepcopy(value))
        else:
            node[index] = copy.deepcopy(value)
    elif value is MISSING:
        node.pop(last, None)
    else:
        node[last] = copy.deepcopy(value)


def _person_values(subject: dict) -> dict:
    def text(v):
        return v.strip() if isinstance(v, str) and v not in ("not_known", "not_applicable") else ""

    address = subject.get("address") if isinstance(subject.get("address"), dict) else {}
    nhs = subject.get("nhs_number") if isinstance(subject.get("nhs_number"), str) else ""
    nhs = text(nhs).replace(" ", "")
    return {"surname": text(subject.get("surname")), "forenames": text(subject.get("forenames")),
            "dob": matching._dob(subject.get("dob")), "nhs_number": nhs or None,
            "postcode": matching.normalise_postcode(address.get("postcode"))}


def _person_row_values(person: Person) -> dict:
    return {"surname": person.surname, "forenames": person.forenames,
            "dob": person.dob.isoformat() if person.dob else None,
            "nhs_number": None if person.nhs_number in ("not_known", "not_applicable") else person.nhs_number,
            "postcode": person.postcode}


def _local_state(s, plan: ImportPlan) -> tuple[Referral | None, dict | None]:
    row = s.get(Referral, plan.referral_id)
    return row, (case_document(s, row) if row is not None else None)


def plan_import(ws, bundle: VerifiedBundle) -> ImportPlan:
    """What importing this bundle would do. Refused unless the bundle is intact and its signer trusted."""
    accounts.require(ws.user, *CASE_ROLES)
    if not bundle.intact:
        raise InputError(f"bundle {bundle.path.name}: not intact; it cannot be imported")
    if not bundle.trusted:
        raise InputError(f"bundle {bundle.path.name}: the signer is not trusted here; add the signer's key "
                         "fingerprint to the trust list first")
    doc = bundle.document
    people = (bundle.manifest or {}).get("case", {}).get("subject_people") or {}
    plan = ImportPlan(doc["id"], doc["reference"], bundle.fingerprint or "", "new", bundle_doc=doc,
                      subject_people={k: v for k, v in people.items() if isinstance(k, str) and isinstance(v, str)})
    if any(doc.get(k) for k in NOT_IMPORTED):
        plan.notes.append("agency checks in the bundle are shown with the case but not imported")
    with ws.session() as s:
        row, local = _local_state(s, plan)
        if row is None and s.execute(select(Referral.id).where(Referral.reference == plan.reference)).first():
            raise InputError(f"reference: {plan.reference} already belongs to a different referral here; "
                             "nothing was imported")
        plan.local_doc = local
        plan.proof = proofs.examine(s, doc.get("decision"))
        if plan.proof is not None and plan.proof.claim:
            plan.notes.append(f"approval not proven: {plan.proof.claim}; an imported decision goes to the "
                              "review queue")
        if local is not None:
            plan.differences = _case_differences(s, row, local, doc, plan.proof)
        for subject in doc.get("subjects") or []:
            if not isinstance(subject, dict) or not isinstance(subject.get("id"), str):
                continue
            pid = plan.subject_people.get(subject["id"], subject["id"])
            person = s.get(Person, pid)
            if person is None:
                plan.people_new.append(pid)
                continue
            plan.people_known.append(pid)
            mine, theirs = _person_row_values(person), _person_values(subject)
            for name in PERSON_FIELDS:
                if mine[name] != theirs[name]:
                    tokens = ("people", ("id", pid), name)
                    plan.differences.append(Difference(_show(tokens), mine[name], theirs[name], tokens))
    if local is not None:
        plan.status = "differs" if plan.differences else "unchanged"
    return plan


def _without_decision(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "decision"}


def _summary(level, revision, approval, signer: str) -> str:
    return f"level {level}, revision {revision}, approval {str(approval).replace('_', ' ')}" + (
        f"; signed by {signer}" if signer else "")


def _case_differences(s, row: Referral, local: dict, doc: dict, proof: proofs.Proof | None) -> list[Difference]:
    """Field differences, plus the decision as one difference that is marked older when it would roll
    the case back (or diverges from the history here)."""
    out = diff(_without_decision(local), _without_decision(doc))
    latest = decisions.latest(s, row.id)
    digests = {statements.digest(t) for d in decisions.history(s, row.id)
               for t in (d.statement, d.approval_statement) if t}
    relation = proofs.compare(latest, digests, proof)
    older = relation in ("older", "diverging")
    if older:  # the status follows the decision: an older bundle never turns "decided" back into "submitted"
        out = [Difference(d.path, d.here, d.bundle, d.tokens, older=True,
                          note="older than this workstation's case") if d.path == "status" else d for d in out]
    if relation == "same":
        return out
    section = doc.get("decision") if isinstance(doc.get("decision"), dict) else None
    here = (_summary(latest.final_level, row.revision, latest.approval, "") if latest is not None else "no decision")
    there = (_summary(section.get("final_level"), proof.revision, section.get("approval"), proof.signer)
             if section and proof else "no decision")
    note = {"older": f"the bundle's decision is older than this workstation's (revision {row.revision} here): "
                     "it cannot be accepted",
            "diverging": "the bundle's decision does not follow from the decisions here (a different history): "
                         "it cannot be accepted",
            "newer": "a newer decision" + (f"; approval not proven: {proof.claim}" if proof and proof.claim
                                          else "")}[relation]
    return [Difference("decision", here, there, ("decision",), older=older, note=note), *out]


def _decision_row(referral_id: str, section: dict) -> Decision:
    from datetime import datetime

    def when(v):
        return datetime.fromisoformat(v.rstrip("Z")) if isinstance(v, str) and v else None

    engine = section.get("engine") or {}
    override = section.get("override") or {}
    level = engine.get("suggested_level")
    final = section.get("final_level")
    return Decision(
        referral_id=referral_id, engine_json=json.dumps(engine, sort_keys=True), engine_level=level or 0,
        engine_outcomes=json.dumps(sorted(engine.get("outcomes") or [])), final_level=final,
        final_outcomes=json.dumps(sorted(section.get("final_outcomes") or [])),
        direction=override.get("direction") or ("same" if final == level else "up" if (final or 0) > (level or 0)
                                                else "down"),
        overridden=bool(override), rationale=override.get("rationale"), evidence=override.get("evidence"),
        nfa_reason=section.get("nfa_reason"), requires=json.dumps(section.get("requires") or []),
        primary_need=section.get("primary_need") if section.get("primary_need") in PRIMARY_NEEDS else None,
        decided_by=section.get("decided_by") or "unknown",
        decided_role=section.get("decided_role") or override.get("role") or "unknown",
        decided_at=when(section.get("decided_at")) or utcnow(), approval=section.get("approval") or "not_needed",
        approved_by=section.get("approved_by") or override.get("approved_by"),
        approved_at=when(section.get("approved_at") or override.get("approved_at")),
        approval_note=section.get("approval_note") or override.get("approval_note"))


def _apply_approval(target: Decision, section: dict, proof: proofs.Proof) -> None:
    """Approval state comes in only when proven; otherwise the decision waits for a lead here."""
    claimed = section.get("approval")
    if claimed in (decisions.APPROVED, decisions.REJECTED) and proof.approval_proven:
        a = proof.approval_signed
        target.approval, target.approval_claim = claimed, None
        target.approved_by = proofs._by(a.body).get("username")
        target.approved_at = proofs._when(a.body)
        target.approval_note = section.get("approval_note")
        target.approval_statement, target.approval_signature, target.approver_key = a.text, a.signature, a.public_key
    elif proof.claim:
        target.approval, target.approval_claim = decisions.APPROVAL_PENDING, proof.claim
        target.approved_by = target.approved_at = target.approval_note = None
    elif target.approval not in (decisions.APPROVAL_PENDING, decisions.APPROVAL_NOT_NEEDED):
        target.approval = decisions.APPROVAL_PENDING


def _store_decision(s, row: Referral, section: Any, proof: proofs.Proof | None) -> Decision | None:
    if proof is None or not isinstance(section, dict):
        return None
    latest = decisions.latest(s, row.id)
    if latest is not None and latest.statement and statements.digest(latest.statement) == proof.digest:
        target = latest  # the same decision: only its approval arrives
    else:
        for old in s.execute(select(Decision).where(Decision.referral_id == row.id,
                                                    Decision.superseded.is_(False))).scalars():
            old.superseded = True
        target = _decision_row(row.id, section)
        target.revision = proof.revision if proof.decision_proven else (row.revision or 0) + 1
        if proof.signed is not None:
            target.statement, target.signature, target.signer_key = (proof.signed.text, proof.signed.signature,
                                                                     proof.signed.public_key)
        s.add(target)
    _apply_approval(target, section, proof)
    s.flush()
    row.revision = max(row.revision or 0, proof.revision, target.revision)
    decisions.sync_referral(row, target)
    return target


def _record_decision(s, user, row: Referral, decision: Decision | None, proof: proofs.Proof | None) -> None:
    if decision is None or proof is None:
        return
    audit.record(s, user.username, "decision.import", "referral", row.id, decision=decision.id,
                 revision=decision.revision, decision_proven=proof.decision_proven, approval=decision.approval,
                 approval_proven=proof.approval_proven, approved_by=decision.approved_by,
                 statement=proof.digest)


def _link_subjects(s, ws, row: Referral, doc: dict, plan: ImportPlan) -> None:
    linked = set(s.execute(select(ReferralSubject.subject_id).where(ReferralSubject.referral_id == row.id)).scalars())
    for subject in doc.get("subjects") or []:
        if not isinstance(subject, dict) or subject.get("id") in linked:
            continue
        pid = plan.subject_people.get(subject.get("id"), subject.get("id"))
        person = _person_from_subject(s, {**subject, "id": pid}) if pid else _person_from_subject(s, subject)
        if s.get(ReferralSubject, (row.id, person.id)) is None:
            s.add(ReferralSubject(referral_id=row.id, person_id=person.id, subject_id=subject.get("id"),
                                  state="linked", decided_by=ws.actor, decided_at=utcnow()))
    s.flush()


def _stored(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in NOT_IMPORTED + ("decision",)}


def apply_import(ws, plan: ImportPlan, accept_paths=()) -> ImportResult:
    """Import a new case, or apply only the accepted differences (`accept_paths`: Difference.path values,
    or "all"). Refused when this workstation's copy changed since the plan was made."""
    user = accounts.require(ws.user, *CASE_ROLES)
    by_path = {d.path: d for d in plan.differences}
    accept = [p for p, d in by_path.items() if not d.older] if accept_paths == "all" else list(accept_paths)
    unknown = [p for p in accept if p not in by_path]
    if unknown:
        raise InputError(f"accept: {unknown[0]} is not one of the differences; nothing was imported")
    refused = tuple(p for p in accept if by_path[p].older)  # never roll a case back, even when asked
    accept = [p for p in accept if not by_path[p].older]
    stored = None
    with ws.session() as s:
        row, local = _local_state(s, plan)
        if local != plan.local_doc:
            raise InputError("import: the case changed on this workstation since the differences were shown; "
                             "open the bundle again")
        if row is None:
            row = new_row(plan.bundle_doc, store_text(_stored(plan.bundle_doc)), user.username)
            s.add(row)
            s.flush()
            if row.status != "draft":
                _link_subjects(s, ws, row, plan.bundle_doc, plan)
                ids = s.execute(select(ReferralSubject.person_id).where(ReferralSubject.referral_id == row.id)
                                ).scalars()
                row.re_referrals_12m = matching.re_referrals_12m(s, list(ids), row.received_at, row.id)
                _store_scores(row, plan.bundle_doc)
            stored = _store_decision(s, row, plan.bundle_doc.get("decision"), plan.proof)
            status, accept = "imported", []
        elif not accept:
            status = "unchanged"
        else:
            merged = copy.deepcopy(local)
            for path in accept:
                d = by_path[path]
                if path == "decision":
                    continue
                if d.tokens[0] == "people":
                    person = s.get(Person, d.tokens[1][1])
                    _apply_person(person, d.tokens[2], d.bundle)
                else:
                    _set(merged, d.tokens, d.bundle)
            if _stored(merged) != _stored(local):
                for key, value in columns(merged).items():
                    setattr(row, key, value)
                row.document, row.updated_at = store_text(_stored(merged)), utcnow()
                if row.status != "draft":
                    _link_subjects(s, ws, row, merged, plan)
            if "decision" in accept:
                stored = _store_decision(s, row, plan.bundle_doc.get("decision"), plan.proof)
            status = "updated"
        kept = tuple(p for p in by_path if p not in accept)
        _record_decision(s, user, row, stored, plan.proof)
        audit.record(s, user.username, "bundle.import", "referral", row.id, reference=row.reference,
                     fingerprint=plan.fingerprint, result=status, accepted=len(accept), kept=len(kept))
        return ImportResult(row.reference, status, tuple(accept), kept, refused)


def _apply_person(person: Person, name: str, value: Any) -> None:
    from datetime import date

    if name == "dob":
        person.dob = date.fromisoformat(value) if value else None
    else:
        setattr(person, name, value if value is not MISSING else None)
    if name in ("surname", "forenames"):
        for key, v in matching.person_keys(person.surname or "", person.forenames or "").items():
            setattr(person, key, v)
