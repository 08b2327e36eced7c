"""The overdue queue in the Review area: every open deadline past due, most overdue first, from the
same query as the case list's "Overdue only" filter and the status bar (deadlines.overdue_page)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from triage_desk.ui import operations
from triage_desk.ui.widgets import ErrorLabel, make_plain

RAG_WORDS = {"red": "Red", "amber": "Amber", "green": "Green"}


class OverdueQueue(QWidget):
    def __init__(self, ws, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Overdue deadlines, most overdue first")
        self.tree.setHeaderLabels(["Reference", "Deadline", "Due", "Overdue by", "RAG"])
        self.tree.setRootIsDecorated(False)
        self.tree.setMaximumHeight(180)
        label = QLabel("&Overdue deadlines:")
        label.setBuddy(self.tree)
        self.count = make_plain(QLabel(""))
        self.reload_button = QPushButton("Reload overd&ue")
        self.reload_button.clicked.connect(self.reload)
        self.error = ErrorLabel()
        top = QHBoxLayout()
        top.addWidget(label)
        top.addWidget(self.count, 1)
        top.addWidget(self.reload_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.tree)
        layout.addWidget(self.error)
        self.reload()

    def reload(self) -> None:
        from triage_desk import deadlines

        ws = self.ws
        operations.query(lambda: deadlines.overdue_list(ws), self._show, self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        operations.show_refusal(exc, self.error)

    def _show(self, rows: list[dict]) -> None:
        self.tree.clear()
        for r in rows:
            QTreeWidgetItem(self.tree, [r["reference"], r["kind"], r["due"], r["late_by"],
                                        RAG_WORDS.get(r["rag"] or "", "")])
        for col in range(4):
            self.tree.resizeColumnToContents(col)
        self.count.setText(f"{len(rows)}{'+' if len(rows) >= 200 else ''} overdue" if rows else "Nothing overdue")
