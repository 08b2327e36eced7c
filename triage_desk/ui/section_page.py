"""One section of the referral form as a wizard page: a FieldGroup lays out a section's editors with their
inline messages and re-evaluates visibility conditions on every change; repeat sections (subjects,
agencies) show the items as a list with Add / Edit / Remove and edit the chosen item in place below it.

Pages follow the step-page contract of `wizard_pages`: `load(doc)`, `store(doc)`, `problems()`, `changed`.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from triage_desk.forms.form import Form, get_path, is_visible, set_path
from triage_desk.ui.field_editors import (
    FIELD_ERROR_STYLE,
    HELP_STYLE,
    NOT_KNOWN,
    FieldEditor,
    make_editor,
    new_item,
)


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
