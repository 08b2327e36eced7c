"""Keyboard-only helpers for the referral wizard tests: every action is a key press sent with QTest."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QCheckBox, QComboBox, QLineEdit, QPlainTextEdit

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def focused():
    return QApplication.focusWidget()


def type_value(qtbot, widget, value) -> None:
    """Answer one input by keyboard: type into edits, type the first letters of a choice, Space to tick."""
    if isinstance(widget, QComboBox):
        # A closed combo box selects the item starting with the letters typed (Space would open the list).
        qtbot.keyClicks(widget, value.split(" ")[0])
        assert widget.currentText().lower().startswith(value.lower()), (widget.accessibleName(), value)
    elif isinstance(widget, (QCheckBox, QAbstractButton)):
        qtbot.keyClick(widget, Qt.Key.Key_Space)
    elif isinstance(widget, QLineEdit):
        qtbot.keyClick(widget, Qt.Key.Key_A, CTRL)
        qtbot.keyClicks(widget, value)
    elif isinstance(widget, QPlainTextEdit):
        qtbot.keyClicks(widget, value)
    else:
        raise AssertionError(f"no keyboard answer for {type(widget).__name__} {widget.accessibleName()!r}")


def tab_through(qtbot, answers: dict[str, str], stop: str = "Next", max_tabs: int = 120) -> set[str]:
    """Tab from the focused widget, answering inputs by accessible name, until `stop` has focus."""
    done: set[str] = set()
    for _ in range(max_tabs):
        widget = focused()
        assert widget is not None, "keyboard focus was lost"
        name = widget.accessibleName()
        if name == stop:
            return done
        if name in answers and name not in done:
            type_value(qtbot, widget, answers[name])
            done.add(name)
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    raise AssertionError(f"never reached {stop!r}; answered {sorted(done)}")


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(focused(), key, modifier)


def tab_to(qtbot, name: str, max_tabs: int = 120):
    for _ in range(max_tabs):
        if focused() is not None and focused().accessibleName() == name:
            return focused()
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {name!r}")
