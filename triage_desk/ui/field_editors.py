"""Field editors for the referral form, one per field type, rendered from the form definition
(forms/marf_default.json): every input carries its label as accessible name, a visible help line and a
tooltip, a required marker, and "Not known" where the form allows it. Also the UK date parsing the
editors share with the review page.
"""

from __future__ import annotations

import re
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QWidget,
)

from triage_desk.formatting import (
    DATE_HINT,
    DATETIME_HINT,
    fmt_date,
    fmt_datetime,
    parse_date_input,
    parse_datetime_input,
    spelled_out,
)
from triage_desk.forms.form import Form, set_path

NOT_KNOWN = "not_known"
HELP_STYLE = "QLabel { color: #4a4a4a; }"
FIELD_ERROR_STYLE = "QLabel { color: #8a1c1c; font-weight: bold; }"


def parse_date(text: str) -> str | None:
    """ISO date from what a person types (30/11/26, 30-11-2026, 2026-11-30, 30.11.2026); None when not a date."""
    return parse_date_input(text)


def parse_datetime(text: str) -> str | None:
    """ISO date-time from a typed date and 24-hour time ('30/11/2026 14:30'), or a stored ISO one."""
    text = text.strip()
    typed = parse_datetime_input(text)
    if typed or not text:
        return typed
    try:
        return datetime.fromisoformat(text).isoformat(timespec="minutes")
    except ValueError:
        return None


# ---- form-definition access (forms.form holds the loader and the path / visibility rules) -------------
def load_form(ws=None) -> dict:
    """The form definition in use (the data directory's override, else the shipped default) as plain data."""
    from triage_desk.forms.form import load_form as load

    return load(data_dir=getattr(ws, "data_dir", None)).raw


def choices(form: dict, field: dict) -> list[tuple[str, str]]:
    """(value, label) pairs: `choices` is a key into the form's shared lists or an inline list."""
    raw = field.get("choices")
    if isinstance(raw, str):
        raw = (form.get("choices") or {}).get(raw) or []
    out = []
    for item in raw or []:
        if isinstance(item, dict):
            out.append((item["value"], item.get("label") or str(item["value"])))
        elif isinstance(item, (tuple, list)):
            out.append((item[0], item[1]))
        else:
            out.append((item, str(item).replace("_", " ").capitalize()))
    return out


def new_item(section: dict, doc: dict) -> dict:
    """A new repeat item: subjects and household people get a stable id (matching and consent use it)."""
    import uuid

    item: dict = {"id": str(uuid.uuid4())} if section.get("item_id", True) else {}
    if section.get("id") == "subjects":
        item["kind"] = "adult" if doc.get("variant") == "adult" else "child"
    for field in section.get("fields") or []:
        if "default" in field:
            set_path(item, field["path"], field["default"])
    return item


# ---- field editors --------------------------------------------------------------------------------
class FieldEditor(QWidget):
    """One field's input(s). `value()` is what goes into the document (None = blank)."""

    changed = Signal()

    def __init__(self, field: dict, form: dict, parent: QWidget | None = None, doc: dict | None = None):
        super().__init__(parent)
        self.field = field
        self.label_text = Form.label(field, doc) or field["id"]
        self.help_text = Form.help(field, doc)
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(0, 0, 0, 0)
        self.not_known: QCheckBox | None = None
        self.build(form)
        if field.get("required") == "or_unknown" and field.get("type") not in ("yesno", "bool", "multichoice"):
            self.not_known = QCheckBox("Not known")
            self.not_known.setAccessibleName(f"{self.label_text}: not known")
            self.not_known.toggled.connect(self._not_known_toggled)
            self.row.addWidget(self.not_known, 0, Qt.AlignmentFlag.AlignTop)

    # subclasses: build(), raw(), set_raw(), inputs()[0] is the main input
    def build(self, form: dict) -> None:
        raise NotImplementedError

    def inputs(self) -> list[QWidget]:
        raise NotImplementedError

    def raw(self):
        raise NotImplementedError

    def set_raw(self, value) -> None:
        raise NotImplementedError

    def value(self):
        if self.not_known is not None and self.not_known.isChecked():
            return NOT_KNOWN
        return self.raw()

    def set_value(self, value) -> None:
        blocked = self.blockSignals(True)
        try:
            unknown = value == NOT_KNOWN and self.not_known is not None
            if self.not_known is not None:
                self.not_known.setChecked(unknown)
            self.set_raw(None if unknown else value)
        finally:
            self.blockSignals(blocked)

    def all_inputs(self) -> list[QWidget]:
        return self.inputs() + ([self.not_known] if self.not_known is not None else [])

    def _not_known_toggled(self, on: bool) -> None:
        for widget in self.inputs():
            widget.setEnabled(not on)
        self.changed.emit()

    def _name(self, widget: QWidget) -> QWidget:
        widget.setAccessibleName(self.label_text)
        if self.help_text:
            widget.setToolTip(self.help_text)
            widget.setAccessibleDescription(self.help_text)
        return widget


