"""Validation of a referral document against the form definition: per-type checks, required vs "not known",
visibility-aware, plus the cross-field rules of domain.md §1-2.

Each problem names the field label and its JSON path in plain words and never echoes the value (it may be
personal data). Kinds: "format" (a value in the wrong shape: blocks Next in the wizard and submission),
"missing" (a required value absent: blocks submission only), "rule" (an invalid combination: blocks
submission), "warning" (shown, blocks nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from triage_desk.forms.clock import london_now
from triage_desk.forms.form import NOT_APPLICABLE, NOT_KNOWN, YESNO, Form, get_path, is_visible, load_form

EXPLICIT = (NOT_KNOWN, NOT_APPLICABLE)
POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$")
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
PHONE_CHARS = re.compile(r"^\+?[0-9 ()-]+$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")
MAX_TEXT = {"text": 300, "multiline": 50_000}
EDD_MONTHS = 10
@dataclass(frozen=True)
class Problem:
    path: str  # JSON path, e.g. "subjects[0].dob"
    message: str  # plain words, naming the field label and path
    blocking: bool = True
    kind: str = "format"  # format | missing | rule | warning
    section: str | None = None  # form section id, for the wizard to jump to

    def __str__(self) -> str:
        return self.message


# ---- single values --------------------------------------------------------------------------------
def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "") or value == [] or value == {}


def nhs_check_digit_ok(digits: str) -> bool:
    """NHS number: 10 digits, the last a modulus-11 check digit (a remainder giving 10 is never issued)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _type_problem(field: dict, value: Any, form: Form | None, today: date, now: datetime) -> str | None:
    kind = field.get("type")
    if kind in ("text", "multiline"):
        if not isinstance(value, str):
            return "must be text"
        if len(value) > MAX_TEXT[kind]:
            return f"is too long (at most {MAX_TEXT[kind]} characters)"
        return None
    if kind == "date":
        return _date_problem(field, value, today)
    if kind == "datetime":
        if not isinstance(value, str) or not DATETIME.match(value):
            return "must be a date and time YYYY-MM-DDTHH:MM"
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return "is not a real date and time"
        if field.get("date_rule") == "past" and when > now + timedelta(minutes=10):
            return "is in the future"
        return None
    if kind == "choice":
        allowed = _allowed(field, form)
        if not isinstance(value, str) or (allowed is not None and value not in allowed):
            return "is not one of the choices offered"
        return None
    if kind == "multichoice":
        allowed = _allowed(field, form)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "must be a list of choices"
        if allowed is not None and any(v not in allowed for v in value):
            return "holds a value that is not one of the choices offered"
        if len(set(value)) != len(value):
            return "lists the same choice twice"
        return None
    if kind == "yesno":
        return None if value in YESNO else "must be yes, no or not known"
    if kind == "bool":
        return None if isinstance(value, bool) else "must be ticked or not (true or false)"
    if kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            return "must be a whole number"
        lo, hi = field.get("min"), field.get("max")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            return f"must be between {lo if lo is not None else 'any'} and {hi if hi is not None else 'any'}"
        return None
    if kind == "nhs_number":
        if not isinstance(value, str):
            return "must be 10 digits"
        digits = re.sub(r"[\s-]", "", value)
        if len(digits) != 10 or not digits.isdigit():
            return "must be 10 digits"
        return None if nhs_check_digit_ok(digits) else "is not a valid NHS number (the check digit does not match)"
    if kind == "postcode":
        if not isinstance(value, str) or not POSTCODE.match(value.strip().upper()):
            return "is not a UK postcode (for example SW1A 1AA)"
        return None
    if kind == "email":
        if not isinstance(value, str) or len(value) > 254 or not EMAIL.match(value.strip()):
            return "is not an email address (name@example.org)"
        return None
    if kind == "phone":
        if not isinstance(value, str) or not PHONE_CHARS.match(value.strip()):
            return "is not a phone number (digits, spaces and a leading + only)"
        digits = re.sub(r"\D", "", value)
        uk = value.strip().startswith("0") and len(digits) in (10, 11)
        intl = value.strip().startswith("+") and 7 <= len(digits) <= 15
        return None if uk or intl else "is not a phone number (a UK number has 10 or 11 digits starting with 0)"
    return "has a field type the form does not define"


def _date_problem(field: dict, value: Any, today: date) -> str | None:
    if not isinstance(value, str) or not DATE.match(value):
        return "must be a date YYYY-MM-DD"
    try:
        when = date.fromisoformat(value)
    except ValueError:
        return "is not a real date"
    rule = field.get("date_rule")
    if rule == "past":
        if when > today:
            return "is in the future"
        if when.year < 1900:
            return "is before 1900"
    elif rule == "edd":
        if when < today:
            return "is in the past (an expected delivery date must be today or later)"
        if when > today + relativedelta(months=EDD_MONTHS):
            return f"is more than {EDD_MONTHS} months ahead"
    return None


def _allowed(field: dict, form: Form | None) -> set | None:
    raw = field.get("choices")
    if isinstance(raw, str):
        try:
            return (form or load_form()).choice_values(field)
        except Exception:  # a list the form does not define: nothing to check against
            return None
    items = raw or []
    return {i["value"] if isinstance(i, dict) else (i[0] if isinstance(i, (list, tuple)) else i) for i in items}


