"""File › Export case bundle…: choose how the bundle is encrypted, unlock the signing key, pick the file.

Encryption is to a passphrase (typed twice, with a strength hint) or to a recipient's age public key;
an unencrypted bundle is possible only after ticking a warning and confirming it again (asked twice).
The export itself (`bundle.export.export_case`) runs off the GUI thread.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QMessageBox,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from triage_desk.ui import operations
from triage_desk.ui.widgets import (
    WARNING_STYLE,
    ErrorLabel,
    PasswordField,
    StrengthMeter,
    add_file_row,
    add_row,
    documents_folder,
    heading,
    line_edit,
    make_plain,
    note,
)

BUNDLE_SUFFIX = ".tdcase"
PASSPHRASE, RECIPIENT, UNENCRYPTED = "passphrase", "recipient", "none"


def default_folder() -> Path:
    return documents_folder()


class ExportDialog(QDialog):
    def __init__(self, ws, reference: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws, self.reference = ws, reference
        self.result_info = None  # ExportResult once written
        self.setWindowTitle(f"Export case bundle {reference}")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(f"Export {reference} as a signed bundle", 3))
        layout.addWidget(note("The bundle holds the referral, its summary PDF and its audit events. It is signed "
                              "with your key, so the receiver can prove nobody changed it, and encrypted, so only "
                              "the holder of the passphrase or the matching age key can read it."))

        layout.addWidget(self._encryption_box())
        self.modes.idToggled.connect(self._mode_toggled)
        layout.addLayout(self._signing_form(reference))
        layout.addWidget(make_plain(note("Signing uses your password to unlock your own key; it is not stored.")))

        self.error = ErrorLabel()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = self.buttons.addButton("&Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self.start_export)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for first, second in pairwise([self.mode_none, self.passphrase, self.repeat, self.recipient, self.understood,
                                       self.password, self.out, self.browse]):
            QWidget.setTabOrder(first, second)
        self.passphrase.setFocus()


    def _encryption_box(self) -> QGroupBox:
        """To a passphrase, to an age public key, or (not recommended) unencrypted; one page each."""
        box = QGroupBox("Encryption")
        box_layout = QVBoxLayout(box)
        self.mode_passphrase = QRadioButton("To a &passphrase (tell it to the receiver by another route)")
        self.mode_recipient = QRadioButton("To the receiver's age &public key")
        self.mode_none = QRadioButton("&Unencrypted (not recommended)")
        self.modes = QButtonGroup(self)
        for n, button in enumerate((self.mode_passphrase, self.mode_recipient, self.mode_none)):
            button.setAccessibleName(button.text().replace("&", ""))
            self.modes.addButton(button, n)
            box_layout.addWidget(button)
        self.mode_passphrase.setChecked(True)
        from triage_desk import policy  # the export service refuses it too; this only saves a wasted try

        if not policy.current().unencrypted_export_allowed:
            self.mode_none.setEnabled(False)
            self.mode_none.setToolTip("Turned off: set by your IT department")
        self.pages = QStackedWidget()
        self.pages.addWidget(self._passphrase_page())
        self.pages.addWidget(self._recipient_page())
        self.pages.addWidget(self._unencrypted_page())
        box_layout.addWidget(self.pages)
        self._show_page(0)
        return box

    def _signing_form(self, reference: str) -> QFormLayout:
        form = QFormLayout()
        self.password = PasswordField("Your password")
        add_row(form, "Your pass&word:", self.password).setToolTip("Unlocks your signing key")
        self.out = line_edit("Bundle file")
        self.out.setText(str(default_folder() / f"{reference}{BUNDLE_SUFFIX}"))
        _label, _row, self.browse = add_file_row(form, "Save &to:", self.out, "Choose the bundle file", self._browse)
        return form

    # ---- pages --------------------------------------------------------------------------------------
    def _passphrase_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(20, 4, 0, 0)
        self.passphrase = PasswordField("Bundle passphrase")
        self.repeat = PasswordField("Repeat the bundle passphrase")
        self.meter = StrengthMeter()
        self.passphrase.textChanged.connect(self.meter.update_for)
        add_row(form, "Bundle pass&phrase:", self.passphrase)
        add_row(form, "Re&peat it:", self.repeat)
        form.addRow("", self.meter)
        return page

    def _recipient_page(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(20, 4, 0, 0)
        self.recipient = line_edit("Receiver's age public key", "age1…")
        add_row(form, "Age public &key:", self.recipient)
        form.addRow("", note("The receiver makes a key pair with age-keygen and sends you the public key "
                             "(one line starting with age1). Only their secret key opens the bundle."))
        return page

    def _unencrypted_page(self) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(20, 4, 0, 0)
        warning = make_plain(QLabel("Warning: an unencrypted bundle can be read by anyone who gets hold of the "
                                    "file - on a lost USB stick, in an e-mail, in a backup. It is still signed, "
                                    "so changes are detected, but nothing keeps it private."))
        warning.setWordWrap(True)
        warning.setStyleSheet(WARNING_STYLE)
        warning.setAccessibleName("Warning")
        self.understood = QCheckBox("I understand that anyone who gets the file can read this case")
        self.understood.setAccessibleName("I understand that anyone who gets the file can read this case")
        box.addWidget(warning)
        box.addWidget(self.understood)
        return page

    def _mode_toggled(self, mode_id: int, checked: bool) -> None:
        if checked:
            self._show_page(mode_id)
            self.error.clear_error()
            if self.out.text().endswith(BUNDLE_SUFFIX) or self.out.text().endswith(".zip"):
                stem = self.out.text().rsplit(".", 1)[0]
                self.out.setText(stem + (".zip" if mode_id == 2 else BUNDLE_SUFFIX))

    def _show_page(self, index: int) -> None:
        # Only the shown page counts for the size, so the dialog has no empty gap under a short page.
        from PySide6.QtWidgets import QSizePolicy

        for i in range(self.pages.count()):
            policy = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
            self.pages.widget(i).setSizePolicy(policy, policy)
        self.pages.setCurrentIndex(index)
        if self.isVisible():
            self.layout().activate()
            self.resize(self.width(), self.sizeHint().height())

    def mode(self) -> str:
        return (PASSPHRASE, RECIPIENT, UNENCRYPTED)[self.modes.checkedId()]

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the case bundle", self.out.text(),
                                              "Case bundles (*.tdcase);;Zip files (*.zip);;All files (*)")
        if path:
            self.out.setText(path)

    # ---- checking and exporting ---------------------------------------------------------------------
    def problem(self) -> str | None:
        """What stops the export, in plain words (checked here so the user never waits for a refusal)."""
        from triage_desk.vault import MIN_PASSPHRASE

        mode = self.mode()
        if mode == PASSPHRASE:
            text = self.passphrase.text()
            if len(text) < MIN_PASSPHRASE:
                return f"Bundle passphrase: use at least {MIN_PASSPHRASE} characters."
            if text != self.repeat.text():
                return "The two bundle passphrases do not match. Type the same passphrase twice."
        elif mode == RECIPIENT:
            from triage_desk.bundle.export import parse_recipient
            from triage_desk.errors import InputError

            try:
                parse_recipient(self.recipient.text())
            except InputError:
                return "Age public key: this is not an age public key (one line starting with age1)."
        elif not self.understood.isChecked():
            return "Tick the box to confirm you understand the bundle will not be encrypted."
        if not self.password.text():
            return "Your password: needed to unlock your signing key."
        out = self.out.text().strip()
        if not out:
            return "Save to: choose where to save the bundle."
        if not Path(out).parent.is_dir():
            return f"Save to: the folder {Path(out).parent} does not exist."
        return None

    def _confirm_unencrypted(self) -> bool:
        answer = QMessageBox.warning(
            self, "Export without encryption?",
            f"The bundle for {self.reference} will NOT be encrypted. Anyone who gets the file can read the "
            "whole case. Export it unencrypted anyway?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def _confirm_overwrite(self, out: Path) -> bool:
        if not out.exists():
            return True
        answer = QMessageBox.question(self, "Replace the file?", f"{out} already exists. Replace it?",
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def start_export(self) -> None:
        problem = self.problem()
        if problem:
            self.error.show_error(problem)
            return
        mode, out = self.mode(), Path(self.out.text().strip())
        if mode == UNENCRYPTED and not self._confirm_unencrypted():
            return
        if not self._confirm_overwrite(out):
            return
        self.error.clear_error()
        kwargs = {PASSPHRASE: {"passphrase": self.passphrase.text()},
                  RECIPIENT: {"recipient": self.recipient.text().strip()},
                  UNENCRYPTED: {"unencrypted": True}}[mode]
        ws, reference, password = self.ws, self.reference, self.password.text()

        def work():
            from triage_desk.bundle.export import export_case

            return export_case(ws, reference, password=password, out=out, **kwargs)

        self._set_busy(True)
        operations.change(work, operations.Changes.of(operations.AUDIT), self._done, self._failed, parent=self)

    def _set_busy(self, busy: bool) -> None:
        from PySide6.QtCore import Qt

        if busy:
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        else:
            QApplication.restoreOverrideCursor()
        for widget in (self.export_button, self.pages, self.password, self.out, self.browse,
                       self.mode_passphrase, self.mode_recipient, self.mode_none):
            widget.setEnabled(not busy)
        self.export_button.setText("Exporting…" if busy else "&Export")

    def _failed(self, exc: BaseException) -> None:
        from triage_desk.errors import TriageError

        self._set_busy(False)
        if not isinstance(exc, TriageError):
            raise exc
        self.error.show_error(str(exc))
        if "password" in str(exc).lower() and "passphrase" not in str(exc).lower():
            self.password.selectAll()
            self.password.setFocus()

    def _done(self, result) -> None:
        from triage_desk.bundle.signing import display_fingerprint

        self._set_busy(False)
        self.result_info = result
        how = {"passphrase": "encrypted to the passphrase you chose",
               "recipient": "encrypted to the receiver's age key",
               "none": "NOT encrypted"}[result.encryption]
        QMessageBox.information(
            self, "Bundle exported",
            f"Saved {result.path}\n\nCase {result.reference}, {how}.\n\nSigned with your key, fingerprint:\n"
            f"{display_fingerprint(result.fingerprint)}\n\nGive the receiver this fingerprint by phone or in "
            "person so they can check who signed the bundle.")
        self.accept()
