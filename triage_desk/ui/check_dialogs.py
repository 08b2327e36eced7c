"""Dialogs of the Agency checks tab: a partner's response, cancelling a check, and a sharing decision
made against the seven golden rules."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from triage_desk.formatting import fmt_datetime
from triage_desk.ui import operations
from triage_desk.ui.widgets import ErrorLabel, add_row, chain_tab_order, heading, make_plain, note, text_box


def when_text(iso: str | None) -> str:
    return fmt_datetime(iso) if iso else ""


def _text_box(name: str, placeholder: str = "") -> QPlainTextEdit:
    return text_box(name, placeholder, min_height=70)


def _requested_line(check: dict) -> QLabel:
    return make_plain(QLabel(f"{check['partner_name']}, requested {when_text(check['requested_at'])}"))


class _Dialog(QDialog):
    """A small modal form; `prepare()` reads it and returns the service call, run through ui/operations;
    errors stay in the dialog."""

    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.error = ErrorLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(20, 18, 20, 14)
        self.body.addWidget(heading(title, 2))

    def finish(self) -> None:
        self.body.addWidget(self.error)
        self.body.addWidget(self.buttons)

    def prepare(self) -> Callable[[], object]:
        raise NotImplementedError

    def _submit(self) -> None:
        operations.submit(self, self.error, self.prepare, operations.Changes.of(operations.CHECK),
                          conflict=self._conflict)

    def _conflict(self, conflict) -> None:
        """Someone answered or cancelled this check since the list showed it: keep theirs, overwrite, or
        change this form beside theirs (the list behind shows their answer)."""
        from triage_desk.ui.conflict_dialog import KEEP_THEIRS, MERGE, OVERWRITE, ask

        def chosen(choice: str | None) -> None:
            if choice is None:
                self.error.show_error(f"Not saved: {conflict}")
                return
            self.check = dict(getattr(self, "check", {}), version=conflict.version)  # knowingly, from now on
            operations.announce(operations.Changes.of(operations.CHECK))  # the list behind shows theirs
            if choice == KEEP_THEIRS:
                self.reject()
            elif choice == OVERWRITE:
                self._submit()
            elif choice == MERGE:
                self.error.show_error("Their answer is now shown in the case's list of checks: change yours as "
                                      "needed and save again.")

        ask(conflict, self, chosen)


class ResponseDialog(_Dialog):
    """A partner's answer: "nothing known" or a summary of what they hold."""

    def __init__(self, ws, check: dict, parent=None):
        super().__init__("Record response", parent)
        self.ws, self.check = ws, check
        self.body.addWidget(_requested_line(check))
        self.nothing_known = QRadioButton("&Nothing known to this partner")
        self.nothing_known.setAccessibleName("Nothing known")
        self.information = QRadioButton("The partner &holds information:")
        self.information.setAccessibleName("Partner holds information")
        self.information.setChecked(True)
        self.summary = _text_box("Summary of what the partner holds", "What the partner holds, in brief")
        self.nothing_known.toggled.connect(lambda on: self.summary.setPlaceholderText(
            "Optional note" if on else "What the partner holds, in brief"))
        for w in (self.nothing_known, self.information, self.summary):
            self.body.addWidget(w)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Save response")
        self.finish()
        self.setMinimumWidth(460)
        chain_tab_order(self.nothing_known, self.information, self.summary, ok)

    def prepare(self) -> Callable[[], object]:
        from triage_desk import checks

        ws, check_id, version = self.ws, self.check["id"], self.check.get("version")
        nothing_known, summary = self.nothing_known.isChecked(), self.summary.toPlainText()
        return lambda: checks.record_response(ws, check_id, nothing_known=nothing_known, summary=summary,
                                              expected_version=version)


class CancelDialog(_Dialog):
    def __init__(self, ws, check: dict, parent=None):
        super().__init__("Cancel check", parent)
        self.ws, self.check = ws, check
        self.body.addWidget(_requested_line(check))
        form = QFormLayout()
        self.reason = _text_box("Reason for cancelling")
        self.reason.setMinimumHeight(50)
        add_row(form, "&Reason:", self.reason)
        self.body.addLayout(form)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Cancel &check")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("&Keep it")
        self.finish()

    def prepare(self) -> Callable[[], object]:
        from triage_desk import checks

        ws, check_id, reason, version = self.ws, self.check["id"], self.reason.toPlainText(), self.check.get("version")
        return lambda: checks.cancel_check(ws, check_id, reason, expected_version=version)


