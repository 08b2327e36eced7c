"""What a person would see cut off on a screen: text wider than its label, and widgets outside the
visible area of the window or of a scroll area that cannot scroll to them (issue 10, point 1)."""

from __future__ import annotations

import re

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

LEAVES = (QLabel, QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox, QPlainTextEdit, QTextEdit,
          QAbstractItemView)
SLACK = 2  # pixels of rounding


def _name(widget: QWidget) -> str:
    text = widget.text() if hasattr(widget, "text") and callable(widget.text) else ""
    label = (text or widget.accessibleName() or widget.objectName() or "")[:50].replace("\n", " ")
    return f"{type(widget).__name__} {label!r}"


def _inside_item_view(widget: QWidget, root: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not root:
        if isinstance(parent, (QAbstractItemView, QComboBox, QAbstractSpinBox)):
            return True
        parent = parent.parentWidget()
    return False


def _text_problem(label: QLabel) -> str | None:
    if label.pixmap() is not None and not label.pixmap().isNull():
        return None
    text = label.text()
    if not text or label.textFormat() == Qt.TextFormat.RichText or (
            label.textFormat() == Qt.TextFormat.AutoText and re.search(r"<[a-zA-Z/!]", text)):
        if label.wordWrap() or not text:
            return None
        from PySide6.QtGui import QTextDocument

        doc = QTextDocument()
        doc.setDefaultFont(label.font())
        doc.setHtml(text)
        width = doc.idealWidth() - 2 * doc.documentMargin()
    else:
        if label.wordWrap():
            need = label.heightForWidth(label.width())
            return f"wrapped text needs {need} px high, has {label.height()}" if need > label.height() + SLACK else None
        # a mnemonic's "&" is not drawn ("&&" draws one)
        lines = text.replace("&&", "\0").replace("&", "").replace("\0", "&").split("\n")
        width = max(label.fontMetrics().horizontalAdvance(line) for line in lines)
    room = label.contentsRect().width() - 2 * label.margin() - 2 * max(label.indent(), 0)
    return f"text {int(width)} px wide in {room} px" if width > room + SLACK else None


def _clipped(widget: QWidget, root: QWidget) -> str | None:
    """The part of `widget` no one can see: outside an ancestor that does not scroll to it."""
    rect = QRect(widget.mapTo(root, QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None:
        area = QRect(parent.mapTo(root, QPoint(0, 0)), parent.size()) if parent is not root else root.rect()
        owner = parent.parentWidget()
        scroll = owner if isinstance(owner, QAbstractScrollArea) and owner.viewport() is parent else None
        if scroll is not None:
            h_ok = scroll.horizontalScrollBar().maximum() > 0
            v_ok = scroll.verticalScrollBar().maximum() > 0
            if (rect.left() < area.left() - SLACK or rect.right() > area.right() + SLACK) and not h_ok:
                return f"cut off sideways in {type(scroll).__name__} with no horizontal scroll bar"
            if (rect.top() < area.top() - SLACK or rect.bottom() > area.bottom() + SLACK) and not v_ok:
                return f"cut off at the bottom of {type(scroll).__name__} with no vertical scroll bar"
            return None  # whatever the scroll area can scroll to is reachable
        if not area.adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(rect):
            return f"outside {type(parent).__name__} ({rect.x()},{rect.y()} {rect.width()}x{rect.height()} " \
                   f"in {area.x()},{area.y()} {area.width()}x{area.height()})"
        if parent is root:
            return None
        parent = parent.parentWidget()
    return None


def problems(root: QWidget) -> list[str]:
    """Every cut-off label text and unreachable widget under `root` (only what is visible)."""
    found = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, LEAVES) or not widget.isVisibleTo(root) or widget.width() <= 0:
            continue
        if _inside_item_view(widget, root):
            continue
        if isinstance(widget, QLabel) and (issue := _text_problem(widget)):
            found.append(f"{_name(widget)}: {issue}")
        if issue := _clipped(widget, root):
            found.append(f"{_name(widget)}: {issue}")
    return found


def every_page(root: QWidget):
    """Yield once per page of each tab widget and page stack under `root` (wizard steps, case tabs),
    with that page showing, so each is checked as a person would reach it."""
    from PySide6.QtWidgets import QApplication, QStackedWidget, QTabWidget

    yield None
    for book in root.findChildren(QTabWidget) + root.findChildren(QStackedWidget):
        if isinstance(book, QStackedWidget) and isinstance(book.parentWidget(), QTabWidget):
            continue  # a tab widget's own stack: its tabs are visited through the tab widget
        if not book.isVisibleTo(root):
            continue
        first = book.currentIndex()
        for index in range(book.count()):
            if index != first and book.isVisibleTo(root):
                book.setCurrentIndex(index)
                QApplication.processEvents()
                yield f"{type(book).__name__} page {index + 1}"
        book.setCurrentIndex(first)
