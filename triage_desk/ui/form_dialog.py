"""The one small-form dialog: an optional heading and note, a form, an error line and OK (or Save) /
Cancel. Subclasses fill `self.form`; OK hands `values()` to `on_submit` (the Progress panel's dialogs run
the service call themselves) unless a subclass says otherwise in `_ok` (most submit through
ui/operations). A refusal is shown in the dialog, which stays open with what was typed."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QVBoxLayout, QWidget

from triage_desk.ui.widgets import ErrorLabel, heading, note

Button = QDialogButtonBox.StandardButton


class FormDialog(QDialog):
    """`title` is the window title; `header` (and `intro`) are shown above the form when given."""

    def __init__(self, title: str, parent: QWidget | None = None, *, header: str | None = None,
                 intro: str | None = None, ok: Button = Button.Ok):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.form = QFormLayout()
        self.error = ErrorLabel()
        self.on_submit: Callable[[dict], None] | None = None
        self.buttons = QDialogButtonBox(ok | Button.Cancel)
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)
        self.ok_button = self.buttons.button(ok)
        layout = QVBoxLayout(self)
        if header is not None:
            layout.setContentsMargins(20, 18, 20, 14)
            layout.addWidget(heading(header, 2))
        if intro is not None:
            layout.addWidget(note(intro))
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def values(self) -> dict:
        raise NotImplementedError

    def _ok(self) -> None:
        self.error.clear_error()
        self.ok_button.setEnabled(False)  # one submission at a time; `refused` re-enables it
        if self.on_submit is not None:
            self.on_submit(self.values())

    def refused(self, message: str) -> None:
        self.ok_button.setEnabled(True)
        self.error.show_error(message)
