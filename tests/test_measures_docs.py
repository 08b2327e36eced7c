"""docs/measures.md and the code name the same definitions, word for word."""

from __future__ import annotations

import re
from pathlib import Path

from triage_desk.measures_defs import BREAKDOWNS, MEASURES
from triage_desk.measures_export import RETURN_FIELDS

DOC = (Path(__file__).resolve().parents[1] / "docs" / "measures.md").read_text("utf-8")
SECTION = re.compile(r"^### (.+) \(`(\w+)`\)\n\n(.+)$", re.M)


def test_every_measure_and_breakdown_is_defined_once_in_the_docs_as_in_the_code():
    documented = {ident: (title, definition) for title, ident, definition in SECTION.findall(DOC)}
    expected = {m.id: (m.title, m.definition) for m in MEASURES} | dict(BREAKDOWNS.items())
    assert documented == expected
    assert len(SECTION.findall(DOC)) == len(expected)  # none defined twice


def test_every_statutory_return_field_is_documented_in_one_table():
    """Field by field, as rows of one Markdown table (a blank line between rows ends the table)."""
    table = re.search(r"^\| field \| meaning \|\n\|---\|---\|\n((?:\|.*\|\n)+)", DOC, re.M)
    assert table, "no field table under the statutory return"
    documented = re.findall(r"^\| `(\w+)` \| \S", table.group(1), re.M)
    assert documented == list(RETURN_FIELDS)