def validate_field(field: dict, value: Any, form: Form | None = None, *, today: date | None = None,
                   now: datetime | None = None) -> str | None:
    """What is wrong with one present value, as '<label> (<path>): <problem>'; None when acceptable.
    A blank value is not judged here (required-ness is a document-level matter)."""
    if _is_blank(value):
        return None
    if value in EXPLICIT and field.get("type") != "yesno":
        return None if field.get("required") != "yes" else _msg(field, field["path"], "needs a value here; "
                                                                "'not known' is not accepted for this field")
    if value == NOT_APPLICABLE and field.get("type") == "yesno":
        return None
    if value == NOT_KNOWN and field.get("type") == "yesno" and field.get("required") == "yes":
        return _msg(field, field["path"], "must be yes or no")
    try:
        now = now or london_now()
        problem = _type_problem(field, value, form, today or now.date(), now)
    except Exception:  # a validator must never crash the wizard; an odd value is simply refused
        problem = "could not be read"
    return _msg(field, field["path"], problem) if problem else None


def _msg(field: dict, path: str, problem: str) -> str:
    return f"{field.get('label') or field.get('id')} ({path}): {problem}"


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
        if _is_blank(value):
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
        if all(_is_blank(get_path(obj, p)) or get_path(obj, p) in EXPLICIT for p in group):
            labels = [Form.label(f, doc) for f in section["fields"] if f["path"] in group]
            path = f"{prefix}.{group[0]}"
            out.append(Problem(path, f"{' or '.join(labels)} ({path}): give at least one way to contact them",
                               True, "missing", sid))
    return out


def problems(doc: Any, form: Form | None = None, *, today: date | None = None,
             now: datetime | None = None) -> list[Problem]:
    """Everything wrong or missing in a document, in form order; `blocking` says what stops submission."""
    form = form or load_form()
    now = now or london_now()
    today = today or now.date()
    if not isinstance(doc, dict):
        return [Problem("$", "Referral ($): a referral document must be a JSON object", True, "format")]
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
            out += _consent_problems(doc, sid, today)
    out += _cross_problems(doc, form, today)
    return out


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


def _consent_problems(doc: dict, sid: str, today: date) -> list[Problem]:
    from triage_desk.forms import consent_rules

    consent = doc.get("consent") if isinstance(doc.get("consent"), dict) else {}
    out: list[Problem] = []
    records = consent.get("records")
    if records is not None and not isinstance(records, list):
        return [Problem("consent.records", "Consent records (consent.records): must be a list", True, "format", sid)]
    for n, rec in enumerate(records or []):
        for p in consent_rules.check_record(rec, doc, prefix=f"consent.records[{n}]", today=today):
            out.append(Problem(p.path, p.message, True, p.kind, sid))
    for scope in consent_rules.SCOPES:  # reminders for what domain.md §2 asks to record next
        for rec in consent_rules.effective_records(doc, scope):
            n = records.index(rec)
            if rec.get("state") == "not_sought" and not rec.get("approved_by"):
                out.append(Problem(f"consent.records[{n}].approved_by", f"Practice lead who approved "
                                   f"(consent.records[{n}].approved_by): not seeking consent awaits a practice "
                                   "lead's approval", False, "warning", sid))
            elif rec.get("state") == "refused" and rec.get("proceeds") is None:
                out.append(Problem(f"consent.records[{n}].proceeds", f"Referral still proceeds "
                                   f"(consent.records[{n}].proceeds): record whether the referral proceeds despite "
                                   "the refusal, and on whose decision", False, "warning", sid))
    if consent_rules.current_state(doc, "referral") == "unknown":
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
        elif entry["informed"] == "no" and _is_blank(entry.get("reason")):
            out.append(Problem(f"{path}.reason", f"Reason not informed ({path}.reason): a reason is required when "
                                                 "the person was not told about the referral", True, "missing", sid))
    for n, item in enumerate(consent.get("withhold") or []):
        path = f"consent.withhold[{n}]"
        if not isinstance(item, dict) or _is_blank(item.get("what")) or _is_blank(item.get("why")):
            out.append(Problem(path, f"Information to withhold from the family ({path}): say what, and why",
                               True, "missing", sid))
    return out


def _age(dob: Any, today: date) -> int | None:
    if not isinstance(dob, str) or not DATE.match(dob):
        return None
    try:
        born = date.fromisoformat(dob)
    except ValueError:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


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


def engine_problems(doc: Any) -> list[Problem]:
    """Problems in what the threshold, DASH and s42 steps record (indicator ids, DASH answers, s42 tests),
    as the threshold engine would report them; `section` is the wizard step."""
    from triage_desk.errors import InputError
    from triage_desk.forms import facts
    from triage_desk.forms.threshold import default_context

    if not isinstance(doc, dict):
        return []
    out = []
    kind = "adult" if doc.get("variant") == "adult" else "child"
    concerns = doc.get("concerns") if isinstance(doc.get("concerns"), dict) else {}
    checks = (("threshold", "Presenting issues", "concerns.indicators",
               lambda: facts._indicators(concerns.get("indicators") or [], "concerns.indicators", kind,
                                         default_context().catalogue)),
              ("dash", "DASH risk checklist", "dash", lambda: facts._dash(doc.get("dash"), "dash")),
              ("s42", "Section 42 tests", "s42", lambda: facts._s42(doc.get("s42"), "s42")))
    for step, label, path, check in checks:
        try:
            check()
        except InputError as exc:
            where, _, problem = str(exc).partition(": ")
            out.append(Problem(where or path, f"{label} ({where or path}): {problem or exc}", True, "format", step))
    return out


def blocking_problems(doc: Any, form: Form | None = None) -> list[Problem]:
    """What stops submission (each naming the field), including bad threshold, DASH or s42 entries."""
    return [p for p in problems(doc, form) + engine_problems(doc) if p.blocking]
