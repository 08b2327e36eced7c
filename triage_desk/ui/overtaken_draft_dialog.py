"""A draft kept on this PC while the server was away whose server copy was submitted meanwhile
(local_drafts.Overtaken): said once, in words, at sign-in; the typed text is saved as a new draft or
discarded, and either way the kept copy goes, so it is never offered again."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from triage_desk import local_drafts
from triage_desk.ui import operations
from triage_desk.ui.widgets import ErrorLabel, heading, note

SAVE_AS_NEW, DISCARD = "save_as_new", "discard"


class OvertakenDraftDialog(QDialog):
    """Non-modal to the event loop (open(), never exec()); `done_with(choice, new_doc_or_None)` once the
    choice has landed. Closing the window keeps the typed text as a new draft: nothing is lost by it."""

    def __init__(self, ws, overtaken: local_drafts.Overtaken, parent: QWidget | None = None, *,
                 done_with: Callable[[str, dict | None], None] | None = None):
        super().__init__(parent)
        self.ws, self.overtaken, self.done_with = ws, overtaken, done_with
        self.choice: str | None = None
        self.setWindowTitle("Offline changes not applied - Triage Desk")
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton("&Save my typed text as a new draft",
                                                  QDialogButtonBox.ButtonRole.AcceptRole)
        self.discard_button = self.buttons.addButton("&Discard my offline changes",
                                                     QDialogButtonBox.ButtonRole.DestructiveRole)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(lambda: self._choose(SAVE_AS_NEW))
        self.discard_button.clicked.connect(lambda: self._choose(DISCARD))
        self.error = ErrorLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Your offline changes were not applied", 3))
        self.explanation = note(overtaken.explanation)
        self.explanation.setAccessibleName("What happened")
        layout.addWidget(self.explanation)
        layout.addWidget(note("What you typed while the server was away is still kept on this PC. Save it as a new "
                              "draft (with a new reference) to carry on with it, or discard it. Either way it will "
                              "not be offered again. Closing this window saves it as a new draft."))
        layout.addWidget(self.error)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(560)

    def reject(self) -> None:  # Esc or the close button: nothing typed is lost
        self._choose(SAVE_AS_NEW)

    def _choose(self, choice: str) -> None:
        if not self.isEnabled():
            return  # the choice is already on its way
        self.setEnabled(False)
        self.error.clear_error()
        ws, overtaken = self.ws, self.overtaken
        if choice == SAVE_AS_NEW:
            work = lambda: local_drafts.save_as_new(ws, overtaken)[0]  # noqa: E731 - one line of work
        else:
            work = lambda: local_drafts.discard(ws, overtaken)  # noqa: E731

        def landed(result) -> None:
            self.choice = choice
            self.accept()
            if self.done_with is not None:
                self.done_with(choice, result if choice == SAVE_AS_NEW else None)

        def failed(exc: BaseException) -> None:
            self.setEnabled(True)
            operations.show_refusal(exc, self.error)

        operations.change(work, operations.Changes.of(operations.DRAFT), landed, failed, parent=self)


def explain_overtaken(ws, overtaken: list[local_drafts.Overtaken], parent: QWidget | None,
                      opened_new: Callable[[dict], None], then: Callable[[], None]) -> None:
    """One window at a time (open(), not exec(): no nested event loop); a text saved as a new draft is handed
    to `opened_new(doc)` (the wizard opens on it); after the last, `then()` goes on with the other drafts."""
    first, rest = overtaken[0], overtaken[1:]

    def chosen(choice: str, new_doc: dict | None) -> None:
        if new_doc is not None:
            opened_new(new_doc)
        if rest:
            explain_overtaken(ws, rest, parent, opened_new, then)
        else:
            then()

    dialog = OvertakenDraftDialog(ws, first, parent, done_with=chosen)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
