"""Validation of a referral document against the form definition: required vs "not known",
visibility-aware, plus the cross-field rules of domain.md §1-2 (single values: forms/field_checks.py;
consent records: forms/consent_rules.py).

Each problem names the field by its label and person (labels.reword; the JSON path stays on
Problem.path) and never echoes the value (it may be personal data).
Kinds: "format" (a value in the wrong shape: blocks Next in the wizard and submission),
"missing" (a required value absent: blocks submission only), "rule" (an invalid combination: blocks
submission), "warning" (shown, blocks nothing).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from triage_desk.errors import InputError
from triage_desk.forms import consent_rules, facts, labels
from triage_desk.forms.catalogue import Catalogue, Rules, default_catalogue
from triage_desk.forms.clock import london_now, whole_years
from triage_desk.forms.field_checks import DATE, validate_field
from triage_desk.forms.form import EXPLICIT, Form, get_path, is_blank, is_visible, load_form
from triage_desk.forms.problem import Problem


# ---- whole documents ------------------------------------------------------------------------------
def _field_problems(form: Form, section: dict, obj: Any, doc: dict, prefix: str, today: date,
                    now: datetime) -> list[Problem]:
    out: list[Problem] = []
    sid = section["id"]
    if not isinstance(obj, dict):
        obj = {}
    for field in section["fields"]:
        if not is_visible(field.get("visible_if"), obj, doc):
            continue
        path = f"{prefix}.{field['path']}"
        label = Form.label(field, doc)
        value = get_path(obj, field["path"])
        if is_blank(value):
            required = field.get("required", "no")
            if field.get("required_if") and is_visible(field["required_if"], obj, doc):
                required = "yes"
            if required == "yes":
                out.append(Problem(path, f"{label} ({path}): is required", True, "missing", sid))
            elif required == "or_unknown":
                out.append(Problem(path, f"{label} ({path}): is required (give a value or 'not known')", True,
                                   "missing", sid))
            continue
        message = validate_field(dict(field, label=label, path=path), value, form, today=today, now=now)
        if message:
            out.append(Problem(path, message, True, "format", sid))
    for group in section.get("require_one_of") or []:
        if all(is_blank(get_path(obj, p)) or get_path(obj, p) in EXPLICIT for p in group):
            labels = [Form.label(f, doc) for f in section["fields"] if f["path"] in group]
            path = f"{prefix}.{group[0]}"
            out.append(Problem(path, f"{' or '.join(labels)} ({path}): give at least one way to contact them",
                               True, "missing", sid))
    return out


def problems(doc: Any, form: Form | None = None, *, today: date | None = None,
             now: datetime | None = None, rules: Rules | None = None) -> list[Problem]:
    """Everything wrong or missing in a document, in form order; `blocking` says what stops submission.
    Consent codes are checked against `rules` (default: the shipped rules file)."""
    form = form or load_form()
    now = now or london_now()
    today = today or now.date()
    if not isinstance(doc, dict):
        return [Problem("$", "Referral: a referral document must be a JSON object", True, "format")]
    out: list[Problem] = []
    if doc.get("variant") not in ("child", "adult"):
        out.append(Problem("variant", "Variant (variant): must be child or adult", True, "format"))
    for section in form.visible_sections(doc):
        path, sid = section["path"], section["id"]
        value = doc.get(path)
        if section.get("repeat"):
            out += _repeat_problems(form, section, value, doc, today, now)
        else:
            if value is not None and not isinstance(value, dict):
                out.append(Problem(path, f"{section['title']} ({path}): must be an object", True, "format", sid))
                continue
            out += _field_problems(form, section, value, doc, path, today, now)
        if section.get("kind") == "consent":
            out += consent_rules.document_problems(doc, sid, today, rules)
    out += _cross_problems(doc, form, today)
    return labels.reword(doc, out)


def _repeat_problems(form: Form, section: dict, items: Any, doc: dict, today: date, now: datetime) -> list[Problem]:
    path, sid = section["path"], section["id"]
    noun = section.get("item_noun") or "item"
    if items is not None and not isinstance(items, list):
        return [Problem(path, f"{section['title']} ({path}): must be a list", True, "format", sid)]
    items = items or []
    out = []
    if len(items) < section.get("min_items", 0):
        out.append(Problem(path, f"{section['title']} ({path}): at least {section['min_items']} {noun} "
                                 "is required", True, "missing", sid))
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            out.append(Problem(f"{path}[{n}]", f"{section['title']} ({path}[{n}]): each {noun} must be an object",
                               True, "format", sid))
            continue
        out += _field_problems(form, section, item, doc, f"{path}[{n}]", today, now)
    return out


def _age(dob: Any, today: date) -> int | None:
    if not isinstance(dob, str) or not DATE.match(dob):
        return None
    try:
        born = date.fromisoformat(dob)
    except ValueError:
        return None
    return whole_years(born, today)


def _cross_problems(doc: dict, form: Form, today: date) -> list[Problem]:
    out = []
    variant = doc.get("variant")
    subjects = doc.get("subjects") if isinstance(doc.get("subjects"), list) else []
    for n, s in enumerate(subjects):
        if not isinstance(s, dict):
            continue
        kind, path = s.get("kind"), f"subjects[{n}].kind"
        if variant == "adult" and kind != "adult":
            out.append(Problem(path, f"Subject kind ({path}): the subject of an adult referral must be an adult",
                               True, "rule", "subjects"))
        elif variant == "child" and kind not in ("child", "unborn"):
            out.append(Problem(path, f"Child or unborn child ({path}): choose child or unborn child", True,
                               "missing" if kind is None else "rule", "subjects"))
        age = _age(s.get("dob"), today)
        if age is not None and kind == "child" and age >= 18:
            out.append(Problem(f"subjects[{n}].dob", f"Date of birth (subjects[{n}].dob): the subject is 18 or over; "
                               "consider an adult referral", False, "warning", "subjects"))
        elif age is not None and kind == "adult" and age < 18:
            out.append(Problem(f"subjects[{n}].dob", f"Date of birth (subjects[{n}].dob): the subject is under 18; "
                               "consider a children's referral", False, "warning", "subjects"))
    if variant == "adult" and len(subjects) > 1:
        out.append(Problem("subjects", "Subjects (subjects): an adult referral is about one adult", True, "rule",
                           "subjects"))
    consent = doc.get("consent") if isinstance(doc.get("consent"), dict) else {}
    informed = consent.get("informed") if isinstance(consent.get("informed"), dict) else {}
    people = {p.get("id") for key in ("subjects", "household") if isinstance(doc.get(key), list)
              for p in doc[key] if isinstance(p, dict) and isinstance(p.get("id"), str)}
    for pid in informed:
        if pid not in people:
            out.append(Problem(f"consent.informed.{pid}", f"Informed (consent.informed.{pid}): is not a subject or "
                               "household member of this referral", True, "rule", "consent"))
    contact = doc.get("contact") if isinstance(doc.get("contact"), dict) else {}
    if contact.get("channel") == "phone" and not contact.get("confirmed_at"):
        out.append(Problem("contact.confirmed_at", "Written confirmation received at (contact.confirmed_at): "
                           "the phone referral still needs written confirmation", False, "warning", "contact"))
    return out


def engine_problems(doc: Any, catalogue: Catalogue | None = None) -> list[Problem]:
    """Problems in what the threshold, DASH and s42 steps record (indicator ids, DASH answers, s42 tests),
    as the threshold engine would report them; `section` is the wizard step."""
    if not isinstance(doc, dict):
        return []
    out = []
    kind = "adult" if doc.get("variant") == "adult" else "child"
    concerns = doc.get("concerns") if isinstance(doc.get("concerns"), dict) else {}
    checks = (("threshold", "Presenting issues", "concerns.indicators",
               lambda: facts.parse_indicators(concerns.get("indicators") or [], "concerns.indicators", kind,
                                              catalogue or default_catalogue())),
              ("dash", "DASH risk checklist", "dash", lambda: facts.parse_dash(doc.get("dash"), "dash")),
              ("s42", "Section 42 tests", "s42", lambda: facts.parse_s42(doc.get("s42"), "s42")))
    for step, label, path, check in checks:
        try:
            check()
        except InputError as exc:
            where, _, problem = str(exc).partition(": ")
            out.append(Problem(where or path, f"{label} ({where or path}): {problem or exc}", True, "format", step))
    return labels.reword(doc, out)


def blocking_problems(doc: Any, form: Form | None = None, rules: Rules | None = None) -> list[Problem]:
    """What stops submission (each naming the field), including bad threshold, DASH or s42 entries."""
    return [p for p in problems(doc, form, rules=rules) + engine_problems(doc) if p.blocking]
