"""One section of the referral form, rendered from the form definition (forms/marf_default.json).

Each field type has one editor; every input carries its label as accessible name, a visible help line
and a tooltip, a required marker, and an inline message naming the field when validation objects.
Visibility conditions are re-evaluated on every change. Repeat sections (subjects, agencies) show the
items as a list with Add / Edit / Remove and edit the chosen item in place below the list.

Pages follow the step-page contract of `wizard_pages`: `load(doc)`, `store(doc)`, `problems()`, `changed`.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from triage_desk.forms.form import Form, get_path, is_visible, set_path

NOT_KNOWN = "not_known"
HELP_STYLE = "QLabel { color: #4a4a4a; }"
FIELD_ERROR_STYLE = "QLabel { color: #8a1c1c; font-weight: bold; }"
_UK_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
_UK_DATETIME = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})[ T,]+(\d{1,2}):(\d{2})\s*$")


def parse_date(text: str) -> str | None:
    """ISO date from 'YYYY-MM-DD' or the UK '5/4/2016'; None when it is not a date."""
    text = text.strip()
    m = _UK_DATE.match(text)
    try:
        if m:
            return date(int(m[3]), int(m[2]), int(m[1])).isoformat()
        return date.fromisoformat(text).isoformat() if len(text) == 10 else None
    except ValueError:
        return None


def parse_datetime(text: str) -> str | None:
    text = text.strip()
    m = _UK_DATETIME.match(text)
    try:
        if m:
            return datetime(int(m[3]), int(m[2]), int(m[1]), int(m[4]), int(m[5])).isoformat(timespec="minutes")
        return datetime.fromisoformat(text.replace(" ", "T")).isoformat(timespec="minutes") if text else None
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
    PLACEHOLDER = {"date": "DD/MM/YYYY", "datetime": "DD/MM/YYYY HH:MM", "nhs_number": "10 digits",
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
            self.row.addWidget(self.read_back)

    def _read_back(self) -> None:
        value = self.raw()
        kind = self.field.get("type")
        if value is None or value == NOT_KNOWN:
            text = ""
        elif kind == "date" and parse_date(str(value)) == value:
            d = date.fromisoformat(value)
            text = f"{d:%a} {d.day} {d:%B %Y}"  # no %-d: it does not exist on Windows
        elif kind == "datetime" and parse_datetime(str(value)) == value:
            d = datetime.fromisoformat(value)
            text = f"{d:%a} {d.day} {d:%b %Y, %H:%M}"
        else:
            text = "not a date yet"
        self.read_back.setText(text)

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
            text = date.fromisoformat(text).strftime("%d/%m/%Y")
        elif kind == "datetime" and parse_datetime(text):
            text = datetime.fromisoformat(parse_datetime(text)).strftime("%d/%m/%Y %H:%M")
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
class FieldGroup(QWidget):
    """The fields of a section (or of one repeat item) bound to a dict inside the document."""

    changed = Signal()

    def __init__(self, fields: list[dict], form: dict, parent: QWidget | None = None, doc: dict | None = None):
        super().__init__(parent)
        self.form = form
        self.wording = doc  # the variant decides the wording (adult labels)
        self.fields = fields
        self.obj: dict = {}
        self.doc: dict = {}
        # A grid, not QFormLayout: wrapped help and messages get their full height at any width.
        self.layout_ = QGridLayout(self)
        self.layout_.setColumnStretch(1, 1)
        self.layout_.setHorizontalSpacing(12)
        self.layout_.setVerticalSpacing(3)
        self.editors: dict[str, FieldEditor] = {}
        self.errors: dict[str, QLabel] = {}
        self.rows: dict[str, list[QWidget]] = {}
        self.shown: dict[str, bool] = {}
        for field in fields:
            self._add_row(field)

    def _add_row(self, field: dict) -> None:
        editor = make_editor(field, self.form, self.wording)
        required = field.get("required") in ("yes", "or_unknown")
        label = QLabel(editor.label_text + (" *" if required else ""))
        label.setBuddy(editor.inputs()[0])
        label.setWordWrap(True)
        label.setMinimumWidth(150)
        label.setMaximumWidth(240)
        label.setContentsMargins(0, 4, 0, 0)
        if required:
            label.setToolTip("Required" + (" (or tick Not known)" if field.get("required") == "or_unknown" else ""))
            for widget in editor.inputs():
                widget.setAccessibleDescription(("Required. " + widget.accessibleDescription()).strip())
        row = self.layout_.rowCount()
        top = Qt.AlignmentFlag.AlignTop
        self.layout_.addWidget(label, row, 0, top)
        self.layout_.addWidget(editor, row, 1)
        widgets: list[QWidget] = [label, editor]
        if editor.help_text:
            help_label = QLabel(editor.help_text)
            help_label.setWordWrap(True)
            help_label.setStyleSheet(HELP_STYLE)
            font = help_label.font()
            font.setPointSizeF(max(7.5, font.pointSizeF() - 1))
            help_label.setFont(font)
            self.layout_.addWidget(help_label, row + 1, 1)
            widgets.append(help_label)
        error = QLabel()
        error.setWordWrap(True)
        error.setStyleSheet(FIELD_ERROR_STYLE)
        error.setTextFormat(Qt.TextFormat.PlainText)
        error.hide()
        self.layout_.addWidget(error, row + 2, 1)
        spacer = QWidget()
        spacer.setFixedHeight(6)
        self.layout_.addWidget(spacer, row + 3, 1)
        widgets.append(spacer)
        self.editors[field["path"]] = editor
        self.errors[field["path"]] = error
        self.rows[field["path"]] = widgets
        self.shown[field["path"]] = True
        editor.changed.connect(lambda f=field, e=editor: self._edited(f, e))

    def bind(self, obj: dict, doc: dict) -> None:
        self.obj, self.doc = obj, doc
        for path, editor in self.editors.items():
            editor.set_value(get_path(obj, path))
        self.refresh_visibility()

    def _edited(self, field: dict, editor: FieldEditor) -> None:
        set_path(self.obj, field["path"], editor.value())
        self.refresh_visibility()
        self.changed.emit()

    def refresh_visibility(self) -> None:
        for field in self.fields:
            path = field["path"]
            shown = is_visible(field.get("visible_if"), self.obj, self.doc)
            if field.get("visible_any"):  # the UI's own record fields: shown when any condition holds
                shown = any(is_visible(c, self.obj, self.doc) for c in field["visible_any"])
            if shown != self.shown[path]:
                self.shown[path] = shown
                for widget in self.rows[path]:
                    widget.setVisible(shown)
                self.errors[path].setVisible(shown and bool(self.errors[path].text()))

    def input_widgets(self) -> list[QWidget]:
        """Inputs in page order (the tab order)."""
        return [w for path in self.editors for w in self.editors[path].all_inputs()]

    def show_problems(self, problems: dict[str, str]) -> None:
        """problems: field path (relative) -> message (the validator's words name the field)."""
        for path, label in self.errors.items():
            message = problems.get(path)
            label.setText(message or "")
            label.setVisible(bool(message) and self.shown[path])

    def sync_computed(self) -> None:
        """Show values worked out from other answers (they change when those answers do)."""
        for field in self.fields:
            if field.get("computed"):
                self.editors[field["path"]].set_value(get_path(self.obj, field["path"]))

    def focus_path(self, path: str) -> bool:
        editor = self.editors.get(path)
        if editor is None:
            return False
        target = editor.inputs()[0] if editor.inputs()[0].isEnabled() else editor.all_inputs()[-1]
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        return True


def chain(widgets: list[QWidget]) -> None:
    for first, second in zip(widgets, widgets[1:], strict=False):
        QWidget.setTabOrder(first, second)


# ---- section pages ---------------------------------------------------------------------------------
class SectionPage(QWidget):
    """A plain (non-repeating) section: its fields bound to `doc[section.path]`."""

    changed = Signal()

    def __init__(self, ws, section: dict, form: dict, parent: QWidget | None = None, doc: dict | None = None):
        super().__init__(parent)
        self.ws, self.section, self.form = ws, section, form
        self.wording = doc
        self.doc: dict = {}
        self.problem_map: dict[str, str] = {}
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(0, 0, 0, 0)
        if Form.help(section, doc):
            intro = QLabel(Form.help(section, doc))
            intro.setWordWrap(True)
            self.outer.addWidget(intro)
        self.build()
        self.outer.addStretch(1)

    def build(self) -> None:
        self.group = FieldGroup(self.section.get("fields") or [], self.form, doc=self.wording)
        self.group.changed.connect(self.changed)
        self.outer.addWidget(self.group)

    def load(self, doc: dict) -> None:
        self.doc = doc
        obj = doc.get(self.section["path"])
        if not isinstance(obj, dict):
            obj = doc[self.section["path"]] = {}
        self.group.bind(obj, doc)
        chain(self.group.input_widgets())

    def store(self, doc: dict) -> None:
        doc[self.section["path"]] = self.group.obj  # the editors write through as you type

    def problems(self) -> list[str]:
        return [f"{self.section['path']}.{path}: {msg}" for path, msg in self.problem_map.items()]

    def input_widgets(self) -> list[QWidget]:
        return self.group.input_widgets()

    def show_problems(self, problems: dict[str, str]) -> None:
        """problems: path below the section ("name", "0.dob") -> message."""
        self.problem_map = problems
        self.group.show_problems(problems)

    def focus_path(self, path: str) -> bool:
        return self.group.focus_path(path)

    def first_input(self) -> QWidget | None:
        widgets = [w for w in self.input_widgets() if w.isVisibleTo(self) and w.isEnabled()]
        return widgets[0] if widgets else None


class RepeatPage(SectionPage):
    """A repeating section (subjects, agencies): a list with Add / Edit / Remove, the chosen item below."""

    current_changed = Signal()

    def build(self) -> None:
        title = self.section.get("title", "Items")
        noun = self.noun()
        self.items = QListWidget()
        self.items.setAccessibleName(title)
        self.items.setMaximumHeight(96)
        self.add_button = QPushButton(f"&Add {noun}")
        self.add_button.setAccessibleName(f"Add {noun}")
        self.edit_button = QPushButton("&Edit")
        self.edit_button.setAccessibleName(f"Edit the chosen {noun}")
        self.remove_button = QPushButton("&Remove")
        self.remove_button.setAccessibleName(f"Remove the chosen {noun}")
        for button in (self.add_button, self.edit_button, self.remove_button):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.empty_note = QLabel(f"No {noun} yet: press Add {noun} (Alt+A).")
        self.list_message = QLabel()
        self.list_message.setStyleSheet(FIELD_ERROR_STYLE)
        self.list_message.setWordWrap(True)
        self.list_message.hide()
        self.group = FieldGroup(self.section.get("fields") or [], self.form, doc=self.wording)
        self.group.changed.connect(self._item_edited)
        self.outer.addWidget(self.items)
        self.outer.addLayout(buttons)
        self.outer.addWidget(self.empty_note)
        self.outer.addWidget(self.list_message)
        self.outer.addWidget(self.group)
        self.items.currentRowChanged.connect(self._select)
        self.add_button.clicked.connect(self.add_item)
        self.edit_button.clicked.connect(self.edit_item)
        self.remove_button.clicked.connect(self.remove_item)
        self.extra = QVBoxLayout()  # the subjects page puts the match panel here
        self.outer.addLayout(self.extra)

    def noun(self) -> str:
        return self.section.get("item_noun") or self.section.get("title", "item").rstrip("s").lower() or "item"

    def list_obj(self) -> list:
        items = self.doc.get(self.section["path"])
        if not isinstance(items, list):
            items = self.doc[self.section["path"]] = []
        return items

    def load(self, doc: dict) -> None:
        self.doc = doc
        row = max(self.items.currentRow(), 0)
        self._refill(min(row, len(self.list_obj()) - 1))

    def store(self, doc: dict) -> None:
        doc[self.section["path"]] = self.list_obj()

    def _label(self, item: dict, n: int) -> str:
        pattern = self.section.get("item_label") or "{n}"
        values = {k: (v if isinstance(v, str) and v != NOT_KNOWN else "") for k, v in item.items()}
        text = re.sub(r"\{(\w+)\}", lambda m: str(values.get(m[1], "")), pattern.replace("{n}", str(n + 1)))
        return " ".join(text.split()) or f"({self.noun().capitalize()} {n + 1}, no name yet)"

    def _refill(self, row: int) -> None:
        blocked = self.items.blockSignals(True)
        self.items.clear()
        for n, item in enumerate(self.list_obj()):
            self.items.addItem(self._label(item, n))
        self.items.blockSignals(blocked)
        has = bool(self.list_obj())
        self.edit_button.setEnabled(has)
        self.remove_button.setEnabled(has)
        self.empty_note.setVisible(not has)
        self.items.setCurrentRow(row if has else -1)
        self._select(row if has else -1)
        self._chain()

    def _chain(self) -> None:
        chain([self.items, self.add_button, self.edit_button, self.remove_button, *self.group.input_widgets()])

    def current(self) -> dict | None:
        row = self.items.currentRow()
        items = self.list_obj()
        return items[row] if 0 <= row < len(items) else None

    def _select(self, row: int) -> None:
        item = self.current()
        self.group.setVisible(item is not None)
        if item is not None:
            self.group.bind(item, self.doc)
            self._show_item_problems()
        self.current_changed.emit()

    def _item_edited(self) -> None:
        row = self.items.currentRow()
        if 0 <= row < self.items.count():
            self.items.item(row).setText(self._label(self.current(), row))
        self.changed.emit()

    def add_item(self) -> None:
        self.list_obj().append(new_item(self.section, self.doc))
        self._refill(len(self.list_obj()) - 1)
        self.changed.emit()
        self.edit_item()

    def edit_item(self) -> None:
        first = next((w for w in self.group.input_widgets() if w.isVisibleTo(self) and w.isEnabled()), None)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def remove_item(self) -> None:
        row = self.items.currentRow()
        if 0 <= row < len(self.list_obj()):
            del self.list_obj()[row]
            self._refill(min(row, len(self.list_obj()) - 1))
            self.changed.emit()
            (self.items if self.list_obj() else self.add_button).setFocus()

    def input_widgets(self) -> list[QWidget]:
        return [self.items, *self.group.input_widgets()]

    def show_problems(self, problems: dict[str, str]) -> None:
        self.problem_map = problems
        self._show_item_problems()

    def _show_item_problems(self) -> None:
        prefix = f"{self.items.currentRow()}."
        self.group.show_problems({k[len(prefix):]: v for k, v in self.problem_map.items() if k.startswith(prefix)})
        whole = self.problem_map.get("")
        self.list_message.setText(whole or "")
        self.list_message.setVisible(bool(whole))

    def focus_path(self, path: str) -> bool:
        head, _, rest = path.partition(".")
        if head.isdigit() and int(head) < self.items.count():
            self.items.setCurrentRow(int(head))
            return self.group.focus_path(rest) if rest else (self.items.setFocus() or True)
        (self.add_button if not self.list_obj() else self.items).setFocus()
        return True


def page_for(ws, section: dict, form: dict, doc: dict | None = None) -> SectionPage:
    return (RepeatPage if section.get("repeat") else SectionPage)(ws, section, form, doc=doc)
