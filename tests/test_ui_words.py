"""People see words, never ids (issue 10 point 2): every preview screen, shown on the synthetic case, is read
as a person reads it and must hold no uuid, JSON path, catalogue id or bare code."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QLabel,
    QTabWidget,
    QTextEdit,
)

from triage_desk.forms import labels
from triage_desk.ui.operations import settle
from triage_desk.ui.preview import open_screen, screens
from triage_desk.ui.preview_registry import PreviewContext

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-")
JSON_PATH = re.compile(r"\b(?:subjects|household|consent|contact|concerns|referrer|voice|dash|s42|routing|links|"
                       r"decision|agencies)(?:\[\d+\])?\.[a-z_]+|\[\d+\]\.")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def problems_in(text: str) -> list[str]:
    """Every id, path or bare code in `text` a person would have to decode."""
    text = re.sub(r"\S+@\S+|\S+\.(?:json|age|tdcase|pdf|csv|sqlite|db)\b", "", text)  # addresses and file names
    found = UUID.findall(text) + JSON_PATH.findall(text) + SNAKE.findall(text)
    found += [i for i in labels.tables()["indicators"] if i in text]
    for table in ("dfe_source", "cin_ethnicity"):
        for code, label in labels.tables()[table].items():
            if code.isdigit():
                continue  # a bare number is not told apart from any other number
            if re.search(rf"(?<![\w(]){re.escape(code)}(?![\w)])", text) and label.split(" (")[0] not in text:
                found.append(code)
    return found


def visible_text(widget) -> str:
    parts = []
    for label in widget.findChildren(QLabel):
        parts.append(label.text())
    for button in widget.findChildren(QAbstractButton):
        parts.append(button.text())
    for box in widget.findChildren(QGroupBox):
        parts.append(box.title())
    for tabs in widget.findChildren(QTabWidget):
        parts += [tabs.tabText(i) for i in range(tabs.count())]
    for combo in widget.findChildren(QComboBox):
        parts += [combo.itemText(i) for i in range(combo.count())]
    for edit in widget.findChildren(QTextEdit):
        parts.append(edit.toPlainText())
    for view in widget.findChildren(QAbstractItemView):
        model = view.model()
        if model is None or isinstance(view.parent(), QComboBox):
            continue
        columns = _columns(model, QModelIndex())
        parts += [str(model.headerData(c, Qt.Orientation.Horizontal) or "") for c in range(columns)]
        parts += _cells(model, None, 0)
    return "\n".join(p for p in parts if p)


def _columns(model, parent) -> int:
    try:
        return model.columnCount(parent)
    except TypeError:  # a list model keeps columnCount private: one column
        return 1


def _cells(model, parent, depth: int) -> list[str]:
    parent = parent or QModelIndex()
    out = []
    for r in range(min(model.rowCount(parent), 200)):
        for c in range(_columns(model, parent)):
            index = model.index(r, c, parent)
            out.append(str(model.data(index) or ""))
            out.append(str(model.data(index, Qt.ItemDataRole.ToolTipRole) or ""))
        if depth < 2:
            out += _cells(model, model.index(r, 0, parent), depth + 1)
    return out


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    context = PreviewContext(tmp_path_factory.mktemp("words"))
    yield context
    context.close()


def test_the_checker_finds_what_was_found_in_the_issue():
    for seen in ("Reason not informed (consent.informed.9f1ae99f-2b1c-4c7e-9d2a-0a1b2c3d4e5f.reason)",
                 "NHS number: must be 10 digits (subjects[0].nhs_number)", "Informed › 5f60eef3-aaaa-4bbb-8ccc-1",
                 "Requires practice_lead_approval", "Reason: increase_risk_to_child", "Lawful basis: public_task",
                 "Ethnicity: WBRI", "Source: 2A", "Indicator health.non_accidental_injury"):
        assert problems_in(seen), seen
    assert not problems_in("Jade Pimcombe — reason not informed: a reason is required. Ethnicity: White British "
                           "(WBRI). Source: School (2A) — e-mail referrer@example.org")


@pytest.mark.parametrize("name", sorted(screens()))
def test_every_screen_shows_words_never_ids(qtbot, ctx, name):
    widget = open_screen(ctx, name)
    qtbot.addWidget(widget)
    widget.show()
    settle()
    text = visible_text(widget)
    widget.close()
    settle()
    assert not problems_in(text), f"{name}: {sorted(set(problems_in(text)))}"


def test_every_validation_message_of_a_rich_case_is_in_words():
    from intake_helpers import complete, subject

    from triage_desk.forms import validation
    from triage_desk.forms.document import new_document

    doc = complete(new_document("child"), subject(surname="Pimcombe", forenames="Jade"))
    pid = doc["subjects"][0]["id"]
    doc["household"] = [{"id": "c0ffee00-1111-4222-8333-444455556666", "name": "Ala Pimcombe"}]
    doc["consent"]["informed"] = {pid: "no", "c0ffee00-1111-4222-8333-444455556666": "maybe"}
    doc["consent"]["records"] = [{"id": "r1", "person_id": pid, "scope": "referral", "state": "not_sought",
                                  "reason_code": "no_such_reason", "date": "2030-01-01"}]
    doc["subjects"][0].update(nhs_number="123", dob="2030-01-01", ethnicity="XXXX")
    doc["concerns"]["indicators"] = ["no.such_indicator"]
    found = validation.problems(doc) + validation.engine_problems(doc)
    assert len(found) >= 5
    text = "\n".join(p.message for p in found)
    assert "Jade Pimcombe — " in text
    assert not [m for m in text.splitlines() if UUID.search(m) or JSON_PATH.search(m)], text
