"""Referral document figures (forms.document / forms.validation).

document_load      `load_document()` of a complete referral: JSON parse plus the JSON Schema check, what every
                   import, export, draft resume and bundle read pays; floor: `json.loads` of the same text.
referral_validate  `validation.problems()` of the same complete referral: what the wizard runs after each edit
                   (every field of every shown section, consent rules, cross checks); floor: `json.loads` again.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from _harness import Figure, best_of

from triage_desk.forms.document import dump_document, load_document, new_document
from triage_desk.forms.form import load_form
from triage_desk.forms.validation import problems

N = 300


def _document() -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from intake_helpers import complete, subject

    doc = complete(new_document("child"), subject(nhs="9434765919"), subject(forenames="Second"),
                   received_at="2026-11-20T10:00")
    doc["reference"] = "TD-2026-000001"
    doc["household"] = [{"id": f"hh-{n}", "name": "Synthetic Person", "relationship": "mother", "dob": "1990-01-01",
                         "gender": "female", "parental_responsibility": "yes", "lives_with_subject": "yes"}
                        for n in range(3)]
    return doc


def _floor(text: str) -> float:
    return best_of(lambda: [json.loads(text) for _ in range(N)]) / N * 1000


def document_load() -> Figure:
    text = dump_document(_document())
    load_document(text)  # the schema is compiled once per process
    value = best_of(lambda: [load_document(text) for _ in range(N)]) / N * 1000
    return Figure("document_load", value, "ms", _floor(text), "value <= 5 ms")


def referral_validate() -> Figure:
    doc, form = _document(), load_form()
    problems(doc, form)
    value = best_of(lambda: [problems(doc, form) for _ in range(N)]) / N * 1000
    return Figure("referral_validate", value, "ms", _floor(dump_document(doc)), "value <= 5 ms")


FIGURES = {"document_load": document_load, "referral_validate": referral_validate}
