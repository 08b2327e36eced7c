"""Consent records (domain.md §2): who consented to what, with which standing, and the combinations refused.

A record is about one person (`person_id`: a subject or household member) and one scope: the referral
itself, multi-agency checks, or sharing with a named agency. "Informed" is kept apart from the
consent state: a parent can know and disagree. Records are never edited or deleted: a withdrawal is
a new record that `supersedes` the one it withdraws, so the history stays. The threshold engine reads
`consent.records` (person_id, scope, state, reason_code); `current_state` gives the same answer.

Record keys: id, person_id, scope, agency (sharing only), state, reason_code, by {name, standing, age},
competence_assessed, capacity_assessment, best_interests_decision, form (verbal|written), date,
recorded_by, informed, lawful_basis, approved_by, refusal_reason, proceeds, proceed_decided_by,
override_reason, supersedes, note.
"""

from __future__ import annotations

import copy
import uuid
from datetime import date
from typing import Any

from triage_desk.errors import InputError
from triage_desk.forms.catalogue import Rules, default_rules
from triage_desk.forms.clock import london_now
from triage_desk.forms.facts import CONSENT_PRIORITY
from triage_desk.forms.form import YESNO, is_blank
from triage_desk.forms.problem import Problem

SCOPES = ("referral", "checks", "sharing")
STATES = ("given", "refused", "not_sought", "withdrawn")
STANDINGS = ("parental_responsibility", "child_competent", "young_person_16plus", "adult_capacity", "best_interests")
FORMS = ("verbal", "written")
# Reason codes (consent not sought, refusal overridden) and lawful bases are the rules file's
# `consent_not_sought_reasons`, `refusal_override_reasons` and `lawful_bases`: one list, used everywhere.
LACKS_CAPACITY = "lacks_capacity"  # the not-sought reason that needs a capacity assessment on record

KEYS = {"id", "person_id", "scope", "agency", "state", "reason_code", "by", "competence_assessed",
        "capacity_assessment", "best_interests_decision", "form", "date", "recorded_by", "informed",
        "lawful_basis", "approved_by", "refusal_reason", "proceeds", "proceed_decided_by", "override_reason",
        "supersedes", "note"}
LABELS = {
    "id": "Record id", "person_id": "Whose consent", "scope": "Scope", "agency": "Named agency",
    "state": "Consent state", "reason_code": "Reason consent was not sought", "by": "Who gave or refused it",
    "by.name": "Name of the person who consented", "by.standing": "Their standing", "by.age": "Their age",
    "competence_assessed": "Competence assessed", "capacity_assessment": "Capacity assessment",
    "best_interests_decision": "Best-interests decision", "form": "Verbal or written", "date": "Date",
    "recorded_by": "Recorded by", "informed": "Informed about the referral", "lawful_basis": "Lawful basis",
    "approved_by": "Practice lead who approved", "refusal_reason": "Their reason for refusing",
    "proceeds": "Referral still proceeds", "proceed_decided_by": "Decision to proceed made by",
    "override_reason": "Reason the refusal is overridden", "supersedes": "Record it replaces", "note": "Note",
}


def _str(value: Any) -> str | None:
    """A text value, or None for anything else (odd JSON must not break a lookup)."""
    return value if isinstance(value, str) else None


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


class _Checker:
    def __init__(self, record: dict, prefix: str):
        self.record, self.prefix, self.out = record, prefix, []

    def bad(self, key: str, problem: str) -> None:
        path = f"{self.prefix}.{key}" if self.prefix else key
        self.out.append(Problem(path, f"{LABELS.get(key, key)} ({path}): {problem}", True, "rule"))

    def need_text(self, key: str, why: str) -> None:
        value = self.record.get(key) if "." not in key else (self.record.get("by") or {}).get(key[3:])
        if not _text(value):
            self.bad(key, f"is required {why}")


