"""Every screen fits the screens council PCs have (issue 10, point 1): each registered preview is opened
at 1024×700 and at 1920×1080 and fails when a label's text is wider than its label, a wrapped label is
taller than its room, a widget lies outside the visible area with no scroll bar to reach it, or the
window cannot be made that small at all (then it is cut off by the screen's edge)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from fit_check import every_page, problems
from PySide6.QtCore import QSize, Qt

from triage_desk.ui.operations import settle
from triage_desk.ui.preview import open_screen, screens
from triage_desk.ui.preview_registry import PreviewContext

SIZES = (QSize(1024, 700), QSize(1920, 1080))


@pytest.fixture(scope="module")
def ctx():
    # A short folder: the main window shows the database path, and an xdist worker's temporary folders are
    # longer than a serial run's (…/popen-gw0/…), which alone would push the label past 1024 px.
    with tempfile.TemporaryDirectory(prefix="fit-") as root:
        context = PreviewContext(Path(root))
        yield context
        context.close()


@pytest.mark.parametrize("name", sorted(screens()))
def test_screen_fits_small_and_large_screens(qtbot, ctx, name):
    found = []
    for size in SIZES:
        widget = open_screen(ctx, name)
        qtbot.addWidget(widget)
        widget.setWindowState(Qt.WindowState.WindowNoState)
        widget.resize(size)
        if hasattr(widget, "idle"):  # the main window: its idle lock must not fire mid-check on a slow run
            widget.idle.stop()
        widget.show()
        qtbot.waitExposed(widget)
        settle()
        where = f"at {size.width()}×{size.height()}"
        if widget.width() > size.width() or widget.height() > size.height():
            found.append(f"{where}: needs at least {widget.width()}×{widget.height()}, so the screen cuts it off")
        for page in every_page(widget):
            found += [f"{where}{', ' + page if page else ''}: {p}" for p in problems(widget)]
        widget.close()
        settle()
    assert not found, f"{name} does not fit:\n" + "\n".join(found)


def test_the_check_finds_clipped_text_and_unreachable_widgets(qtbot):
    """The checker itself: a long label squeezed into a narrow window and a field pushed off its parent."""
    from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

    window = QWidget()
    layout = QVBoxLayout(window)
    label = QLabel("0. Abuse happening more often - complete with the victim")
    label.setMinimumWidth(1)
    layout.addWidget(label)
    qtbot.addWidget(window)
    window.resize(120, 80)
    field = QLineEdit(window)  # not in the layout: placed beyond the window's edge
    field.setGeometry(100, 200, 150, 24)
    window.show()
    qtbot.waitExposed(window)
    found = problems(window)
    assert any("text" in p and "px wide" in p for p in found)
    assert any(p.startswith("QLineEdit") and "outside" in p for p in found)
