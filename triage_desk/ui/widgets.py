"""Shared widgets: error label, password field with show/hide, labelled form rows, the one-time
recovery-code panel, and small helpers for tab order and the busy cursor.

The sign-in window is built from these before anything else is loaded, so nothing here touches the
`Qt` namespace at import or in the sign-in path: PySide6 builds it lazily and that costs ~25 ms.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QFont, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

ERROR_STYLE = ("QLabel { color: #8a1c1c; background: #fdecea; border: 1px solid #f1b0aa; "
               "border-radius: 4px; padding: 6px 8px; }")
WARNING_STYLE = ("QLabel { color: #5c3c00; background: #fff4d6; border: 1px solid #e8c66a; "
                 "border-radius: 4px; padding: 8px 10px; }")


class ErrorLabel(QLabel):
    """A message shown inside a dialog (never a separate pop-up); empty means hidden.
    The words carry the meaning; the tint is only a cue (colour is never the only signal)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(ERROR_STYLE)
        self.setAccessibleName("Error message")
        self.hide()

    def show_error(self, message: str) -> None:
        if message:
            make_plain(self, selectable=True)
        self.setText(message[:1].upper() + message[1:] if message else "")
        self.setVisible(bool(message))
        if message:
            grow_to_fit(self.window())

    def clear_error(self) -> None:
        self.show_error("")


def grow_to_fit(window: QWidget) -> None:
    """Let a dialog grow when a message appears, so wrapped text is never clipped."""
    from PySide6.QtWidgets import QDialog, QWizard

    if not isinstance(window, QDialog) or isinstance(window, QWizard) or window.layout() is None:
        return
    window.layout().activate()
    width = window.width()
    need = window.heightForWidth(width) if window.hasHeightForWidth() else window.sizeHint().height()
    if need > window.height():
        window.resize(width, need)


class PasswordField(QLineEdit):
    """A password line edit with a show/hide toggle (Ctrl+H or the trailing action)."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setEchoMode(QLineEdit.EchoMode.Password)
        self.setAccessibleName(accessible_name)
        self.setMinimumWidth(260)
        self._toggle = QAction("Show", self)
        self._toggle.setToolTip("Show or hide what you typed")
        self._toggle.setCheckable(True)
        self._toggle.toggled.connect(self._set_visible)
        self.addAction(self._toggle, QLineEdit.ActionPosition.TrailingPosition)
        self._set_visible(False)

    def _set_visible(self, visible: bool) -> None:
        self.setEchoMode(QLineEdit.EchoMode.Normal if visible else QLineEdit.EchoMode.Password)
        self._toggle.setText("Hide" if visible else "Show")
        self._toggle.setIcon(_icon("eye-off.png" if visible else "eye.png"))

    def is_revealed(self) -> bool:
        return self.echoMode() == QLineEdit.EchoMode.Normal

    def set_revealed(self, visible: bool) -> None:
        self._toggle.setChecked(visible)


def _icon(name: str):
    # A PNG, not an icon painted at start-up: QPainter's first use builds many enums (~30 ms).
    from PySide6.QtGui import QIcon

    from triage_desk.paths import resource_path

    return QIcon(str(resource_path("icons", name)))


def text_box(name: str, placeholder: str = "", *, max_height: int | None = None, min_height: int | None = None):
    """A few lines of free text that Tab leaves (keyboard users are never trapped in it)."""
    from PySide6.QtWidgets import QPlainTextEdit

    box = QPlainTextEdit()
    box.setAccessibleName(name)
    box.setPlaceholderText(placeholder)
    box.setTabChangesFocus(True)
    if max_height is not None:
        box.setMaximumHeight(max_height)
    if min_height is not None:
        box.setMinimumHeight(min_height)
    return box


def record_table(headers, name: str, *, choose_one: bool = True):
    """A read-only table of records, one a row, without row numbers; `choose_one`: whole rows, one at a time."""
    from PySide6.QtWidgets import QAbstractItemView, QTableWidget

    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setAccessibleName(name)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    if choose_one:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    return table


def scroll_contents(widget: QWidget):
    """Move `widget`'s layout (with its widgets) into a frameless scroll area that fills it, so on a small
    screen the page scrolls instead of being clipped. Call once the layout is built."""
    from PySide6.QtWidgets import QScrollArea

    body = QWidget()
    body.setLayout(widget.layout())  # Qt lets a widget take over another's layout and its widgets
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(body)
    outer = QVBoxLayout(widget)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.addWidget(area)
    return area


def shrinkable(*boxes, characters: int = 14) -> None:
    """Drop-downs sized from a few characters, not their longest choice, so a row of them fits a
    1024-pixel screen; they still grow with the window and the open list shows whole choices."""
    from PySide6.QtWidgets import QComboBox

    for box in boxes:
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(characters)


def documents_folder():
    """Where exports and saved files go by default: the user's Documents folder, made if it does not exist
    yet (a new Windows profile or a Linux desktop may not have one). Falls back to the home folder."""
    from pathlib import Path

    from PySide6.QtCore import QStandardPaths

    home = Path.home()
    folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or home)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return home
    return folder


def line_edit(accessible_name: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setAccessibleName(accessible_name)
    edit.setPlaceholderText(placeholder)
    edit.setMinimumWidth(260)
    return edit


def add_row(form: QFormLayout, text: str, field: QWidget) -> QLabel:
    """A form row whose label is the field's buddy (Alt+letter jumps to the field)."""
    label = QLabel(text)
    label.setBuddy(field)
    form.addRow(label, field)
    return label


