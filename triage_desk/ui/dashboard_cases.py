"""The cases behind one figure on the Measures area: references and dates received, and subjects' names
for officers and practice leads (the service leaves names out for anyone else, and audits the look)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QTreeWidget, QTreeWidgetItem, QVBoxLayout

from triage_desk import measures_export
from triage_desk.errors import TriageError
from triage_desk.measures import Figure, Scope
from triage_desk.measures_defs import BY_ID
from triage_desk.ui import operations
from triage_desk.ui.widgets import ErrorLabel, note


class CasesBehindDialog(QDialog):
    def __init__(self, ws, scope: Scope, fig: Figure, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Cases behind: {fig.title}")
        self.resize(640, 480)
        box = QVBoxLayout(self)
        box.addWidget(note(BY_ID[fig.id].definition))
        self.summary = note("Finding the cases…")
        box.addWidget(self.summary)
        self.error = ErrorLabel()
        box.addWidget(self.error)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Reference", "Received", "Name"])
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setAccessibleName("Cases behind the figure")
        box.addWidget(self.tree, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        box.addWidget(buttons)
        operations.query(lambda: measures_export.case_list(ws, scope, fig.id), self._show, self._failed, parent=self)

    def _show(self, rows: list[tuple[str, str, str]]) -> None:
        self.summary.setText(f"{len(rows):,} case{'s' if len(rows) != 1 else ''}.")
        named = any(name for _r, _w, name in rows)
        self.tree.setColumnHidden(2, not named)
        for ref, received, name in rows:
            self.tree.addTopLevelItem(QTreeWidgetItem([ref, received, name]))

    def _failed(self, exc: BaseException) -> None:
        self.summary.setText("")
        self.error.show_error(str(exc) if isinstance(exc, TriageError) else "The cases could not be listed.")