class LineEditor(FieldEditor):
    PLACEHOLDER = {"date": DATE_HINT, "datetime": DATETIME_HINT, "nhs_number": "10 digits",
                   "postcode": "e.g. ZX1 2AB", "email": "name@example.org", "integer": "a whole number"}

    def build(self, form: dict) -> None:
        self.edit = self._name(QLineEdit())
        self.edit.setPlaceholderText(self.PLACEHOLDER.get(self.field.get("type"), ""))
        self.edit.setMinimumWidth(260 if self.field.get("type") in ("text", "email", None) else 180)
        self.edit.textChanged.connect(self.changed)
        self.row.addWidget(self.edit, 1)
        self.read_back = None
        if self.field.get("type") in ("date", "datetime"):
            # The date read back in words: 05/04/2016 is 5 April, never 4 May.
            self.read_back = QLabel()
            self.read_back.setMinimumWidth(150)
            self.read_back.setStyleSheet(HELP_STYLE)
            self.edit.textChanged.connect(self._read_back)
            self.edit.editingFinished.connect(self._normalise)
            self.row.addWidget(self.read_back)

    def _read_back(self) -> None:
        value = self.raw()
        kind = self.field.get("type")
        if value is None or value == NOT_KNOWN:
            text = ""
        elif kind == "date" and parse_date(str(value)) == value:
            text = spelled_out(value)
        elif kind == "datetime" and parse_datetime(str(value)) == value:
            text = spelled_out(datetime.fromisoformat(value))
        else:
            text = "not a date yet"
        self.read_back.setText(text)

    def _normalise(self) -> None:
        """What was typed (30.11.26) is shown back in the one style (30/11/2026) once the person moves on."""
        value = self.raw()
        if isinstance(value, str) and value != NOT_KNOWN and value != self.edit.text().strip():
            self.set_raw(value)

    def inputs(self) -> list[QWidget]:
        return [self.edit]

    def raw(self):
        text = self.edit.text().strip()
        if not text:
            return None
        kind = self.field.get("type")
        if kind == "date":
            return parse_date(text) or text  # kept as typed: validation names the field
        if kind == "datetime":
            return parse_datetime(text) or text
        if kind == "integer":
            return int(text) if re.fullmatch(r"-?\d{1,9}", text) else text
        return text

    def set_raw(self, value) -> None:
        if value is None:
            self.edit.clear()
            return
        text = str(value)
        kind = self.field.get("type")
        if kind == "date" and parse_date(text) == text:
            text = fmt_date(text)
        elif kind == "datetime" and parse_datetime(text):
            text = fmt_datetime(parse_datetime(text))
        self.edit.setText(text)


class TextAreaEditor(FieldEditor):
    def build(self, form: dict) -> None:
        self.edit = self._name(QPlainTextEdit())
        self.edit.setTabChangesFocus(True)  # Tab leaves the box: keyboard users are never trapped
        self.edit.setFixedHeight(96)  # it scrolls; a page of long boxes would hide the rest of the form
        self.edit.textChanged.connect(self.changed)
        self.row.addWidget(self.edit, 1)

    def inputs(self) -> list[QWidget]:
        return [self.edit]

    def raw(self):
        return self.edit.toPlainText().strip() or None

    def set_raw(self, value) -> None:
        self.edit.setPlainText("" if value is None else str(value))


class ChoiceEditor(FieldEditor):
    """Choices and yes / no / not known: a combo box (type the first letters to pick)."""

    def options(self, form: dict) -> list[tuple[str, str]]:
        if self.field.get("type") == "yesno":
            return [("yes", "Yes"), ("no", "No"), (NOT_KNOWN, "Not known")]
        return choices(form, self.field)

    def build(self, form: dict) -> None:
        self.combo = self._name(QComboBox())
        self.combo.addItem("— choose —", None)
        for value, label in self.options(form):
            self.combo.addItem(label, value)
        self.combo.setMinimumWidth(180)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.currentIndexChanged.connect(self.changed)
        self.row.addWidget(self.combo, 1)

    def inputs(self) -> list[QWidget]:
        return [self.combo]

    def raw(self):
        return self.combo.currentData()

    def set_raw(self, value) -> None:
        index = self.combo.findData(value) if value is not None else 0
        if index < 0 and value is not None:  # a value the current form no longer lists: keep it, visibly
            self.combo.addItem(f"{value} (not in this form)", value)
            index = self.combo.count() - 1
        self.combo.setCurrentIndex(max(index, 0))


class BoolEditor(FieldEditor):
    def build(self, form: dict) -> None:
        self.box = self._name(QCheckBox("Yes"))
        self.box.toggled.connect(self.changed)
        self.row.addWidget(self.box)
        self.row.addStretch(1)

    def inputs(self) -> list[QWidget]:
        return [self.box]

    def raw(self):
        return self.box.isChecked()

    def set_raw(self, value) -> None:
        self.box.setChecked(value is True)


class MultiChoiceEditor(FieldEditor):
    """A checkable list: arrow keys move, Space ticks."""

    def build(self, form: dict) -> None:
        self.list = self._name(QListWidget())
        for value, label in choices(form, self.field):
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, value)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.setMaximumHeight(min(160, 24 * max(2, self.list.count()) + 8))
        self.list.itemChanged.connect(lambda _item: self.changed.emit())
        self.row.addWidget(self.list, 1)

    def inputs(self) -> list[QWidget]:
        return [self.list]

    def raw(self):
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    def set_raw(self, value) -> None:
        chosen = set(value or [])
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in chosen
                               else Qt.CheckState.Unchecked)


EDITORS = {"multiline": TextAreaEditor, "choice": ChoiceEditor, "yesno": ChoiceEditor, "bool": BoolEditor,
           "multichoice": MultiChoiceEditor}


def make_editor(field: dict, form: dict, doc: dict | None = None) -> FieldEditor:
    editor = EDITORS.get(field.get("type"), LineEditor)(field, form, doc=doc)
    if field.get("computed"):  # worked out from other answers (e.g. the confirmation deadline): shown, not typed
        for widget in editor.inputs():
            if isinstance(widget, QLineEdit):
                widget.setReadOnly(True)
    return editor


# ---- a group of fields bound to one object ---------------------------------------------------------
