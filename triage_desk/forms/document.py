"""The referral document: a new skeleton, canonical JSON out, schema-checked JSON in.

The JSON Schema (`referral.schema.json`, 2020-12, shipped in the package and described for staff in
docs/referral-schema.md) fixes the shape; `forms.validation` judges completeness against the form.
Errors name the JSON path (`$.subjects[0].dob: not a date (YYYY-MM-DD)`) and never echo a value, which
may be personal data.
"""

from __future__ import annotations

import json
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from triage_desk.errors import InputError
from triage_desk.forms.limits import date_problems, parse_json
from triage_desk.forms.schema_check import describe

SCHEMA_PATH = Path(__file__).resolve().parent / "referral.schema.json"
SCHEMA_ID = "triage-desk/referral"
SCHEMA_VERSION = 1
MAX_REPORTED = 20


@lru_cache(maxsize=1)
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text("utf-8"))


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(schema())


def new_document(variant: str = "child", form: Any = None) -> dict:
    """An empty draft referral of the given variant, stamped with the form's id and version."""
    if variant not in ("child", "adult"):
        raise InputError("variant: must be child or adult")
    if form is None:
        from triage_desk.forms.form import load_form

        form = load_form()
    doc: dict = {"schema": SCHEMA_ID, "schema_version": SCHEMA_VERSION, "id": str(uuid.uuid4()),
                 "form": form.stamp(), "status": "draft", "variant": variant,
                 "contact": {}, "referrer": {}, "consent": {"informed": {}, "records": []}, "subjects": [],
                 "household": [], "agencies": [], "concerns": {"indicators": []}, "voice": {},
                 "links": {"matched_person_ids": [], "re_referrals_12m": 0}}
    if variant == "adult":
        doc["adult"] = {}
    return doc


def dump_document(doc: dict) -> str:
    """Canonical JSON text: sorted keys, two-space indent, UTF-8 characters kept, one final newline.
    The same document always gives the same bytes."""
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ": "), indent=2) + "\n"


def schema_problems(doc: Any, *, lengths: bool = True) -> list[str]:
    """Every way the document breaks the schema, as '$.path: problem', sorted by path.
    `lengths=False` leaves out maxLength (for the database's own rows)."""
    seen: dict[str, None] = {}
    for error in _validator().iter_errors(doc):
        if not lengths and error.validator == "maxLength":
            continue
        path, problem = describe(error)
        seen.setdefault(f"{path}: {problem}", None)
    problems = sorted(seen)
    try:
        uuid.UUID(str(doc.get("id"))) if isinstance(doc, dict) and "id" in doc else None
    except ValueError:
        problems.insert(0, "$.id: not an id (uuid)")
    return list(dict.fromkeys(problems))


def _refuse(problems: list[str]) -> None:
    if problems:
        more = f"; and {len(problems) - MAX_REPORTED} more" if len(problems) > MAX_REPORTED else ""
        raise InputError("; ".join(problems[:MAX_REPORTED]) + more)


def load_document(text: str | bytes, label: str = "document", *, stored: bool = False) -> dict:
    """Parse (within forms.limits) and schema-check a referral document. InputError names each JSON
    path at fault. `stored=True`: a row of this database, held to the shape but not to the size limits
    (what was saved always opens again)."""
    doc = parse_json(text, label, stored=stored)
    if not isinstance(doc, dict):
        raise InputError("$: a referral document must be a JSON object")
    _refuse(schema_problems(doc, lengths=not stored))
    return doc


def load_input_document(text: str | bytes, label: str = "document") -> dict:
    """A document arriving from outside (import, assess): also every date must exist and be plausible.
    Stored drafts are loaded without the date checks, so a draft saved with a typo stays readable."""
    doc = load_document(text, label)
    _refuse(date_problems(doc))
    return doc


def check_input_document(doc: Any, *, partial: bool = False) -> None:
    """The checks of load_input_document for a document already parsed by `parse_json`.
    `partial=True` (assess): fields may be missing, but what is there must have the right shape."""
    if not isinstance(doc, dict):
        raise InputError("$: a referral document must be a JSON object")
    problems = schema_problems(doc)
    _refuse([p for p in problems if not (partial and p.endswith(": is missing"))])
    _refuse(date_problems(doc))
