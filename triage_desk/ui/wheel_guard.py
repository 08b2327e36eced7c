"""No silent changes: the mouse wheel never changes a closed drop-down, spin box or date field that
does not have the keyboard focus. Scrolling a long form passed over such a field and changed it
("Disability: No" became "Not known" without anyone noticing).

One application-wide event filter, installed once at start-up, so every screen gets it without a
widget subclass: over an unfocused field the wheel goes on to the page around it (which scrolls), and
the field no longer takes the focus from the wheel either. A focused field (or an open list) still
answers the wheel, as on Windows.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QWidget

GUARDED = (QComboBox, QAbstractSpinBox)  # QAbstractSpinBox covers spin, date and date-time boxes


class WheelGuard(QObject):
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        kind = event.type()
        if kind == QEvent.Type.Polish and isinstance(obj, GUARDED):
            if obj.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                obj.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel passing over does not focus it
        elif kind == QEvent.Type.Wheel and isinstance(obj, GUARDED) and not _has_focus(obj):
            _pass_to_parents(obj, event)
            return True
        return False


def _has_focus(widget: QWidget) -> bool:
    """The field holds its window's keyboard focus (the window need not be the active one)."""
    focus = widget.window().focusWidget()
    return focus is not None and (focus is widget or widget.isAncestorOf(focus))


def _pass_to_parents(widget: QWidget, event: QWheelEvent) -> None:
    """Offer the wheel to the widgets around the field until one takes it (the scroll area)."""
    pos = QPointF(event.position()) + QPointF(widget.pos())
    parent = widget.parentWidget()
    while parent is not None and not widget.isWindow():
        forwarded = QWheelEvent(pos, event.globalPosition(), event.pixelDelta(), event.angleDelta(),
                                event.buttons(), event.modifiers(), event.phase(), event.inverted())
        QApplication.sendEvent(parent, forwarded)
        if forwarded.isAccepted() or parent.isWindow():
            return
        pos += QPointF(parent.pos())
        widget, parent = parent, parent.parentWidget()


def install_wheel_guard(app: QApplication | None = None) -> WheelGuard:
    """Install the guard on the application once (later calls return the same one)."""
    app = app or QApplication.instance()
    guard = app.findChild(WheelGuard)
    if guard is None:
        guard = WheelGuard(app)
        app.installEventFilter(guard)
    return guard