def add_file_row(form: QFormLayout, text: str, field: QLineEdit, browse_name: str,
                 on_browse) -> tuple[QLabel, QWidget, QPushButton]:
    """A file name field with a Browse… button beside it, as one form row (the label's buddy is the field).
    Returns the label, the row and the button."""
    browse = QPushButton("B&rowse…")
    browse.setAccessibleName(browse_name)
    browse.clicked.connect(on_browse)
    holder = QWidget()
    row = QHBoxLayout(holder)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(field, 1)
    row.addWidget(browse)
    label = add_row(form, text, holder)
    label.setBuddy(field)
    return label, holder, browse


def chain_tab_order(*widgets: QWidget) -> None:
    for first, second in zip(widgets, widgets[1:], strict=False):
        QWidget.setTabOrder(first, second)


def heading(text: str, size_delta: int = 4) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setPointSize(font.pointSize() + size_delta)
    font.setBold(True)
    label.setFont(font)
    label.setAccessibleName(text)
    return label


def note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def make_plain(label: QLabel, *, selectable: bool = False) -> QLabel:
    """Plain text (never rich text): for labels showing user-entered text such as display names."""
    from PySide6.QtCore import Qt

    label.setTextFormat(Qt.TextFormat.PlainText)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


@contextmanager
def busy_cursor() -> Iterator[None]:
    from PySide6.QtCore import Qt

    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


def attempt(error, action) -> bool:
    """Run a dialog's `action()` with a busy cursor. A TriageError is shown in the dialog's `error`
    label and False returned, so the dialog stays open with what the user typed."""
    from triage_desk.errors import TriageError

    try:
        with busy_cursor():
            action()
    except TriageError as exc:
        error.show_error(str(exc))
        return False
    return True


def passphrase_feedback(text: str, minimum: int = 10) -> tuple[int, str]:
    """(score 0-4, words) for the strength meter. The hard rule lives in the core
    (vault.check_passphrase_strength); this only nudges towards long, varied passphrases."""
    if not text:
        return 0, "Enter a passphrase"
    if len(text) < minimum:
        return 0, f"Too short (min. {minimum})"
    if len(set(text)) < 4:
        return 0, "Too repetitive"
    score = 1
    score += len(text) >= 16
    score += len(text) >= 24 or (len(text) >= 16 and " " in text.strip())
    kinds = sum(any(f(c) for c in text) for f in (str.islower, str.isupper, str.isdigit,
                                                   lambda c: not c.isalnum()))
    score += kinds >= 3
    score = min(score, 4)
    return score, ["Too weak", "Acceptable", "Fair", "Good", "Strong"][score]


