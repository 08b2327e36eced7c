"""The Qt bindings in use keep Python's reference counts straight (PySide6 6.12.0 did not: every void
Qt call released a reference to None it never took, and a long session aborted with "none_dealloc")."""

from __future__ import annotations

import sys


def test_void_qt_calls_leave_the_none_refcount_alone(qtbot):
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(2000):
        label.setText(str(i % 7))
    assert sys.getrefcount(None) - before > -100  # a few stray references may come and go; 2000 may not
