"""The "Agency checks" tab of a case: request checks from partners, see what is outstanding or overdue,
record answers, and record information-sharing decisions against the seven golden rules.

All rules live in `triage_desk.checks` (refusals come back as errors shown in the panel, in words);
this widget only collects input and shows state. Overdue is said in text, not only by colour.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from triage_desk.errors import TriageError
from triage_desk.ui import operations
from triage_desk.ui.check_dialogs import CancelDialog, ResponseDialog, SharingDecisionDialog, when_text
from triage_desk.ui.widgets import (
    ErrorLabel,
    chain_tab_order,
    heading,
    make_plain,
    note,
    record_table,
    scroll_contents,
    text_box,
)

OVERDUE_TINT = QColor("#fde2e1")
CHECK_COLUMNS = ("Partner", "Requested", "Due", "Status", "Response")
CONSENT_TEXT = {
    "given": "Consent to agency checks: given.",
    "refused": "Consent to agency checks: refused. Checks need a practice lead's recorded decision.",
    "withdrawn": "Consent to agency checks: withdrawn. New checks need a practice lead's recorded decision.",
    "not_sought": "Consent to agency checks: not sought. Checks need a practice lead's recorded decision.",
    "unknown": "Consent to agency checks: not recorded. Checks need a practice lead's recorded decision.",
}


class ChecksPanel(QWidget):
    """Agency checks for one referral. `reload()` re-reads everything from the store; `changed` is emitted
    after any check or decision is saved (the case view refreshes its header, the case list its counts)."""

    changed = Signal()

    def __init__(self, ws, referral_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws, self.referral_id = ws, referral_id
        self._checks: list[dict] = []
        self._partners: list = []

        self.consent = note("")
        self.consent.setAccessibleName("Consent to checks")
        self.error = ErrorLabel()
        self.status = note("")
        self.status.setAccessibleName("Last action")
        operations.events().workspace_changed.connect(self.on_workspace_changed)

        self._lay_out(self._request_box(), self._checks_box())
        chain_tab_order(self.partner_list, self.lead_decision, self.lead_reason, self.request_button, self.table,
                        self.respond_button, self.cancel_button, self.share_button)
        self.reload()

    def _request_box(self) -> QGroupBox:
        request_box = QGroupBox("Request checks")
        rlay = QVBoxLayout(request_box)
        partners_label = QLabel("&Partners to ask (h: working hours to answer; only partners with a signed "
                                "information-sharing agreement can be asked):")
        partners_label.setWordWrap(True)
        self.partner_list = QListWidget()
        self.partner_list.setAccessibleName("Partners to ask")
        self.partner_list.setMinimumHeight(150)
        self.partner_list.setMinimumWidth(340)
        partners_label.setBuddy(self.partner_list)
        self.lead_decision = QCheckBox("Check &without consent (my decision as practice lead)")
        self.lead_decision.setAccessibleName("Check without consent, practice-lead decision")
        self.lead_reason = text_box("Reason for checking without consent", "Reason (recorded with each check)",
                                    max_height=60)
        self.lead_reason.setEnabled(False)
        self.lead_decision.toggled.connect(self.lead_reason.setEnabled)
        self.request_button = QPushButton("&Request checks")
        self.request_button.clicked.connect(self.request_selected)
        rlay.addWidget(partners_label)
        rlay.addWidget(self.partner_list, 1)
        rlay.addWidget(self.lead_decision)
        rlay.addWidget(self.lead_reason)
        rlay.addWidget(self.request_button, 0, Qt.AlignmentFlag.AlignLeft)
        return request_box

    def _checks_box(self) -> QGroupBox:
        checks_box = QGroupBox("Checks on this referral")
        clay = QVBoxLayout(checks_box)
        self.summary = note("")
        self.summary.setAccessibleName("Checks summary")
        self._build_table()
        self.respond_button = QPushButton("Record r&esponse…")
        self.respond_button.clicked.connect(self.respond_selected)
        self.cancel_button = QPushButton("Ca&ncel check…")
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.share_button = QPushButton("Record &sharing decision…")
        self.share_button.clicked.connect(self.record_sharing_decision)
        buttons = QHBoxLayout()
        for b in (self.respond_button, self.cancel_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.share_button)
        self.decisions = note("")
        self.decisions.setAccessibleName("Sharing decisions")
        make_plain(self.decisions, selectable=True)
        clay.addWidget(self.summary)
        clay.addWidget(self.table, 1)
        clay.addLayout(buttons)
        clay.addWidget(QLabel("Sharing decisions:"))
        clay.addWidget(self.decisions)
        return checks_box

    def _build_table(self) -> None:
        self.table = record_table(CHECK_COLUMNS, "Agency checks")
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(0, 190)  # long partner names wrap rather than push the response off screen
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header.sectionResized.connect(lambda *_: self.table.resizeRowsToContents())  # wrapped text fits
        self.table.itemSelectionChanged.connect(self._update_buttons)

    def _lay_out(self, request_box: QGroupBox, checks_box: QGroupBox) -> None:
        top = QHBoxLayout()
        top.addWidget(request_box, 0)
        top.addWidget(checks_box, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Agency checks", 2))
        layout.addWidget(self.consent)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addLayout(top, 1)
        scroll_contents(self)

    # ------------------------------------------------------------ state

    def _is_lead(self) -> bool:
        return getattr(self.ws.user, "role", None) == "lead"

    def _does_case_work(self) -> bool:
        return getattr(self.ws.user, "role", None) in ("officer", "lead")

    def reload(self) -> None:
        """Re-read partners, checks, sharing decisions and consent off the GUI thread; shown on arrival."""
        from triage_desk import case_access

        ws, referral_id = self.ws, self.referral_id
        operations.query(lambda: case_access.agency_checks(ws, referral_id), self._show, self._failed, parent=self)

    def on_workspace_changed(self, changes: operations.Changes) -> None:
        if changes.touches(operations.CHECK) and changes.about(self.referral_id):
            self.reload()

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, TriageError):
            raise exc
        self.status.setText("")
        self.error.show_error(str(exc))

    def _show(self, state) -> None:
        from triage_desk import sharing

        bases = sharing.lawful_bases()
        self._partners, self._checks = state.partners, state.checks
        decisions, consent = state.sharing_decisions, state.consent
        self.consent.setText(CONSENT_TEXT.get(consent, CONSENT_TEXT["unknown"]))
        lead = self._is_lead()
        self.lead_decision.setVisible(lead)
        self.lead_reason.setVisible(lead)
        self._fill_partners()
        self._fill_checks()
        names = {p.id: p.name for p in self._partners}
        self.decisions.setText("\n".join(
            f"{when_text(d['decided_at'])} {d['decided_by']}: {'shared with' if d['shared'] else 'not shared with'} "
            f"{names.get(d['partner_id'], d['partner_id'] or 'no partner')}"
            f"{' (' + bases.get(d['lawful_basis'], '') + ')' if d['lawful_basis'] else ''}: {d['reason']}"
            for d in decisions) or "None recorded.")
        self._update_buttons()

    def _fill_partners(self) -> None:
        from triage_desk import partners

        chosen = set(self.chosen_partners())
        self.partner_list.clear()
        for p in self._partners:
            if p.isa_status == "signed":
                text = f"{p.name} · {p.check_due_hours} h"
                tip = f"Signed agreement; answer due within {p.check_due_hours} working hours"
            else:
                text = f"{p.name} · NOT SIGNED"
                tip = f"No signed information-sharing agreement ({partners.ISA_STATUSES[p.isa_status].lower()})"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if p.id in chosen else Qt.CheckState.Unchecked)
            if p.isa_status != "signed":
                item.setForeground(QColor("#6b6b6b"))
            item.setToolTip(f"{tip}. Contact: {p.contact_route}" if p.contact_route else tip)
            self.partner_list.addItem(item)

    def _fill_checks(self) -> None:
        from datetime import datetime

        from triage_desk import checks
        from triage_desk.forms.clock import london_now

        now = london_now()
        self.table.setRowCount(len(self._checks))
        open_count = overdue_count = 0
        for row, c in enumerate(self._checks):
            late = False
            if c["status"] == "requested":
                open_count += 1
                left = checks.time_left(datetime.fromisoformat(c["due_at"]), now)
                late = left.startswith("OVERDUE")
                overdue_count += late
                state = left.replace("OVERDUE by", "OVERDUE\nby") if late else f"Awaiting answer\n{left}"
                response = ""
            elif c["status"] == "answered":
                state = f"Answered\n{when_text(c['response_at'])}"
                response = "Nothing known" + (f". {c['summary']}" if c["summary"] else "") if c["nothing_known"] \
                    else (c["summary"] or "")
            else:
                state = f"Cancelled\n{when_text(c['response_at'])}"
                response = ""
            basis = " (lead decision, no consent)" if c["basis"] == "lead_decision" else ""
            cells = (c["partner_name"], f"{when_text(c['requested_at'])}\nby {c['requested_by']}{basis}",
                     when_text(c["due_at"]), state, response)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, c["id"])
                if late:
                    item.setBackground(OVERDUE_TINT)
                self.table.setItem(row, col, item)
        self.table.resizeRowsToContents()
        if not self._checks:
            self.summary.setText("No checks requested yet.")
        else:
            self.summary.setText(f"{open_count} awaiting an answer" + (f", {overdue_count} OVERDUE" if overdue_count
                                                                        else "") + f"; {len(self._checks)} in all.")

    def chosen_partners(self) -> list[str]:
        out = []
        for i in range(self.partner_list.count()):
            item = self.partner_list.item(i)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(Qt.ItemDataRole.UserRole))
        return out

    def set_partner_checked(self, partner_id: str, checked: bool = True) -> None:
        for i in range(self.partner_list.count()):
            item = self.partner_list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == partner_id:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def selected_check(self) -> dict | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        cid = self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        return next((c for c in self._checks if c["id"] == cid), None)

    def select_check(self, partner_id: str) -> None:
        for row, c in enumerate(self._checks):
            if c["partner_id"] == partner_id and c["status"] == "requested":
                self.table.selectRow(row)
                return

    def _update_buttons(self) -> None:
        check = self.selected_check()
        worker = self._does_case_work()
        is_open = bool(check and check["status"] == "requested") and worker
        self.respond_button.setEnabled(is_open)
        self.cancel_button.setEnabled(is_open)
        self.request_button.setEnabled(worker)
        self.share_button.setEnabled(worker)
        only = "" if worker else "Only front-door officers and practice leads request checks and record decisions"
        self.request_button.setToolTip(only)
        self.share_button.setToolTip(only)
        hint = only or ("" if is_open else "Select a check awaiting an answer")
        self.respond_button.setToolTip(hint)
        self.cancel_button.setToolTip(hint)

    # ------------------------------------------------------------ actions

    def request_selected(self) -> None:
        from triage_desk import checks

        self.error.clear_error()
        ids = self.chosen_partners()
        lead = self.lead_decision.isVisible() and self.lead_decision.isChecked()
        ws, referral_id = self.ws, self.referral_id
        basis, note_text = ("lead_decision", self.lead_reason.toPlainText()) if lead else ("consent", None)
        operations.change(lambda: checks.request_checks(ws, referral_id, ids, basis=basis, basis_note=note_text),
                          operations.Changes.of(operations.CHECK, operations.CASE, referral_id=referral_id),
                          lambda made: self._requested(ids, made), self._failed, parent=self)

    def _requested(self, ids: list[str], made: list) -> None:
        for pid in ids:
            self.set_partner_checked(pid, False)
        self.lead_decision.setChecked(False)
        self.lead_reason.clear()
        self.status.setText(f"Requested {len(made)} check{'s' if len(made) != 1 else ''}.")
        self.changed.emit()  # the panel itself re-reads on workspace_changed

    def _run_dialog(self, dialog: QDialog, done: str) -> bool:
        """The dialog saves through ui/operations, which announces the change (this panel re-reads then)."""
        self.error.clear_error()
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return False
        self.status.setText(done)
        self.changed.emit()
        return True

    def respond_selected(self) -> None:
        check = self.selected_check()
        if check is not None:
            self._run_dialog(ResponseDialog(self.ws, check, self), f"Response from {check['partner_name']} saved.")

    def cancel_selected(self) -> None:
        check = self.selected_check()
        if check is not None:
            self._run_dialog(CancelDialog(self.ws, check, self), f"Check to {check['partner_name']} cancelled.")

    def record_sharing_decision(self) -> None:
        check = self.selected_check()
        dialog = SharingDecisionDialog(self.ws, self.referral_id, self._partners, self,
                                       partner_id=check["partner_id"] if check else None)
        self._run_dialog(dialog, "Sharing decision recorded.")
