"""Someone else saved first (concurrency.Conflict): who, when, what differs; keep theirs, overwrite with
mine, or merge by hand. Nothing is overwritten until the person chooses."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from triage_desk.formatting import fmt_datetime, from_utc
from triage_desk.ui.widgets import heading, make_plain

KEEP_THEIRS, OVERWRITE, MERGE = "keep_theirs", "overwrite", "merge"
FIELD, THEIRS, MINE = range(3)


class ConflictDialog(QDialog):
    """`choice` after exec: KEEP_THEIRS, OVERWRITE or MERGE (None: closed, decide later; nothing saved).
    With `can_merge` the table's "take theirs" ticks choose field by field (`take_theirs()`): ticked at
    first where only they changed a field."""

    def __init__(self, conflict, parent: QWidget | None = None, *, can_merge: bool = True):
        super().__init__(parent)
        self.setWindowTitle("Changed by someone else - Triage Desk")
        self.conflict, self.choice, self.can_merge = conflict, None, can_merge
        when = f" at {fmt_datetime(from_utc(conflict.at))}" if conflict.at else ""
        intro = make_plain(QLabel(
            f"{conflict.by} saved {conflict.what}{when}, after you opened it. Nothing has been overwritten: "
            "choose whose version stands." + ("" if conflict.differences else
                                              " None of the fields you changed were changed by them.")))
        intro.setWordWrap(True)
        self.table = QTableWidget(len(conflict.differences), 3)
        self.table.setAccessibleName("Fields that differ")
        self.table.setHorizontalHeaderLabels(["Field", f"{conflict.by}'s version", "Your version"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, diff in enumerate(conflict.differences):
            for col, text in ((FIELD, diff.label), (THEIRS, diff.theirs), (MINE, diff.mine)):
                self.table.setItem(row, col, QTableWidgetItem(text))
            if can_merge:
                theirs = self.table.item(row, THEIRS)
                theirs.setFlags(theirs.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                theirs.setCheckState(Qt.CheckState.Checked if diff.they_changed else Qt.CheckState.Unchecked)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        hint = make_plain(QLabel("Merge by hand: tick the fields where their version should stand; the others keep "
                                 "yours." if can_merge else "Merge by hand: your entries stay open beside theirs, "
                                 "change them as needed and save again."))
        hint.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.keep_button = buttons.addButton("&Keep theirs", QDialogButtonBox.ButtonRole.RejectRole)
        self.overwrite_button = buttons.addButton("&Overwrite with mine", QDialogButtonBox.ButtonRole.DestructiveRole)
        self.merge_button = buttons.addButton("&Merge by hand", QDialogButtonBox.ButtonRole.AcceptRole)
        for button, choice in ((self.keep_button, KEEP_THEIRS), (self.overwrite_button, OVERWRITE),
                               (self.merge_button, MERGE)):
            button.clicked.connect(lambda _checked=False, c=choice: self._choose(c))
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Someone else changed this first", 3))
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(hint)
        layout.addWidget(buttons)
        self.resize(760, 380)
        self.merge_button.setDefault(True)

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()

    def take_theirs(self) -> set[str]:
        """The document paths whose saved version the person ticked to keep (merge by hand)."""
        return {diff.path for row, diff in enumerate(self.conflict.differences)
                if self.can_merge and self.table.item(row, THEIRS).checkState() == Qt.CheckState.Checked}


def ask(conflict, parent: QWidget, chosen, *, can_merge: bool = False) -> ConflictDialog:
    """Show the choice without a nested event loop (open(), not exec()): `chosen(choice)` once the person
    has chosen (None: closed, nothing saved)."""
    dialog = ConflictDialog(conflict, parent, can_merge=can_merge)
    dialog.finished.connect(lambda _result: chosen(dialog.choice))
    dialog.open()
    return dialog
