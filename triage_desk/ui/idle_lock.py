"""Idle auto-lock (KeePassXC habit): an application-wide event filter restarts a timer on any key or
mouse activity; when it fires the main window swaps its content for the lock screen. Only the same
user's password, or an administrator's, unlocks (an administrator takes over the session)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFrame, QVBoxLayout, QWidget

from triage_desk.ui import operations
from triage_desk.ui.sign_in_form import SignInFields
from triage_desk.ui.widgets import (
    chain_tab_order,
    heading,
    make_plain,
    note,
)

_ACTIVITY = frozenset({
    QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
    QEvent.Type.MouseMove, QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate,
    QEvent.Type.TabletPress, QEvent.Type.Shortcut,
})


class IdleLock(QObject):
    """Fires `timed_out` after `timeout_ms` without keyboard or mouse input anywhere in the app."""

    timed_out = Signal()

    def __init__(self, minutes: int = 5, parent: QObject | None = None):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)  # coarse timers may drift by 5% of 5 minutes
        self._timer.timeout.connect(self.timed_out)
        self.set_minutes(minutes)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def set_minutes(self, minutes: int) -> None:
        self.set_timeout_ms(max(1, int(minutes)) * 60_000)

    def set_timeout_ms(self, ms: int) -> None:
        """Also the test hook: a tiny value makes the lock fire quickly."""
        self._timer.setInterval(int(ms))
        if self._timer.isActive():
            self._timer.start()

    def timeout_ms(self) -> int:
        return self._timer.interval()

    def remaining_ms(self) -> int:
        return self._timer.remainingTime()

    def start(self) -> None:
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def is_running(self) -> bool:
        return self._timer.isActive()

    def remove(self) -> None:
        self.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if self._timer.isActive() and event.type() in _ACTIVITY:
            self._timer.start()  # restart: activity postpones the lock
        return False


class LockScreen(QWidget):
    """What the main window shows while locked: no case data, only a way back in."""

    unlocked = Signal(object)  # the models.User who unlocked (the same user or an administrator)

    def __init__(self, ws, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self._checking = False  # a password check is running off the GUI thread
        self.locked_user = None
        panel = QFrame()
        panel.setObjectName("lockPanel")
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        panel.setMaximumWidth(480)
        self.title = heading("Triage Desk is locked", 6)
        self.reason = make_plain(note(""))  # shows the display name
        self.fields = SignInFields(whose="the")
        self.username, self.password, self.error = self.fields.username, self.fields.password, self.fields.error
        self.hint = note("Only the signed-in user, or an administrator, can unlock.")
        self.buttons = QDialogButtonBox()
        self.unlock_button = self.buttons.addButton("&Unlock", QDialogButtonBox.ButtonRole.AcceptRole)
        self.unlock_button.setDefault(True)
        self.unlock_button.setAutoDefault(True)
        self.unlock_button.clicked.connect(self.submit)
        self.username.returnPressed.connect(self.submit)
        self.password.returnPressed.connect(self.submit)

        inner = QVBoxLayout(panel)
        inner.setContentsMargins(28, 24, 28, 20)
        inner.setSpacing(10)
        inner.addWidget(self.title)
        inner.addWidget(self.reason)
        inner.addLayout(self.fields.form)
        inner.addWidget(self.hint)
        inner.addWidget(self.error)
        inner.addWidget(self.buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(panel, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        chain_tab_order(self.username, self.password, self.unlock_button)

    def lock(self, user, reason: str) -> None:
        self.locked_user = user
        self.reason.setText(reason)
        self.username.setText(user.username)
        self.password.clear()
        self.error.clear_error()
        self.password.setFocus()

    def submit(self) -> None:
        from triage_desk import session_events

        if self._checking:
            return
        typed = self.fields.credentials()
        if typed is None:
            return
        ws, locked, (name, password) = self.ws, self.locked_user.username, typed
        self._checking = True
        operations.change(lambda: session_events.unlock(ws, locked, name, password),
                          operations.Changes.of(operations.SESSION), self._unlocked, self._refused, parent=self)

    def _unlocked(self, user) -> None:
        self._checking = False
        self.password.clear()
        self.error.clear_error()
        self.unlocked.emit(user)

    def _refused(self, exc: BaseException) -> None:
        self._checking = False
        self.fields.refused(exc)
