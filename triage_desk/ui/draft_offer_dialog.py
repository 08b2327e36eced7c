"""After sign-in: "You have unfinished referrals" with Resume / Later."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from triage_desk.formatting import fmt_datetime, from_utc
from triage_desk.ui.widgets import heading


def _local(moment) -> str:
    """A stored UTC time as the officer's local (Europe/London) time."""
    if moment is None:
        return ""
    return fmt_datetime(from_utc(moment))


class DraftOfferDialog(QDialog):
    """After sign-in: "You have unfinished referrals" with Resume / Later."""

    def __init__(self, drafts: list, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Unfinished referrals - Triage Desk")
        self.drafts = drafts
        self.list = QListWidget()
        self.list.setAccessibleName("Unfinished referrals")
        for d in drafts:
            when = _local(d.updated_at)
            item = QListWidgetItem(f"{d.reference}  {d.subject_name or '(no subject yet)'}  - last saved {when}")
            item.setData(Qt.ItemDataRole.UserRole, d.id)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _item: self.accept())
        text = QLabel(f"You have {len(drafts)} unfinished referral{'s' if len(drafts) != 1 else ''} (for example "
                      "after Triage Desk closed unexpectedly). Nothing was lost: choose one to carry on.")
        text.setWordWrap(True)
        text.setBuddy(self.list)
        buttons = QDialogButtonBox()
        self.resume_button = buttons.addButton("&Resume", QDialogButtonBox.ButtonRole.AcceptRole)
        self.later_button = buttons.addButton("&Later", QDialogButtonBox.ButtonRole.RejectRole)
        self.resume_button.setAccessibleName("Resume the chosen referral")
        self.later_button.setAccessibleName("Later")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Unfinished referrals", 3))
        layout.addWidget(text)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(620, 320)
        self.list.setFocus()

    def chosen_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None