def check_record(record: Any, doc: dict | None = None, *, prefix: str = "", today: date | None = None,
                 rules: Rules | None = None) -> list[Problem]:
    """Every problem with one consent record ([] = acceptable). With `doc`, the person and the record it
    supersedes are checked against the document too. Codes are checked against `rules` (default: shipped)."""
    rules = rules or default_rules()
    c = _Checker(record if isinstance(record, dict) else {}, prefix)
    if not isinstance(record, dict):
        c.bad("state", "a consent record must be an object")
        return c.out
    scope, state = record.get("scope"), record.get("state")
    if scope not in SCOPES:
        c.bad("scope", "must be referral, checks or sharing")
    if state not in STATES:
        c.bad("state", "must be given, refused, not_sought or withdrawn")
    c.need_text("person_id", "(the person the information is about)")
    if scope == "sharing" and not _text(record.get("agency")):
        c.bad("agency", "is required when the scope is sharing: name the agency")
    if scope in ("referral", "checks") and record.get("agency") is not None:
        c.bad("agency", "applies only to the sharing scope")
    _check_date(c, record.get("date"), today or london_now().date())
    c.need_text("recorded_by", "(who recorded this)")
    if not isinstance(record.get("informed"), bool):
        c.bad("informed", "must say whether the person was told about the referral (true or false)")
    if record.get("form") is not None and record.get("form") not in FORMS:
        c.bad("form", "must be verbal or written")
    bases = rules.codes("lawful_bases")
    if record.get("lawful_basis") is not None and record.get("lawful_basis") not in bases:
        c.bad("lawful_basis", "must be one of " + ", ".join(bases))
    if state in ("given", "refused"):
        _check_who(c, record)
        if record.get("form") is None:
            c.bad("form", "is required: was it verbal or written?")
    if state == "refused":
        _check_refusal(c, record, rules)
    if state == "not_sought":
        reason = record.get("reason_code")
        if reason is None:
            c.bad("reason_code", "is required when consent is not sought (choose the reason)")
        elif reason not in rules.codes("consent_not_sought_reasons"):
            c.bad("reason_code", "is not one of the reasons for not seeking consent")
        elif reason == LACKS_CAPACITY:
            c.need_text("capacity_assessment", "when the person lacks capacity")
            c.need_text("best_interests_decision", "when the person lacks capacity")
    elif record.get("reason_code") is not None and state != "withdrawn":
        c.bad("reason_code", "applies only when consent was not sought")
    if state == "withdrawn" and not _text(record.get("supersedes")):
        c.bad("supersedes", "a withdrawal must name the record of consent it withdraws")
    if doc is not None:
        _check_against_doc(c, record, doc)
    return c.out


def _check_date(c: _Checker, value: Any, today: date) -> None:
    if not isinstance(value, str) or len(value) != 10:
        c.bad("date", "is required as a date YYYY-MM-DD")
        return
    try:
        when = date.fromisoformat(value)
    except ValueError:
        c.bad("date", "is not a real date (YYYY-MM-DD)")
        return
    if when > today:
        c.bad("date", "is in the future")


def _check_who(c: _Checker, record: dict) -> None:
    by = record.get("by")
    if not isinstance(by, dict):
        c.bad("by", "is required: who gave or refused consent, and their standing")
        return
    c.need_text("by.name", "(who gave or refused consent)")
    standing, age = by.get("standing"), by.get("age")
    if standing not in STANDINGS:
        c.bad("by.standing", "must be one of " + ", ".join(STANDINGS))
        return
    if age is not None and (not isinstance(age, int) or isinstance(age, bool) or not 0 <= age <= 130):
        c.bad("by.age", "must be a whole number of years")
        return
    if standing in ("child_competent", "young_person_16plus") and age is None:
        c.bad("by.age", "is required when a child or young person consents for themselves")
    elif standing == "child_competent" and age < 12:
        c.bad("by.standing", "a child under 12 cannot consent alone: consent comes from a person with "
                             "parental responsibility")
    elif standing == "child_competent" and age >= 16:
        c.bad("by.standing", "from 16 the Mental Capacity Act applies: use 'young person aged 16 or 17'"
                             if age < 18 else "an adult consents with capacity for themselves")
    elif standing == "child_competent" and record.get("competence_assessed") is not True:
        c.bad("competence_assessed", "a child of 12-15 can consent alone only when their competence has been "
                                     "assessed")
    elif standing == "young_person_16plus" and age < 16:
        c.bad("by.standing", "under 16 a young person consents alone only as a competent child (12-15, "
                             "competence assessed)")
    elif standing == "young_person_16plus" and age >= 18:
        c.bad("by.standing", "from 18 use 'adult with capacity'")
    elif standing == "adult_capacity" and age is not None and age < 18:
        c.bad("by.standing", "a person under 18 is not an adult: choose their standing as a child or young person")
    elif standing == "best_interests":
        c.need_text("capacity_assessment", "for a best-interests decision (the person lacks capacity)")
        c.need_text("best_interests_decision", "when consent is given or refused in the person's best interests")
    if standing == "parental_responsibility" and age is not None and age < 16:
        c.bad("by.age", "a person with parental responsibility recorded as under 16: check the age")


