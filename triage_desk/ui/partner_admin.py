"""Admin › Partner directory…: the partner agencies, their information-sharing agreement status and date,
contact route and the working hours each has to answer a check. Every change goes through
`partners.save_partner` (administrators only, audited with before and after)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
)

from triage_desk.formatting import fmt_date, parse_date_input
from triage_desk.ui import operations
from triage_desk.ui.form_dialog import Button, FormDialog
from triage_desk.ui.widgets import ErrorLabel, add_row, chain_tab_order, heading, line_edit, note, record_table

COLUMNS = ("Partner", "Kind", "Agreement", "Signed on", "Check due (working h)", "Contact route", "Active")


def _typed_date(text: str) -> str | None:
    """A typed date (30/11/26) as the ISO the service reads; anything else is passed on to be named as wrong."""
    return parse_date_input(text) or text.strip() or None


class PartnerEditDialog(FormDialog):
    """Add a partner (`partner` None) or change one."""

    def __init__(self, ws, partner=None, parent=None):
        from triage_desk import partners

        title = "Add partner" if partner is None else "Change partner"
        super().__init__(title, parent, header=title, ok=Button.Save)
        self.ws, self.partner = ws, partner
        form = self.form
        self.pid = line_edit("Partner id", "lower case, e.g. police-north")
        if partner is not None:
            self.pid.setText(partner.id)
            self.pid.setReadOnly(True)
        add_row(form, "&Id:", self.pid)
        self.name = line_edit("Partner name")
        add_row(form, "&Name:", self.name)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind of agency")
        for kind in partners.KINDS:
            self.kind.addItem(kind.replace("_", " "), kind)
        add_row(form, "&Kind:", self.kind)
        self.isa_status = QComboBox()
        self.isa_status.setAccessibleName("Information-sharing agreement status")
        for code, label in partners.ISA_STATUSES.items():
            self.isa_status.addItem(label, code)
        add_row(form, "&Agreement:", self.isa_status)
        self.isa_date = line_edit("Date the agreement was signed", "DD/MM/YYYY (needed when signed)")
        add_row(form, "&Signed on:", self.isa_date)
        self.due_hours = QSpinBox()
        self.due_hours.setAccessibleName("Working hours to answer a check")
        self.due_hours.setRange(1, 400)
        self.due_hours.setSuffix(" working h")
        self.due_hours.setValue(8)
        add_row(form, "Check &due within:", self.due_hours)
        self.contact = line_edit("Contact route", "how checks are sent: secure email, duty line…")
        add_row(form, "&Contact route:", self.contact)
        self.active = QCheckBox("Active (offered for checks)")
        self.active.setAccessibleName("Active")
        self.active.setChecked(True)
        form.addRow("", self.active)
        if partner is not None:
            self._show_partner(partner)
        self.setMinimumWidth(540)  # contact routes are a sentence long
        first = [self.name] if partner is not None else [self.pid, self.name]
        chain_tab_order(*first, self.kind, self.isa_status, self.isa_date, self.due_hours, self.contact, self.active,
                        self.ok_button)

    def _show_partner(self, partner) -> None:
        self.name.setText(partner.name)
        self.kind.setCurrentIndex(max(0, self.kind.findData(partner.kind)))
        self.isa_status.setCurrentIndex(max(0, self.isa_status.findData(partner.isa_status)))
        self.isa_date.setText(fmt_date(partner.isa_date) if partner.isa_date else "")
        self.due_hours.setValue(partner.check_due_hours)
        self.contact.setText(partner.contact_route or "")
        self.active.setChecked(bool(partner.active))

    def values(self) -> dict:
        return {"name": self.name.text(), "kind": self.kind.currentData(), "isa_status": self.isa_status.currentData(),
                "isa_date": _typed_date(self.isa_date.text()), "check_due_hours": self.due_hours.value(),
                "contact_route": self.contact.text(), "active": self.active.isChecked()}

    def _ok(self) -> None:
        from triage_desk import partners

        ws, partner_id, values = self.ws, self.pid.text().strip(), self.values()
        operations.submit(self, self.error, lambda: lambda: partners.save_partner(ws, partner_id, **values),
                          operations.Changes.of(operations.CHECK))


class PartnerDirectoryDialog(QDialog):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self._partners: list = []
        self.setWindowTitle("Partner directory")
        self.table = record_table(COLUMNS, "Partner agencies")
        header = self.table.horizontalHeader()
        for col in range(len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda *_: self.edit_selected())
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.add_button = QPushButton("&Add partner…")
        self.add_button.clicked.connect(self.add_partner)
        self.edit_button = QPushButton("&Change…")
        self.edit_button.clicked.connect(self.edit_selected)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        self.error = ErrorLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Partner directory", 2))
        layout.addWidget(note("Checks can only be requested from partners with a signed information-sharing "
                              "agreement. Every change here is recorded in the audit trail."))
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        chain_tab_order(self.table, self.add_button, self.edit_button, close)
        self.resize(1050, 560)
        self.reload()

    def reload(self) -> None:
        """Re-read the directory off the GUI thread; the table is filled when it arrives."""
        from triage_desk import partners

        ws = self.ws
        operations.query(lambda: partners.list_partners(ws, include_inactive=True), self._show, self._failed,
                         parent=self)

    def _failed(self, exc: BaseException) -> None:
        operations.show_refusal(exc, self.error)

    def _show(self, found: list) -> None:
        from triage_desk import partners

        self._partners = found
        self.table.setRowCount(len(self._partners))
        for row, p in enumerate(self._partners):
            cells = (p.name, p.kind.replace("_", " "), partners.ISA_STATUSES.get(p.isa_status, p.isa_status),
                     fmt_date(p.isa_date) if p.isa_date else "", str(p.check_due_hours),
                     p.contact_route or "", "Yes" if p.active else "No")
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, p.id)
                self.table.setItem(row, col, item)
        self._update_buttons()

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self._partners[rows[0].row()] if rows else None

    def select_partner(self, partner_id: str) -> None:
        for row, p in enumerate(self._partners):
            if p.id == partner_id:
                self.table.selectRow(row)

    def _update_buttons(self) -> None:
        self.edit_button.setEnabled(self.selected() is not None)
        self.edit_button.setToolTip("" if self.selected() is not None else "Select a partner first")

    def _run(self, dialog: QDialog) -> None:
        self.error.clear_error()
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.reload()

    def add_partner(self) -> None:
        self._run(PartnerEditDialog(self.ws, None, self))

    def edit_selected(self) -> None:
        partner = self.selected()
        if partner is not None:
            self._run(PartnerEditDialog(self.ws, partner, self))
            self.select_partner(partner.id)


def install(window) -> None:
    """Admin › Partner directory… (the Admin menu is shown to administrators only)."""
    action = QAction("Partner &directory…", window)
    action.setObjectName("partner_directory")

    def open_directory() -> None:
        PartnerDirectoryDialog(window.ws, window).exec()

    action.triggered.connect(open_directory)
    window.admin_menu.insertAction(window.admin_extras, action)
    window.add_data_action(action)
    window.partner_directory_action = action
