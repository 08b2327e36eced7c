"""Window size, position and splitters remembered per user (QSettings: the registry on Windows, an .ini
file elsewhere), so sign-in brings back the layout this person left and never resets it.

The first time on a small screen (≤ 1366×768, the commonest council laptop) the main window opens
maximised: at any fixed size the case list scrolls sideways and its last column is cut off.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtWidgets import QSplitter, QWidget

from triage_desk import APP_NAME

SMALL_SCREEN = QSize(1366, 768)


def settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, APP_NAME, "window-state")


def _key(username: str, name: str) -> str:
    return f"{username or 'nobody'}/{name}"


def is_small_screen(size: QSize) -> bool:
    """1366×768 or less in either direction (an 800-pixel-wide or 768-high screen has no room to spare)."""
    return size.width() <= SMALL_SCREEN.width() or size.height() <= SMALL_SCREEN.height()


def restore_window(window: QWidget, username: str, name: str, default: QSize) -> None:
    """Bring back this user's size and position for `name`; the first time, maximise on a small screen
    and otherwise open at `default` (never larger than the screen's free area), centred."""
    saved = settings().value(_key(username, f"{name}/geometry"))
    if isinstance(saved, QByteArray) and not saved.isEmpty() and window.restoreGeometry(saved):
        return
    screen = window.screen()
    if is_small_screen(screen.size()):
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
        return
    free = screen.availableGeometry()
    window.resize(min(default.width(), free.width()), min(default.height(), free.height()))
    window.move(free.center() - window.rect().center())


def save_window(window: QWidget, username: str, name: str) -> None:
    settings().setValue(_key(username, f"{name}/geometry"), window.saveGeometry())


def remembered_split(ws, name: str, panes: list, stretch: list[int], *, sizes: list[int] | None = None,
                     vertical: bool = False) -> QSplitter:
    """Panes side by side (or stacked), none collapsible, with the sizes the signed-in user last dragged them
    to (`sizes` until they have)."""
    split = QSplitter(Qt.Orientation.Vertical if vertical else Qt.Orientation.Horizontal)
    for index, (pane, factor) in enumerate(zip(panes, stretch, strict=True)):
        split.addWidget(pane)
        split.setStretchFactor(index, factor)
    if sizes:
        split.setSizes(sizes)
    split.setChildrenCollapsible(False)
    remember_splitter(split, getattr(getattr(ws, "user", None), "username", "") or "", name)
    return split


def remember_splitter(splitter: QSplitter, username: str, name: str) -> None:
    """Restore the splitter's sizes for this user and save them whenever the person drags it."""
    store = settings()
    key = _key(username, f"splitters/{name}")
    saved = store.value(key)
    if isinstance(saved, QByteArray) and not saved.isEmpty():
        splitter.restoreState(saved)
    splitter.splitterMoved.connect(lambda *_: settings().setValue(key, splitter.saveState()))