def _check_refusal(c: _Checker, record: dict, rules: Rules) -> None:
    proceeds = record.get("proceeds")
    if proceeds is not None and not isinstance(proceeds, bool):
        c.bad("proceeds", "must be true or false")
    if proceeds is True:
        c.need_text("proceed_decided_by", "when the referral proceeds despite a refusal")
        override = record.get("override_reason")
        if override is None:
            c.bad("override_reason", "is required when the referral proceeds despite a refusal")
        elif override not in rules.codes("refusal_override_reasons"):
            c.bad("override_reason", "is not one of the reasons for overriding a refusal")


def _people(doc: dict) -> set[str]:
    ids = set()
    for key in ("subjects", "household"):
        people = doc.get(key)
        for person in people if isinstance(people, list) else []:
            if isinstance(person, dict) and isinstance(person.get("id"), str):
                ids.add(person["id"])
    return ids


def _records(doc: dict) -> list:
    consent = doc.get("consent")
    records = consent.get("records") if isinstance(consent, dict) else None
    return records if isinstance(records, list) else []


def _check_against_doc(c: _Checker, record: dict, doc: dict) -> None:
    people = _people(doc)
    if people and _text(record.get("person_id")) and record["person_id"] not in people:
        c.bad("person_id", "is not a subject or household member of this referral")
    target = record.get("supersedes")
    if _text(target):
        old = next((r for r in _records(doc) if isinstance(r, dict) and r.get("id") == target), None)
        if old is None:
            c.bad("supersedes", "names no consent record of this referral")
        elif any(old.get(k) != record.get(k) for k in ("person_id", "scope", "agency")):
            c.bad("supersedes", "the record it replaces is about another person, scope or agency")
        elif record.get("state") == "withdrawn" and old.get("state") != "given":
            c.bad("supersedes", "only consent that was given can be withdrawn")
        elif _superseded(doc).get(target, record.get("id")) != record.get("id"):
            c.bad("supersedes", "that record has already been replaced")


def _superseded(doc: dict) -> dict[str, str]:
    return {r["supersedes"]: _str(r.get("id")) for r in _records(doc)
            if isinstance(r, dict) and _text(r.get("supersedes"))}


def document_problems(doc: dict, sid: str, today: date, rules: Rules | None = None) -> list[Problem]:
    """Problems with the consent section of a referral: each record, what is still to record (warnings),
    who was informed and what is withheld. `sid` is the form section the wizard jumps to."""
    consent = doc.get("consent") if isinstance(doc.get("consent"), dict) else {}
    out: list[Problem] = []
    records = consent.get("records")
    if records is not None and not isinstance(records, list):
        return [Problem("consent.records", "Consent records (consent.records): must be a list", True, "format", sid)]
    for n, rec in enumerate(records or []):
        for p in check_record(rec, doc, prefix=f"consent.records[{n}]", today=today, rules=rules):
            out.append(Problem(p.path, p.message, True, p.kind, sid))
    for scope in SCOPES:  # reminders for what domain.md §2 asks to record next
        for rec in effective_records(doc, scope):
            n = records.index(rec)
            if rec.get("state") == "not_sought" and not rec.get("approved_by"):
                out.append(Problem(f"consent.records[{n}].approved_by", f"Practice lead who approved "
                                   f"(consent.records[{n}].approved_by): not seeking consent awaits a practice "
                                   "lead's approval", False, "warning", sid))
            elif rec.get("state") == "refused" and rec.get("proceeds") is None:
                out.append(Problem(f"consent.records[{n}].proceeds", f"Referral still proceeds "
                                   f"(consent.records[{n}].proceeds): record whether the referral proceeds despite "
                                   "the refusal, and on whose decision", False, "warning", sid))
    if current_state(doc, "referral") == "unknown":
        out.append(Problem("consent.records", "Consent to the referral (consent.records): record whether consent "
                                              "was given, refused or not sought", True, "missing", sid))
    informed = consent.get("informed")
    if informed is not None and not isinstance(informed, dict):
        out.append(Problem("consent.informed", "Informed (consent.informed): must map each person to whether they "
                                               "were told", True, "format", sid))
        informed = {}
    for pid, entry in (informed or {}).items():
        path = f"consent.informed.{pid}"
        if not isinstance(entry, dict) or entry.get("informed") not in YESNO:
            out.append(Problem(path, f"Informed ({path}): must say yes, no or not known", True, "format", sid))
        elif entry["informed"] == "no" and is_blank(entry.get("reason")):
            out.append(Problem(f"{path}.reason", f"Reason not informed ({path}.reason): a reason is required when "
                                                 "the person was not told about the referral", True, "missing", sid))
    for n, item in enumerate(consent.get("withhold") or []):
        path = f"consent.withhold[{n}]"
        if not isinstance(item, dict) or is_blank(item.get("what")) or is_blank(item.get("why")):
            out.append(Problem(path, f"Information to withhold from the family ({path}): say what, and why",
                               True, "missing", sid))
    return out


