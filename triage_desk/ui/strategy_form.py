"""The strategy discussion form: when, who attended (agency, role, present or apologies), what each
agency shared, the decision, actions with owners and dates, next steps and the ICPC date. It builds
the same minutes object as `strategy record --file`; strategy.check names any problem by its field.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from triage_desk.formatting import QT_DATETIME, fmt_date, parse_date_input
from triage_desk.ui.form_dialog import FormDialog
from triage_desk.ui.widgets import add_row, documents_folder

DECISIONS = (("Section 47 enquiry", "s47"), ("Child and family assessment (s17)", "s17"),
             ("No further action", "nfa"), ("Other", "other"))


def _iso(typed: str) -> str:
    """A typed date stored as ISO; text that is not a date is kept so the check names the field."""
    return parse_date_input(typed) or typed.strip()


def _shown(stored: str) -> str:
    return fmt_date(stored) if parse_date_input(stored) else stored


class _Table(QTableWidget):
    """A small editable table; `combos` maps a column to its (label, value) choices."""

    def __init__(self, name: str, headers: list[str], combos: dict[int, list[tuple[str, str]]]):
        super().__init__(0, len(headers))
        self.setAccessibleName(name)
        self.setHorizontalHeaderLabels(headers)
        self.horizontalHeader().setStretchLastSection(True)
        self.setMinimumHeight(110)
        self.combos = combos

    def add(self, values: list[str] | None = None) -> None:
        row = self.rowCount()
        self.insertRow(row)
        for col in range(self.columnCount()):
            value = (values or [])[col] if values and col < len(values) else ""
            if col in self.combos:
                combo = QComboBox()
                combo.setAccessibleName(f"{self.horizontalHeaderItem(col).text()}, row {row + 1}")
                for label, code in self.combos[col]:
                    combo.addItem(label, code)
                if value:
                    combo.setCurrentIndex(max(combo.findData(value), 0))
                self.setCellWidget(row, col, combo)
            else:
                self.setItem(row, col, QTableWidgetItem(value))

    def rows(self) -> list[list[str]]:
        out = []
        for row in range(self.rowCount()):
            cells = []
            for col in range(self.columnCount()):
                widget = self.cellWidget(row, col)
                item = self.item(row, col)
                cells.append(widget.currentData() if isinstance(widget, QComboBox) else
                             (item.text().strip() if item is not None else ""))
            out.append(cells)
        return out


class StrategyForm(FormDialog):
    def __init__(self, agencies: list[tuple[str, str]], parent: QWidget | None = None):
        super().__init__("Record the strategy discussion", parent)
        self.agencies = [("Children's social care (this council)", "social_care"), *agencies]
        self.held = QDateTimeEdit(QDateTime.currentDateTime())
        self.held.setDisplayFormat(QT_DATETIME)
        self.held.setCalendarPopup(True)
        self.held.setAccessibleName("Held at")
        add_row(self.form, "&Held at:", self.held)
        self.attendees = _Table("Attendees", ["Agency", "Role", "Name", "Attendance"],
                                {0: self.agencies, 3: [("Present", "present"), ("Sent apologies", "apologies")]})
        self.information = _Table("Information shared by each agency", ["Agency", "Information shared"],
                                  {0: self.agencies})
        self.actions = _Table("Actions", ["Action", "Owner", "Agency", "By (DD/MM/YYYY)"], {2: self.agencies})
        for label, table in (("&Attendees:", self.attendees), ("&Information:", self.information),
                             ("A&ctions:", self.actions)):
            add_row(self.form, label, self._with_add(table))
        self.decision = QComboBox()
        self.decision.setAccessibleName("Decision")
        for label, code in DECISIONS:
            self.decision.addItem(label, code)
        self.detail = QLineEdit()
        self.detail.setAccessibleName("What was decided (when other)")
        self.next_steps = QLineEdit()
        self.next_steps.setAccessibleName("Next steps")
        self.icpc = QLineEdit()
        self.icpc.setAccessibleName("ICPC date")
        self.icpc.setPlaceholderText("DD/MM/YYYY (after an s47 decision)")
        for label, widget in (("&Decision:", self.decision), ("Decision detai&l:", self.detail),
                              ("&Next steps:", self.next_steps), ("ICPC &date:", self.icpc)):
            add_row(self.form, label, widget)
        load = QPushButton("Load from a minutes &file…")
        load.clicked.connect(self.load_file)
        self.form.addRow(QLabel(""), load)
        self.attendees.add(["social_care", "", "", "present"])

    def _with_add(self, table: _Table) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(table, 1)
        button = QPushButton("Add row")
        button.setAccessibleName(f"Add a row to {table.accessibleName()}")
        button.clicked.connect(lambda: table.add())
        row.addWidget(button)
        return box

    def values(self) -> dict:
        m: dict = {"held_at": self.held.dateTime().toString("yyyy-MM-ddTHH:mm"),
                   "attendees": [{"agency": a, "role": r, **({"name": n} if n else {}), "attendance": p}
                                 for a, r, n, p in self.attendees.rows()],
                   "information": [{"agency": a, "text": t} for a, t in self.information.rows() if t],
                   "decision": self.decision.currentData(),
                   "actions": [{"action": a, "owner": o, "agency": g, "due": _iso(d)}
                               for a, o, g, d in self.actions.rows() if a or o or d]}
        for key, widget in (("decision_detail", self.detail), ("next_steps", self.next_steps),
                            ("icpc_date", self.icpc)):
            if widget.text().strip():
                m[key] = _iso(widget.text()) if widget is self.icpc else widget.text().strip()
        return m

    def fill(self, m: dict) -> None:
        """Show minutes read from a file (they are checked again on OK)."""
        held = QDateTime.fromString(str(m.get("held_at", "")), "yyyy-MM-ddTHH:mm")
        if held.isValid():
            self.held.setDateTime(held)
        for table in (self.attendees, self.information, self.actions):
            table.setRowCount(0)
        for a in m.get("attendees") or []:
            self.attendees.add([a.get("agency", ""), a.get("role", ""), a.get("name", ""), a.get("attendance", "")])
        for i in m.get("information") or []:
            self.information.add([i.get("agency", ""), i.get("text", "")])
        for a in m.get("actions") or []:
            self.actions.add([a.get("action", ""), a.get("owner", ""), a.get("agency", ""), _shown(a.get("due", ""))])
        self.decision.setCurrentIndex(max(self.decision.findData(m.get("decision")), 0))
        self.detail.setText(m.get("decision_detail") or "")
        self.next_steps.setText(m.get("next_steps") or "")
        self.icpc.setText(_shown(m.get("icpc_date") or ""))

    def load_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Strategy discussion minutes", str(documents_folder()),
                                              "Minutes (*.json)")
        if not path:
            return
        try:
            minutes = json.loads(Path(path).read_text("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            self.error.show_error(f"{Path(path).name}: not a readable minutes file (JSON)")
            return
        if isinstance(minutes, dict):
            self.fill(minutes)
