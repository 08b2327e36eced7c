"""The summary prints whatever a draft or an imported document holds: any field replaced by any JSON
value still gives a PDF (a print-out must not fail in front of a strategy discussion)."""

from __future__ import annotations

from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pdf_sample import sample_document

from triage_desk.reports.summary_pdf import render_summary

BASE = sample_document(household=2, narrative_paragraphs=1)


def _paths(obj, prefix=(), depth=0):
    yield prefix
    if depth >= 4:
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k), depth + 1)
    elif isinstance(obj, list):
        for i, v in enumerate(obj[:2]):
            yield from _paths(v, (*prefix, i), depth + 1)


PATHS = [p for p in _paths(BASE) if p]
scalars = st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats(allow_nan=False) | st.text(max_size=40)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=3), max_leaves=6)


def _replace(doc, path, value):
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), json_values), min_size=1, max_size=4))
def test_any_field_holding_any_json_value_still_prints(changes):
    doc = sample_document(household=2, narrative_paragraphs=1)
    for path, value in changes:
        try:
            _replace(doc, path, value)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change replaced a parent of this path
    pdf = render_summary(doc, generated_by="officer1", generated_at=datetime(2026, 11, 23, 15, 5), audit_head="ab")
    assert pdf.startswith(b"%PDF-")


@settings(max_examples=15, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(BASE)), json_values, max_size=6))
def test_a_document_of_arbitrary_sections_still_prints(doc):
    pdf = render_summary(doc, generated_by="officer1", generated_at=datetime(2026, 11, 23, 15, 5), audit_head="")
    assert pdf.startswith(b"%PDF-")