class StrengthMeter(QWidget):
    """A bar plus words (colour is never the only signal)."""

    def __init__(self, parent: QWidget | None = None):
        from PySide6.QtWidgets import QProgressBar

        super().__init__(parent)
        self.bar = QProgressBar()
        self.bar.setRange(0, 4)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.bar.setAccessibleName("Passphrase strength")
        self.words = QLabel()
        self.words.setAccessibleName("Passphrase strength")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar, 1)
        layout.addWidget(self.words)
        self.update_for("")

    def update_for(self, text: str) -> None:
        score, words = passphrase_feedback(text)
        self.bar.setValue(score)
        colour = ["#c62828", "#ef6c00", "#f9a825", "#2e7d32", "#1b5e20"][score]
        self.bar.setStyleSheet(f"QProgressBar::chunk {{ background: {colour}; }}")
        self.words.setText(f"Strength: {words}")


class RecoveryCodePanel(QWidget):
    """Shows a recovery code once: large monospace text, a warning, a copy button and an
    'I have stored it' tick that the surrounding dialog/page waits for (`confirmed_changed`)."""

    confirmed_changed = Signal(bool)

    def __init__(self, code: str = "", parent: QWidget | None = None):
        from PySide6.QtCore import Qt

        super().__init__(parent)
        warning = note("This recovery code is shown only once. Write it down or print it and keep it "
                       "somewhere safe away from this computer (for example the IT safe). With the "
                       "passphrase forgotten and no keyring, it is the only way to open the database. "
                       "Anyone holding it and a copy of the database can read the data.")
        warning.setStyleSheet(WARNING_STYLE)
        warning.setAccessibleName("Recovery code warning")
        self.code_label = QLabel(code)
        font = QFont("DejaVu Sans Mono")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(font.pointSize() + 6 if font.pointSize() > 0 else 16)
        font.setBold(True)
        self.code_label.setFont(font)
        self.code_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.code_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code_label.setFrameShape(QFrame.Shape.StyledPanel)
        self.code_label.setMinimumHeight(56)
        self.code_label.setAccessibleName("Recovery code")
        self.copy_button = QPushButton("&Copy to clipboard")
        self.copy_button.setAccessibleName("Copy recovery code to clipboard")
        self.copy_button.setAutoDefault(False)
        self.copy_button.clicked.connect(self._copy)
        self.print_button = QPushButton("&Print…")
        self.print_button.setAccessibleName("Print the recovery code")
        self.print_button.setToolTip("A one-page sheet with the code and the administrator key fingerprint "
                                     "(print preview first; nothing is saved to disk)")
        self.print_button.setAutoDefault(False)
        self.print_button.clicked.connect(self._print)
        self.fingerprint: str | None = None  # the pinned administrator key, printed with the code
        self.copied = QLabel("")
        self.copied.setWordWrap(True)
        self.stored = QCheckBox("I have &stored the recovery code in a safe place")
        self.stored.setAccessibleName("I have stored the recovery code")
        self.stored.toggled.connect(self.confirmed_changed)
        row = QHBoxLayout()
        row.addWidget(self.copy_button)
        row.addWidget(self.print_button)
        row.addWidget(self.copied, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(warning)
        layout.addWidget(self.code_label)
        layout.addLayout(row)
        layout.addWidget(self.stored)
        chain_tab_order(self.copy_button, self.print_button, self.stored)

    def set_code(self, code: str) -> None:
        self.code_label.setText(code)
        self.stored.setChecked(False)

    def code(self) -> str:
        return self.code_label.text()

    def is_confirmed(self) -> bool:
        return self.stored.isChecked()

    def set_fingerprint(self, fingerprint: str | None) -> None:
        self.fingerprint = fingerprint

    def _print(self) -> None:
        from datetime import UTC, datetime

        from triage_desk.reports.recovery_sheet import recovery_sheet
        from triage_desk.ui.pdf_pages import preview_print

        pdf = recovery_sheet(self.code(), self.fingerprint, datetime.now(UTC))
        pages = preview_print(self.window(), "Recovery code", pdf)
        self.copied.setText("Sent to the printer. Keep the sheet somewhere safe, away from this computer."
                            if pages else "Print preview closed; nothing was printed.")

    def _copy(self) -> None:
        QGuiApplication.clipboard().setText(self.code())
        self.copied.setText("Copied. Paste it somewhere safe, then clear the clipboard.")