class SharingDecisionDialog(_Dialog):
    """The seven golden rules as a checklist (each answered yes or no), shared yes/no, reason, lawful basis."""

    def __init__(self, ws, referral_id: str, partners: list, parent=None, partner_id: str | None = None):
        from triage_desk import sharing

        super().__init__("Record sharing decision", parent)
        self.ws, self.referral_id = ws, referral_id
        form = QFormLayout()
        self.partner = QComboBox()
        self.partner.setAccessibleName("Partner")
        self.partner.addItem("Choose the partner…", None)
        for p in partners:
            self.partner.addItem(p.name, p.id)
        if partner_id is not None:
            self.partner.setCurrentIndex(max(0, self.partner.findData(partner_id)))
        add_row(form, "&Partner:", self.partner)
        self.body.addLayout(form)

        rules_box, order = self._rules_box(sharing.golden_rules())
        self.body.addWidget(rules_box)
        self.body.addWidget(note("Hover over a rule, or select it and press Shift+F1, for the full guidance "
                                 "(HM Government, Information sharing, 2018)."))
        self.body.addLayout(self._decision_form(sharing.lawful_bases()))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Save &decision")
        self.finish()
        chain_tab_order(self.partner, *order, self.shared_yes, self.shared_no, self.reason, self.lawful_basis, ok)
        self.resize(max(self.sizeHint().width(), 720), self.sizeHint().height())

    def _rules_box(self, rules) -> tuple[QGroupBox, list[QWidget]]:
        """Each golden rule with Yes / No, neither chosen: the officer answers every one."""
        rules_box = QGroupBox("The seven golden rules of information sharing: answer each one")
        grid = QGridLayout(rules_box)
        grid.setColumnStretch(0, 1)
        self.rule_groups: dict[str, QButtonGroup] = {}
        self.rule_buttons: dict[str, tuple[QRadioButton, QRadioButton]] = {}
        order: list[QWidget] = []
        for row, rule in enumerate(rules):
            label = QLabel(f"{row + 1}. {rule.text}")
            label.setWordWrap(True)
            label.setToolTip(rule.help)
            label.setWhatsThis(rule.help)
            yes, no = QRadioButton("Yes"), QRadioButton("No")
            yes.setAccessibleName(f"Rule {row + 1} yes: {rule.text}")
            no.setAccessibleName(f"Rule {row + 1} no: {rule.text}")
            yes.setAccessibleDescription(rule.help)
            yes.setWhatsThis(rule.help)
            yes.setToolTip(rule.help)
            group = QButtonGroup(self)
            group.addButton(yes)
            group.addButton(no)
            self.rule_groups[rule.id] = group
            self.rule_buttons[rule.id] = (yes, no)
            grid.addWidget(label, row, 0)
            grid.addWidget(yes, row, 1)
            grid.addWidget(no, row, 2)
            order += [yes, no]
        return rules_box, order

    def _decision_form(self, lawful_bases: dict) -> QFormLayout:
        form2 = QFormLayout()
        shared_row = QWidget()
        lay = QHBoxLayout(shared_row)
        lay.setContentsMargins(0, 0, 0, 0)
        self.shared_yes = QRadioButton("&Share")
        self.shared_yes.setAccessibleName("Information is shared")
        self.shared_no = QRadioButton("&Do not share")
        self.shared_no.setAccessibleName("Information is not shared")
        self.shared_group = QButtonGroup(self)
        self.shared_group.addButton(self.shared_yes)
        self.shared_group.addButton(self.shared_no)
        lay.addWidget(self.shared_yes)
        lay.addWidget(self.shared_no)
        lay.addStretch(1)
        decision_label = QLabel("Decision:")
        decision_label.setBuddy(self.shared_yes)
        form2.addRow(decision_label, shared_row)
        self.reason = _text_box("Reason for the decision", "Why, whether shared or not")
        self.reason.setMaximumHeight(110)
        add_row(form2, "&Reason:", self.reason)
        self.lawful_basis = QComboBox()
        self.lawful_basis.setAccessibleName("Lawful basis")
        self.lawful_basis.addItem("Not given (information not shared)", "")
        for code, label in lawful_bases.items():
            self.lawful_basis.addItem(label, code)
        add_row(form2, "&Lawful basis:", self.lawful_basis)
        return form2

    def set_rule(self, rule_id: str, value: bool) -> None:
        self.rule_buttons[rule_id][0 if value else 1].setChecked(True)

    def answers(self) -> dict:
        out = {}
        for rid, (yes, no) in self.rule_buttons.items():
            if yes.isChecked() or no.isChecked():
                out[rid] = yes.isChecked()
        return out

    def prepare(self) -> Callable[[], object]:
        from triage_desk import sharing
        from triage_desk.errors import InputError

        if self.partner.currentData() is None:
            raise InputError("partner: choose the partner the decision is about")
        if not (self.shared_yes.isChecked() or self.shared_no.isChecked()):
            raise InputError("decision: choose Share or Do not share")
        args = (self.ws, self.referral_id, self.partner.currentData(), self.shared_yes.isChecked(),
                self.reason.toPlainText(), self.answers(), self.lawful_basis.currentData() or None)
        return lambda: sharing.record_sharing_decision(*args)
