"""Small dialogs of the Progress panel: what a transition needs, a phone referral's written
confirmation, a dispute and its reviews. Each dialog only gathers words; the panel runs the service
call in the background and shows a refusal inside the dialog, which stays open with what was typed.
"""

from __future__ import annotations

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from triage_desk.formatting import QT_DATETIME
from triage_desk.ui.form_dialog import FormDialog
from triage_desk.ui.widgets import add_row, note

FIELD_LABELS = {"receiving_team": "&Receiving team", "reason": "&Why", "lead_professional": "&Lead professional",
                "to": "Step up &to", "outcome": "&Outcome", "reason_code": "No further action &reason",
                "family_told": "&Family told"}


def _rules() -> dict:
    from triage_desk.forms.threshold import default_context

    return default_context().rules.data


def _text(name: str, multiline: bool = False) -> QWidget:
    box = QPlainTextEdit() if multiline else QLineEdit()
    if multiline:
        box.setTabChangesFocus(True)
        box.setFixedHeight(80)
    box.setAccessibleName(name)
    return box


def _value(widget: QWidget) -> str:
    return widget.toPlainText() if isinstance(widget, QPlainTextEdit) else widget.text()


class TransitionDialog(FormDialog):
    """Asks for exactly what a lifecycle action needs (lifecycle.Transition.needs)."""

    def __init__(self, label: str, action: str, needs: list[str], parent: QWidget | None = None, *,
                 version: int | None = None):
        super().__init__(label, parent)
        self.action = action
        self.version = version  # the case's version the Progress tab showed when this step was chosen
        self.fields: dict[str, QWidget] = {}
        rules = _rules()
        wanted = list(needs) + (["reason_code"] if action == "close" else [])
        if action == "close" or "reason" not in wanted:
            wanted.append("reason")  # optional words on any transition
        for key in wanted:
            if key == "to":
                field = QComboBox()
                field.addItem("Child and family assessment", "assessment")
                field.addItem("Strategy discussion", "strategy_discussion")
            elif key == "outcome":
                field = QComboBox()
                for code, words in rules["outcomes"].items():
                    field.addItem(f"{code} – {words}", code)
                field.currentIndexChanged.connect(self._outcome_changed)
            elif key == "family_told":
                field = QComboBox()
                field.addItem("(choose)", None)
                field.addItem("Yes, the family has been told", True)
                field.addItem("No, not yet", False)
            elif key == "reason_code":
                field = QComboBox()
                field.addItem("(not needed)", None)
                for code, words in rules["nfa_reasons"].items():
                    field.addItem(words, code)
            else:
                field = _text(FIELD_LABELS[key].replace("&", ""), multiline=key == "reason")
            field.setAccessibleName(FIELD_LABELS[key].replace("&", ""))
            add_row(self.form, FIELD_LABELS[key] + ":", field)
            self.fields[key] = field
        self._outcome_changed()

    def conflict(self, conflict) -> None:
        """The case changed elsewhere since the Progress tab showed it (concurrency.Conflict): keep theirs
        (this step is not taken), go ahead from their version, or look again with this form kept open."""
        from triage_desk.ui.conflict_dialog import KEEP_THEIRS, MERGE, OVERWRITE, ask

        def chosen(choice: str | None) -> None:
            if choice is None:
                self.refused(f"Not saved: {conflict}")
                return
            self.version = conflict.version  # from now on knowingly against their version
            if choice == KEEP_THEIRS:
                self.reject()
            elif choice == OVERWRITE:
                self._ok()
            elif choice == MERGE:
                self.refused("The Progress tab now shows the case as they left it: change your entries as needed "
                             "and press OK to go ahead from there.")

        ask(conflict, self, chosen)

    def _outcome_changed(self, *_args) -> None:
        outcome, code = self.fields.get("outcome"), self.fields.get("reason_code")
        if outcome is not None and code is not None:
            code.setEnabled(outcome.currentData() == "NFA")

    def values(self) -> dict:
        out = {}
        for key, field in self.fields.items():
            value = field.currentData() if isinstance(field, QComboBox) else _value(field).strip()
            if key == "family_told" and value is not None:
                out[key] = value
            elif value and (key != "reason_code" or field.isEnabled()):
                out[key] = value
        return out


class ConfirmationDialog(FormDialog):
    """When and how a phone referral's written confirmation arrived."""

    def __init__(self, parent: QWidget | None = None):
        from triage_desk.confirmation import METHODS

        super().__init__("Record written confirmation", parent)
        self.when = QDateTimeEdit(QDateTime.currentDateTime())
        self.when.setDisplayFormat(QT_DATETIME)
        self.when.setCalendarPopup(True)
        self.when.setAccessibleName("Confirmation received at")
        self.how = QComboBox()
        self.how.setAccessibleName("How it arrived")
        for code, words in METHODS.items():
            self.how.addItem(words, code)
        add_row(self.form, "&Received at:", self.when)
        add_row(self.form, "&How:", self.how)

    def values(self) -> dict:
        return {"received_at": self.when.dateTime().toPython().replace(second=0, microsecond=0),
                "how": self.how.currentData()}


class CancelDeadlineDialog(FormDialog):
    """Why an open deadline no longer applies (the reason is kept with it and audited)."""

    def __init__(self, label: str, parent: QWidget | None = None):
        super().__init__(f"Cancel: {label}", parent)
        self.reason = _text("Why it no longer applies", multiline=True)
        add_row(self.form, "&Why it no longer applies:", self.reason)

    def values(self) -> dict:
        return {"reason": _value(self.reason).strip()}


class DisputeDialog(FormDialog):
    """A professional disagrees with the decision: who, their agency and their grounds."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Record a dispute", parent)
        self.fields = {"raised_by": _text("Raised by (role)"), "agency": _text("Their agency"),
                       "grounds": _text("Grounds", multiline=True)}
        for key, label in (("raised_by", "Raised &by (role):"), ("agency", "&Agency:"), ("grounds", "&Grounds:")):
            add_row(self.form, label, self.fields[key])
        self.form.addRow(note("It goes to the MASH manager, then the head of service if not resolved."))

    def values(self) -> dict:
        return {k: _value(v).strip() for k, v in self.fields.items()}


class DisputeReviewDialog(FormDialog):
    """The MASH manager's review (resolve or escalate) or the head of service's outcome."""

    def __init__(self, head_of_service: bool, parent: QWidget | None = None):
        from triage_desk.disputes import OUTCOMES

        super().__init__("Head of service outcome" if head_of_service else "MASH manager review", parent)
        self.head = head_of_service
        self.note = _text("Review note", multiline=True)
        self.result = QComboBox()
        self.result.setAccessibleName("Result")
        if not head_of_service:
            self.result.addItem("Not resolved: escalate to the head of service", None)
            add_row(self.form, "Review &note:", self.note)
        for code, words in OUTCOMES.items():
            self.result.addItem(words, code)
        self.reason = _text("Reason for the outcome", multiline=True)
        add_row(self.form, "&Result:", self.result)
        add_row(self.form, "Reason for the &outcome:", self.reason)

    def values(self) -> dict:
        return {"note": _value(self.note).strip(), "outcome": self.result.currentData(),
                "reason": _value(self.reason).strip()}