def add_record(doc: dict, record: dict, *, today: date | None = None) -> dict:
    """Validate and append a consent record (given an id when it has none). Raises InputError listing every
    problem; the document is unchanged then. Returns the stored record."""
    record = copy.deepcopy(record)
    record.setdefault("id", str(uuid.uuid4()))
    if record["id"] in {r.get("id") for r in _records(doc) if isinstance(r, dict)}:
        raise InputError("consent.records: a record with this id already exists; records are never edited, "
                         "add a new one that supersedes it")
    problems = check_record(record, doc, today=today)
    if problems:
        raise InputError("; ".join(p.message for p in problems))
    consent = doc.get("consent")
    if not isinstance(consent, dict):
        consent = doc["consent"] = {}
    if not isinstance(consent.get("records"), list):
        consent["records"] = []
    consent["records"].append(record)
    return record


def withdraw(doc: dict, record_id: str, *, on: str, recorded_by: str, by: dict | None = None,
             form: str | None = None, note: str | None = None, today: date | None = None) -> dict:
    """Withdraw consent that was given: a new record supersedes it (applies to future sharing only;
    the history stays)."""
    old = next((r for r in _records(doc) if isinstance(r, dict) and r.get("id") == record_id), None)
    if old is None:
        raise InputError("consent.records: no consent record with that id")
    record = {"person_id": old.get("person_id"), "scope": old.get("scope"), "state": "withdrawn", "date": on,
              "recorded_by": recorded_by, "informed": True, "supersedes": record_id}
    if old.get("agency") is not None:
        record["agency"] = old["agency"]
    who = by if by is not None else old.get("by")
    if who is not None:
        record["by"] = copy.deepcopy(who)
    if form is not None:
        record["form"] = form
    if note:
        record["note"] = note
    return add_record(doc, record, today=today)


def effective_records(doc: dict, scope: str, person_id: str | None = None, agency: str | None = None) -> list[dict]:
    """The records that count now: not superseded, latest per person (and agency, for sharing)."""
    replaced = _superseded(doc)
    latest: dict[tuple, dict] = {}
    for rec in _records(doc):
        if not isinstance(rec, dict) or rec.get("scope", "referral") != scope or _str(rec.get("id")) in replaced:
            continue
        if person_id is not None and rec.get("person_id") != person_id:
            continue
        if agency is not None and rec.get("agency") != agency:
            continue
        latest[(_str(rec.get("person_id")), _str(rec.get("agency")))] = rec
    return list(latest.values())


def current_state(doc: dict, scope: str, person_id: str | None = None, agency: str | None = None) -> str:
    """given | refused | not_sought | withdrawn | unknown for a scope (one person, or the least permissive
    of everyone's), as the threshold engine reads it."""
    states = [r.get("state") for r in effective_records(doc, scope, person_id, agency) if r.get("state") in STATES]
    return min(states, key=CONSENT_PRIORITY.index) if states else "unknown"


def history(doc: dict, person_id: str, scope: str) -> list[dict]:
    """Every record for one person and scope, oldest first (nothing is ever removed)."""
    return [r for r in _records(doc) if isinstance(r, dict) and r.get("person_id") == person_id
            and r.get("scope") == scope]
