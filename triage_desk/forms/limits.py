"""Limits for JSON that comes from outside (files, standard input, bundles): refuse it clearly before
anything deeper looks at it.

`parse_json` turns any text or bytes into a JSON value or an InputError: a size cap, strict UTF-8
(a byte-order mark is allowed), no NaN/Infinity (nor numbers too large for a float), nesting at most
`MAX_DEPTH` deep, strings at most `MAX_STRING` characters without control characters or unpaired
surrogates, lists and objects at most `MAX_ITEMS` entries. Messages name the JSON path and the
problem, never the value (which may be personal data).

`date_problems` checks the dates of a referral document exist and are plausible: dates of birth
between 1900 and today, an expected delivery date within ten months of the referral.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime
from typing import Any

from dateutil.relativedelta import relativedelta

from triage_desk.errors import InputError
from triage_desk.forms.schema_check import json_path

MAX_BYTES = 4 * 1024 * 1024  # a referral with every narrative at its longest is well under 1 MiB
MAX_DEPTH = 64
MAX_STRING = 50_000  # the longest maxLength in referral.schema.json
MAX_ITEMS = 1_000
EARLIEST_DOB = date(1900, 1, 1)
EDD_MONTHS_AHEAD = 10
# C0 controls except tab/newline/carriage return, DEL, and unpaired UTF-16 surrogates (cannot be stored).
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class _Refused(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a number JSON allows")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused("a number is too large")
    return value


def _decode(data: str | bytes, label: str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{label}: not UTF-8 text") from None


def check_structure(value: Any, label: str = "document", *, sizes: bool = True) -> None:
    """Depth, sizes and characters of an already-parsed value (iterative: no recursion to exhaust).
    `sizes=False` checks the depth only (for the database's own rows, see parse_json)."""
    stack: list[tuple[Any, list]] = [(value, [])]
    while stack:
        item, path = stack.pop()
        if len(path) > MAX_DEPTH:
            raise InputError(f"{label}: nested more than {MAX_DEPTH} levels deep at {json_path(path[:MAX_DEPTH])}")
        if not sizes:
            if isinstance(item, dict | list):
                stack.extend((sub, [*path, 0]) for sub in (item.values() if isinstance(item, dict) else item))
            continue
        if isinstance(item, str):
            if len(item) > MAX_STRING:
                raise InputError(f"{json_path(path)}: is longer than {MAX_STRING:,} characters")
            if _BAD_CHARS.search(item):
                raise InputError(f"{json_path(path)}: contains control characters")
        elif isinstance(item, dict):
            if len(item) > MAX_ITEMS:
                raise InputError(f"{json_path(path)}: more than {MAX_ITEMS:,} fields")
            for key, sub in item.items():
                if len(key) > 200 or _BAD_CHARS.search(key):
                    raise InputError(f"{json_path(path)}: a field name is too long or holds control characters")
                stack.append((sub, [*path, key]))
        elif isinstance(item, list):
            if len(item) > MAX_ITEMS:
                raise InputError(f"{json_path(path)}: more than {MAX_ITEMS:,} items")
            stack.extend((sub, [*path, n]) for n, sub in enumerate(item))
        elif isinstance(item, float) and not math.isfinite(item):
            raise InputError(f"{json_path(path)}: NaN and Infinity are not numbers JSON allows")


def parse_json(data: str | bytes, label: str = "document", *, stored: bool = False) -> Any:
    """Parse JSON from outside within the limits above; InputError names the label or JSON path.

    `stored=True` is for text this app wrote into its own database: only the depth is limited there,
    so a draft saved before these limits existed (or with a very long pasted text) always opens."""
    if len(data) > MAX_BYTES and not stored:
        raise InputError(f"{label}: larger than {MAX_BYTES // (1024 * 1024)} MiB")
    text = _decode(data, label)
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise InputError(f"{label}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except _Refused as exc:
        raise InputError(f"{label}: {exc}") from None
    except RecursionError:
        raise InputError(f"{label}: nested more than {MAX_DEPTH} levels deep") from None
    except ValueError:  # e.g. an integer with more digits than Python converts
        raise InputError(f"{label}: holds a number too large to read") from None
    check_structure(value, label, sizes=not stored)
    return value


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


_NO_SUCH_DATE = "is not a date that exists"


def _existing_date(value: Any) -> date | str | None:
    """The date; None for not_known / absent (or a shape the schema refuses); a problem for 2026-02-30."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return _NO_SUCH_DATE


def _received(doc: dict, today: date) -> date:
    raw = (doc.get("contact") or {}).get("received_at") if isinstance(doc.get("contact"), dict) else None
    try:
        return datetime.fromisoformat(str(raw)[:16]).date()
    except ValueError:
        return today


def _dob_problem(when: date, today: date) -> str | None:
    if when < EARLIEST_DOB or when > today:
        return f"date of birth must lie between {EARLIEST_DOB.year} and today"
    return None


def _edd_problem(when: date, received: date) -> str | None:
    if not received <= when <= received + relativedelta(months=EDD_MONTHS_AHEAD):
        return f"expected delivery date must lie within {EDD_MONTHS_AHEAD} months of the referral"
    return None


def _datetime_problems(doc: dict) -> list[str]:
    contact = doc.get("contact")
    out = []
    for key, value in (contact.items() if isinstance(contact, dict) else ()):
        if isinstance(value, str) and re.match(r"\d{4}-\d{2}-\d{2}[T ]", value):
            try:
                datetime.fromisoformat(value.replace(" ", "T"))
            except ValueError:
                out.append(f"{json_path(['contact', key])}: is not a date and time that exists")
    return out


def date_problems(doc: Any, today: date | None = None) -> list[str]:
    """Dates in a referral document that do not exist or are not plausible, as '$.path: problem'."""
    if not isinstance(doc, dict):
        return []
    today = today or date.today()
    received = _received(doc, today)
    problems = _datetime_problems(doc)
    people = [(section, n, p) for section in ("subjects", "household")
              for n, p in enumerate(_list(doc.get(section))) if isinstance(p, dict)]
    for section, n, person in people:
        for key, check in (("dob", lambda d: _dob_problem(d, today)), ("edd", lambda d: _edd_problem(d, received))):
            when = _existing_date(person.get(key))
            if when is None:
                continue
            problem = when if isinstance(when, str) else check(when)
            if problem:
                problems.append(f"{json_path([section, n, key])}: {problem}")
    consent = doc.get("consent")
    for n, rec in enumerate(_list(consent.get("records")) if isinstance(consent, dict) else []):
        if isinstance(rec, dict) and _existing_date(rec.get("date")) == _NO_SUCH_DATE:
            problems.append(f"{json_path(['consent', 'records', n, 'date'])}: is not a date that exists")
    return problems
