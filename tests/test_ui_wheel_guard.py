"""The mouse wheel never silently changes a closed drop-down, spin box or date field (issue 10, point 4)."""

from __future__ import annotations

from PySide6.QtCore import QDate, QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDateEdit,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from triage_desk.ui.wheel_guard import install_wheel_guard


def _wheel(widget: QWidget, notches: int = -1) -> None:
    """One wheel notch over the middle of `widget` (down when negative), as the mouse would send it."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(QPoint(int(centre.x()), int(centre.y())))),
                        QPoint(0, 0), QPoint(0, 120 * notches), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def _long_form(qtbot):
    install_wheel_guard()
    area = QScrollArea()
    page = QWidget()
    layout = QVBoxLayout(page)
    other = QLineEdit()
    layout.addWidget(other)
    combo = QComboBox()
    combo.addItems(["No", "Yes", "Not known"])
    spin = QSpinBox()
    spin.setValue(5)
    when = QDateEdit(QDate(2026, 11, 30))
    for widget in (combo, spin, when):
        layout.addWidget(widget)
    layout.addSpacing(2000)  # long enough to scroll
    area.setWidget(page)
    area.setWidgetResizable(True)
    area.resize(400, 300)
    qtbot.addWidget(area)
    area.show()
    qtbot.waitExposed(area)
    other.setFocus()
    return area, combo, spin, when


def test_wheel_over_closed_unfocused_fields_changes_nothing_and_scrolls_the_page(qtbot):
    area, combo, spin, when = _long_form(qtbot)
    for widget in (combo, spin, when):
        _wheel(widget)
    assert combo.currentText() == "No"
    assert spin.value() == 5
    assert when.date() == QDate(2026, 11, 30)
    assert area.verticalScrollBar().value() > 0, "the wheel should scroll the page instead"
    assert area.window().focusWidget() not in (combo, spin, when)


def test_wheel_over_the_focused_field_still_changes_it(qtbot):
    area, combo, spin, when = _long_form(qtbot)
    combo.setFocus()
    _wheel(combo)
    assert combo.currentText() == "Yes"
    spin.setFocus()
    _wheel(spin, 1)
    assert spin.value() == 6


def test_the_app_installs_the_guard(qtbot, data_dir):
    from triage_desk.ui.app import AppController
    from triage_desk.ui.wheel_guard import WheelGuard

    app = QApplication.instance()
    for old in app.findChildren(WheelGuard):
        app.removeEventFilter(old)
        old.setParent(None)
    controller = AppController(data_dir, exit_app=lambda code: None)
    first = controller.start()
    qtbot.addWidget(first)
    # once the first window is up (its classes were 15-50 ms of the start before it otherwise)
    qtbot.waitUntil(lambda: QApplication.instance().findChild(WheelGuard) is not None)
