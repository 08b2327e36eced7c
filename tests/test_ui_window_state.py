"""The main window fits the screen it opens on and remembers each user's size, position and splitters
(issue 10, point 1): sign-in must never reset it to a fixed size that cuts the case list off."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QSplitter
from ui_helpers import user

from triage_desk.ui import window_state
from triage_desk.ui.window_state import is_small_screen, remember_splitter


def _main(qtbot, ws):
    from triage_desk.ui.main_window import MainWindow

    if ws.user is None:
        ws.user = user(ws, "admin")
    win = MainWindow(ws)
    qtbot.addWidget(win)
    return win


def test_council_laptop_screens_count_as_small():
    assert is_small_screen(QSize(1366, 768)) and is_small_screen(QSize(1024, 700))
    assert is_small_screen(QSize(800, 800))
    assert not is_small_screen(QSize(1920, 1080)) and not is_small_screen(QSize(1600, 900))


def test_first_time_on_a_small_screen_opens_maximised(qtbot, workspace):
    win = _main(qtbot, workspace)  # the offscreen screen is 800×800
    assert win.windowState() & Qt.WindowState.WindowMaximized


def test_first_time_on_a_large_screen_opens_at_a_size_that_fits(qtbot, workspace, monkeypatch):
    monkeypatch.setattr(window_state, "is_small_screen", lambda size: False)
    win = _main(qtbot, workspace)
    free = win.screen().availableGeometry()
    assert not win.windowState() & Qt.WindowState.WindowMaximized
    assert win.width() <= free.width() and win.height() <= free.height()


def test_size_and_position_come_back_for_the_same_user_after_signing_out(qtbot, workspace, monkeypatch):
    monkeypatch.setattr(window_state, "is_small_screen", lambda size: False)
    win = _main(qtbot, workspace)
    win.setGeometry(0, 40, 800, 530)  # the default there would be 800×800
    win.show()
    qtbot.waitExposed(win)
    left = (win.width(), win.height())
    assert left[1] == 530
    win.sign_out()
    again = _main(qtbot, workspace)
    assert again.height() == left[1] and not again.windowState() & Qt.WindowState.WindowMaximized
    other_user = workspace.user.username + "-other"
    window_state.save_window(again, other_user, "main")  # another person's layout does not leak
    assert window_state.settings().value(f"{workspace.user.username}/main/geometry") is not None


def test_splitter_sizes_are_remembered_per_user(qtbot):
    def build(user: str) -> QSplitter:
        split = QSplitter()
        for _ in range(2):
            split.addWidget(QLabel("pane"))
        split.resize(600, 300)
        qtbot.addWidget(split)
        split.show()
        remember_splitter(split, user, "review_area")
        return split

    first = build("officer")
    first.setSizes([150, 450])
    first.splitterMoved.emit(150, 1)  # what dragging the handle sends
    assert build("officer").sizes() == first.sizes()
    assert build("lead").sizes() != first.sizes()
