""""Being edited by NAME since TIME": the banner a screen that edits a referral shows, and the edit lease it
holds meanwhile (edit_leases.py): taken when editing starts, renewed every 30 s, released when editing ends
or the screen goes. Others' leases reach it through the change feed (workspace_changed, LEASE)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget

from triage_desk import edit_leases
from triage_desk.ui import operations
from triage_desk.ui.widgets import make_plain

BANNER_STYLE = "background: #fff4ce; padding: 4px;"
SAVE_HINT = (". Your changes and theirs will not overwrite each other: if both of you save, the second is asked "
             "to choose.")


def _release(ws, held: dict) -> None:
    rid = held.pop("id", None)
    if rid is not None:
        operations.change(lambda: edit_leases.release(ws, rid),
                          operations.Changes.of(operations.LEASE, referral_id=rid),
                          failure=lambda _exc: None)  # an unreachable server lets the lease lapse by itself


class LeaseBanner(QLabel):
    """Hidden while nobody else edits the referral held (`hold`); `release` lets it go."""

    def __init__(self, ws, parent: QWidget | None = None, *, hint: str = SAVE_HINT):
        super().__init__(parent)
        make_plain(self)
        self.ws, self.hint = ws, hint
        self.setWordWrap(True)
        self.setAccessibleName("Also being edited by")
        self.setStyleSheet(BANNER_STYLE)
        self.hide()
        self._held: dict = {}  # {"id": referral id} while this workstation holds the lease
        self.timer = QTimer(self)
        self.timer.setInterval(int(edit_leases.RENEW_EVERY.total_seconds() * 1000))
        self.timer.timeout.connect(self.renew)
        operations.events().workspace_changed.connect(self._others_changed)
        held = self._held
        self.destroyed.connect(lambda *_args: _release(ws, held))  # a screen closed without saying so

    @property
    def referral_id(self) -> str | None:
        return self._held.get("id")

    def hold(self, referral_id: str) -> None:
        """Editing `referral_id` here from now: take the lease (and say who else is editing it)."""
        if self.referral_id not in (None, referral_id):
            self.release()
        self._held["id"] = referral_id
        self.timer.start()
        self.renew()

    def renew(self) -> None:
        ws, rid = self.ws, self.referral_id
        if rid is not None:
            operations.query(lambda: edit_leases.take(ws, rid), self.show_editors, lambda _exc: None, parent=self)

    def release(self) -> None:
        self.timer.stop()
        self.hide()
        _release(self.ws, self._held)

    def _others_changed(self, changes: operations.Changes) -> None:
        rid = self.referral_id
        if rid is not None and changes.touches(operations.LEASE) and changes.about(rid):
            ws = self.ws
            operations.query(lambda: edit_leases.editors(ws, [rid]).get(rid, []), self.show_editors,
                             lambda _exc: None, parent=self)

    def show_editors(self, editors: list) -> None:
        if self.referral_id is None:
            return  # released meanwhile
        self.setText("; ".join(e.banner() for e in editors) + (self.hint if editors else ""))
        self.setVisible(bool(editors))
