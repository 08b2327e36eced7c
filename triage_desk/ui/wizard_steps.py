"""The referral wizard's steps: what a step is, field paths relative to a section, and the scroll area
each step's page sits in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import (
    QScrollArea,
    QWidget,
)


@dataclass
class Step:
    key: str  # step id of the flow: section id, extra page key, or "review"
    title: str
    page: QWidget
    path: str | None  # the document key the step edits ("concerns" for the threshold step's indicators)
    section: dict | None = None
    visited: bool = False
    problems: int = 0


def relative_path(path: str, section_path: str | None) -> str:
    """'subjects[0].dob' -> '0.dob' below the section 'subjects' (the page's own field paths)."""
    dotted = re.sub(r"\[(\d+)\]", r".\1", path.strip().removeprefix("$").lstrip("."))
    if section_path and (dotted == section_path or dotted.startswith(section_path + ".")):
        return dotted[len(section_path) + 1:]
    return dotted


class FitScrollArea(QScrollArea):
    """A scroll area whose page grows to the height its wrapped text needs at the current width
    (QScrollArea alone squeezes rows, clipping wrapped help and messages)."""

    def __init__(self, page: QWidget):
        super().__init__()
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWidget(page)
        page.installEventFilter(self)

    def fit(self) -> None:
        page = self.widget()
        if page is not None and page.layout() is not None and page.layout().hasHeightForWidth():
            page.setMinimumHeight(page.layout().totalHeightForWidth(self.viewport().width()))

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.LayoutRequest:
            QTimer.singleShot(0, self.fit)
        return False

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.fit()
