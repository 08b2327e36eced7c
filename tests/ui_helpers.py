"""Helpers shared by the GUI tests (pytest-qt, offscreen)."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def close_workspace_keep_dir(ws):
    """Close the fixture workspace so the app under test can open the same data directory."""
    ws.close()
    return ws.data_dir


def user(ws, username: str, password: str | None = None):
    """The user signed in (so their signing key is unsealed, as after the sign-in dialog)."""
    from triage_desk import accounts

    password = password or ("admin-password-1" if username == "admin" else "user-password-1")
    with ws.session() as s:
        return accounts.authenticate(s, username, password)


def on_next_modal(callback, qtbot, timeout_ms: int = 5000) -> None:
    """Run `callback(dialog)` on the next modal dialog that opens (for code that calls exec())."""
    def poll():
        modal = QApplication.activeModalWidget()
        if modal is not None and modal.isVisible():
            callback(modal)
        else:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)


def audit_actions(ws) -> list[tuple[str | None, str]]:
    from sqlalchemy import select

    from triage_desk.models import AuditEvent
    from triage_desk.ui.operations import settle

    settle()  # what the UI's operations wrote off the GUI thread is on record first
    with ws.session() as s:
        return [(e.actor, e.action) for e in s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()]
