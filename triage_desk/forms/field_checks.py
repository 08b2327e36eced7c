"""Checks of one field value against its form definition: the per-type rules (dates, NHS numbers,
postcodes, phone numbers, choices...) the wizard runs as a value is typed.

Each problem reads '<label> (<path>): <problem>' in plain words and never echoes the value (it may be
personal data).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from triage_desk.forms.clock import london_now
from triage_desk.forms.form import EXPLICIT, NOT_APPLICABLE, NOT_KNOWN, YESNO, Form, is_blank, load_form

POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$")
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
PHONE_CHARS = re.compile(r"^\+?[0-9 ()-]+$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")
MAX_TEXT = {"text": 300, "multiline": 50_000}
EDD_MONTHS = 10


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
        return f"is too long (at most {MAX_TEXT[kind]} characters)" if len(value) > MAX_TEXT[kind] else None
    if kind == "date":
        return _date_problem(field, value, today)
    if kind == "datetime":
        return _datetime_problem(field, value, now)
    if kind in ("choice", "multichoice"):
        return _choice_problem(kind, value, _allowed(field, form))
    if kind == "yesno":
        return None if value in YESNO else "must be yes, no or not known"
    if kind == "bool":
        return None if isinstance(value, bool) else "must be ticked or not (true or false)"
    if kind == "integer":
        return _integer_problem(field, value)
    check = _TEXT_CHECKS.get(kind)
    if check is None:
        return "has a field type the form does not define"
    return check(value) if isinstance(value, str) else check("")


def _datetime_problem(field: dict, value: Any, now: datetime) -> str | None:
    when, problem = _parsed(value, DATETIME, datetime.fromisoformat, "a date and time YYYY-MM-DDTHH:MM")
    if problem is None and field.get("date_rule") == "past" and when > now + timedelta(minutes=10):
        return "is in the future"
    return problem


def _parsed(value: Any, shape: re.Pattern, parse, words: str) -> tuple[Any, str | None]:
    """(parsed value, None) or (None, what is wrong) for a date or date-time typed as text."""
    if not isinstance(value, str) or not shape.match(value):
        return None, f"must be {words}"
    try:
        return parse(value), None
    except ValueError:
        return None, f"is not a real {words.rsplit(' ', 1)[0].removeprefix('a ')}"


def _choice_problem(kind: str, value: Any, allowed: set | None) -> str | None:
    if kind == "choice":
        ok = isinstance(value, str) and (allowed is None or value in allowed)
        return None if ok else "is not one of the choices offered"
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return "must be a list of choices"
    if allowed is not None and any(v not in allowed for v in value):
        return "holds a value that is not one of the choices offered"
    return "lists the same choice twice" if len(set(value)) != len(value) else None


def _integer_problem(field: dict, value: Any) -> str | None:
    if not isinstance(value, int) or isinstance(value, bool):
        return "must be a whole number"
    lo, hi = field.get("min"), field.get("max")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        return f"must be between {lo if lo is not None else 'any'} and {hi if hi is not None else 'any'}"
    return None


def _nhs_problem(value: str) -> str | None:
    digits = re.sub(r"[\s-]", "", value)
    if len(digits) != 10 or not digits.isdigit():
        return "must be 10 digits"
    return None if nhs_check_digit_ok(digits) else "is not a valid NHS number (the check digit does not match)"


def _postcode_problem(value: str) -> str | None:
    return None if POSTCODE.match(value.strip().upper()) else "is not a UK postcode (for example SW1A 1AA)"


def _email_problem(value: str) -> str | None:
    ok = len(value) <= 254 and EMAIL.match(value.strip())
    return None if ok else "is not an email address (name@example.org)"


def _phone_problem(value: str) -> str | None:
    if not PHONE_CHARS.match(value.strip()):
        return "is not a phone number (digits, spaces and a leading + only)"
    digits = re.sub(r"\D", "", value)
    uk = value.strip().startswith("0") and len(digits) in (10, 11)
    intl = value.strip().startswith("+") and 7 <= len(digits) <= 15
    return None if uk or intl else "is not a phone number (a UK number has 10 or 11 digits starting with 0)"


# text-shaped types: a value that is not text gets the same words as badly formed text
_TEXT_CHECKS = {"nhs_number": _nhs_problem, "postcode": _postcode_problem, "email": _email_problem,
                "phone": _phone_problem}


def _date_problem(field: dict, value: Any, today: date) -> str | None:
    when, problem = _parsed(value, DATE, date.fromisoformat, "a date YYYY-MM-DD")
    if problem is not None:
        return problem
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
    if is_blank(value):
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
