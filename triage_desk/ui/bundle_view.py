"""File › Open bundle…: decrypt and verify first, then report, and only then show or import the case.

1. `OpenBundleDialog` asks for what opens the file (passphrase or age identity file, chosen from the
   file's age header) and runs `bundle.verify.open_bundle` off the GUI thread.
2. `BundleReportDialog` shows the verification: signer, fingerprint, signing time, case reference, each
   member's check, trusted or not. An untrusted but intact bundle offers "Trust this signer…" to leads
   and administrators (fingerprint confirmed by a second channel). Only an intact bundle shows its case
   (the summary PDF) and only an intact, trusted one offers Import.
3. `import_dialog.ImportDialog` lists every difference with this workstation (field, here, bundle) with a tick per
   row, all unticked: nothing is overwritten unless the user accepts that row.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from triage_desk.errors import TriageError
from triage_desk.ui import operations
from triage_desk.ui.pdf_pages import CaseViewDialog
from triage_desk.ui.widgets import (
    ErrorLabel,
    PasswordField,
    add_row,
    documents_folder,
    heading,
    line_edit,
    make_plain,
    note,
)

OK_MARK, FAIL_MARK = "\u2713", "\u2717"  # ✓ ✗ (always with words: colour is never the only signal)
GOOD_STYLE = ("QLabel { color: #1b4d1b; background: #e8f5e9; border: 1px solid #a5d6a7; border-radius: 4px; "
              "padding: 8px 10px; font-weight: bold; }")
WARN_STYLE = ("QLabel { color: #5c3c00; background: #fff4d6; border: 1px solid #e8c66a; border-radius: 4px; "
              "padding: 8px 10px; font-weight: bold; }")
BAD_STYLE = ("QLabel { color: #8a1c1c; background: #fdecea; border: 1px solid #f1b0aa; border-radius: 4px; "
             "padding: 8px 10px; font-weight: bold; }")


def peek_encryption(path: str | Path) -> str | None:
    """"passphrase" | "identity" | "none" from the file's first bytes (age header stanzas); None if unknown."""
    from triage_desk.bundle.verify import AGE_MAGIC, ZIP_MAGIC

    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    if head.startswith(ZIP_MAGIC):
        return "none"
    if not head.startswith(AGE_MAGIC):
        return None
    return "passphrase" if b"\n-> scrypt " in head else "identity"


def _busy(on: bool) -> None:
    if on:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    else:
        QApplication.restoreOverrideCursor()


# ---- 1. opening ---------------------------------------------------------------------------------------
class OpenBundleDialog(QDialog):
    """Ask what opens the bundle, then decrypt and verify it; `self.bundle` is the VerifiedBundle."""

    TITLE, HEADING = "Open bundle", "Open a case bundle"
    EXPLAIN = ("The bundle is decrypted in memory and its signature and every file in it are checked before "
               "anything in it is shown.")
    ACTION = "&Open and verify"

    def __init__(self, ws, path: str | Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws, self.path = ws, Path(path)
        self.bundle = None
        self.setWindowTitle(self.TITLE)
        self.setMinimumWidth(540)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.HEADING, 2))
        name = make_plain(note(f"File: {self.path}"))
        name.setAccessibleName("Bundle file")
        layout.addWidget(name)
        layout.addWidget(note(self.EXPLAIN))
        self.kind = peek_encryption(self.path)
        self.use_passphrase = QRadioButton("Bundle &passphrase")
        self.use_identity = QRadioButton("My age &identity file (secret key)")
        group = QButtonGroup(self)
        group.addButton(self.use_passphrase)
        group.addButton(self.use_identity)
        for button in (self.use_passphrase, self.use_identity):
            button.setAccessibleName(button.text().replace("&", ""))
        form = QFormLayout()
        self.passphrase = PasswordField("Bundle passphrase")
        self.identity = line_edit("Age identity file", "key.txt from age-keygen")
        self.browse = QPushButton("B&rowse…")
        self.browse.setAccessibleName("Choose the age identity file")
        self.browse.clicked.connect(self._browse)
        id_row = QHBoxLayout()
        id_row.setContentsMargins(0, 0, 0, 0)
        id_row.addWidget(self.identity, 1)
        id_row.addWidget(self.browse)
        id_holder = QWidget()
        id_holder.setLayout(id_row)
        form.addRow(self.use_passphrase)
        pass_label = add_row(form, "Pass&phrase:", self.passphrase)
        form.addRow(self.use_identity)
        id_label = add_row(form, "Identity &file:", id_holder)
        id_label.setBuddy(self.identity)
        self.unencrypted_note = note("This bundle is not encrypted: nothing is needed to open it.")
        layout.addLayout(form)
        layout.addWidget(self.unencrypted_note)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.open_button = buttons.addButton(self.ACTION, QDialogButtonBox.ButtonRole.AcceptRole)
        self.open_button.setDefault(True)
        buttons.accepted.connect(self.start)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.use_passphrase.toggled.connect(self._mode_changed)
        (self.use_identity if self.kind == "identity" else self.use_passphrase).setChecked(True)
        encrypted = self.kind != "none"
        for widget in (self.use_passphrase, self.use_identity, pass_label, id_label, id_holder):
            widget.setVisible(encrypted)
        self.unencrypted_note.setVisible(not encrypted)
        self._mode_changed()

    def _mode_changed(self, *_args) -> None:
        by_passphrase = self.use_passphrase.isChecked()
        self.passphrase.setEnabled(by_passphrase)
        self.identity.setEnabled(not by_passphrase)
        self.browse.setEnabled(not by_passphrase)
        (self.passphrase if by_passphrase else self.identity).setFocus()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Age identity file", self.identity.text(),
                                              "Age keys (*.txt *.key);;All files (*)")
        if path:
            self.identity.setText(path)

    def start(self) -> None:
        kwargs: dict = {}
        if self.kind != "none":
            if self.use_passphrase.isChecked():
                if not self.passphrase.text():
                    self.error.show_error("Passphrase: type the bundle passphrase the sender gave you.")
                    return
                kwargs["passphrase"] = self.passphrase.text()
            else:
                if not self.identity.text().strip():
                    self.error.show_error("Identity file: choose your age secret key file.")
                    return
                kwargs["identity"] = self.identity.text().strip()
        self.error.clear_error()
        self.open_button.setEnabled(False)
        _busy(True)
        self.run(kwargs)

    def run(self, kwargs: dict) -> None:
        """Decrypt and verify off the GUI thread (a subclass imports instead); `_done` gets the result."""
        from triage_desk.bundle.verify import open_bundle

        ws, path = self.ws, self.path
        operations.query(lambda: open_bundle(path, ws=ws, **kwargs), self._done, self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        _busy(False)
        self.open_button.setEnabled(True)
        if not isinstance(exc, TriageError):
            raise exc
        self.error.show_error(str(exc))
        if self.use_passphrase.isChecked():
            self.passphrase.selectAll()

    def _done(self, bundle) -> None:
        _busy(False)
        self.open_button.setEnabled(True)
        self.bundle = bundle
        self.accept()


# ---- 2. the verification report -------------------------------------------------------------------------
def verdict(bundle) -> tuple[str, str]:
    """(words, style) for the headline."""
    if bundle.ok:
        return f"{OK_MARK} Intact and signed by a trusted signer", GOOD_STYLE
    if bundle.intact:
        return (f"{OK_MARK} Intact, but the signer is NOT trusted on this workstation: check who signed it "
                "before relying on it"), WARN_STYLE
    return f"{FAIL_MARK} REFUSED: the bundle is damaged or was altered. Its contents are not shown.", BAD_STYLE


class BundleReportDialog(QDialog):
    def __init__(self, ws, bundle, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws, self.bundle = ws, bundle
        self.setWindowTitle(f"Bundle check - {bundle.path.name}")
        self.resize(760, 560)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Bundle check", 2))
        words, style = verdict(bundle)
        self.verdict = make_plain(QLabel(words))
        self.verdict.setWordWrap(True)
        self.verdict.setStyleSheet(style)
        self.verdict.setAccessibleName("Result")
        layout.addWidget(self.verdict)

        layout.addLayout(self._facts(bundle))
        self._build_members(bundle)
        layout.addWidget(self.members, 1)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        row, close = self._button_row()
        layout.addLayout(row)
        self.refresh_buttons()
        close.setFocus()

    def _facts(self, bundle) -> QFormLayout:
        """Signer, fingerprint, when, case, encryption, signature and trust, one line each."""
        from triage_desk.bundle.signing import display_fingerprint

        form = QFormLayout()
        self.fields: dict[str, QLabel] = {}
        fp = display_fingerprint(bundle.fingerprint) if bundle.fingerprint else "unknown"
        trust = (f"yes ({bundle.trust_source})" if bundle.trusted else "NO - not on this workstation's trust list")
        rows = (("Signer", bundle.identity), ("Key fingerprint", fp), ("Signed at", _when(bundle.signed_at)),
                ("Case", bundle.case_ref or "unknown"), ("Encryption", _encryption(bundle.encryption)),
                ("Signature", f"{OK_MARK} valid" if bundle.signature_ok else f"{FAIL_MARK} NOT valid"),
                ("Trusted signer", trust),
                ("Decision signatures", "\n".join(bundle.signature_lines()) or "not shown (the bundle is not intact)"))
        for name, value in rows:
            label = make_plain(QLabel(value), selectable=True)
            label.setWordWrap(True)
            label.setAccessibleName(name)
            if name == "Key fingerprint":
                label.setStyleSheet("QLabel { font-family: monospace; }")
            self.fields[name] = label
            form.addRow(f"{name}:", label)
        return form

    def _build_members(self, bundle) -> None:
        """Each member file's check, then any problem with the bundle as a whole."""
        self.members = QTableWidget(0, 3)
        self.members.setHorizontalHeaderLabels(["Check", "File", "Result"])
        self.members.setAccessibleName("Checks of each file in the bundle")
        self.members.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.members.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.members.verticalHeader().hide()
        header = self.members.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        lines = [(m.ok, m.path, m.detail) for m in bundle.members] + [(False, "(bundle)", p) for p in bundle.problems]
        self.members.setRowCount(len(lines))
        for r, (ok, path, detail) in enumerate(lines):
            mark = QTableWidgetItem(f"{OK_MARK} ok" if ok else f"{FAIL_MARK} failed")
            mark.setForeground(Qt.GlobalColor.darkGreen if ok else Qt.GlobalColor.darkRed)
            self.members.setItem(r, 0, mark)
            self.members.setItem(r, 1, QTableWidgetItem(path))
            self.members.setItem(r, 2, QTableWidgetItem(detail))

    def _button_row(self) -> tuple[QHBoxLayout, QPushButton]:
        row = QHBoxLayout()
        self.trust_button = QPushButton("&Trust this signer…")
        self.view_button = QPushButton("&Show the case")
        self.import_button = QPushButton("&Import…")
        close = QPushButton("Close")
        for button in (self.trust_button, self.view_button, self.import_button, close):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
            row.addWidget(button)
            if button is self.import_button:
                row.addStretch(1)
        self.trust_button.clicked.connect(self.trust_signer)
        self.view_button.clicked.connect(self.show_case)
        self.import_button.clicked.connect(self.import_case)
        close.clicked.connect(self.accept)
        return row, close

    def can_trust(self) -> bool:
        role = getattr(self.ws.user, "role", None)
        return self.bundle.intact and not self.bundle.trusted and role in ("lead", "admin")

    def refresh_buttons(self) -> None:
        b = self.bundle
        self.trust_button.setVisible(self.can_trust())
        self.view_button.setVisible(b.intact)  # a damaged bundle shows nothing of its case
        self.import_button.setVisible(b.intact)
        self.import_button.setEnabled(b.ok)
        self.import_button.setToolTip("" if b.ok else "Only bundles from a trusted signer can be imported")

    def trust_signer(self) -> None:
        from triage_desk import case_access
        from triage_desk.ui.trust_dialog import AddSignerDialog

        dialog = AddSignerDialog(self.ws, self.bundle.public_key, self.bundle.identity, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        ws, bundle = self.ws, self.bundle
        operations.query(lambda: case_access.refresh_bundle_trust(ws, bundle), self._trust_checked, parent=self)

    def _trust_checked(self, _none) -> None:
        words, style = verdict(self.bundle)
        self.verdict.setText(words)
        self.verdict.setStyleSheet(style)
        self.fields["Trusted signer"].setText(f"yes ({self.bundle.trust_source})")
        self.refresh_buttons()

    def show_case(self) -> None:
        from triage_desk import case_access

        b, ws = self.bundle, self.ws
        # Reading a case from a bundle is a case view like any other: on record before it is shown.
        operations.change(lambda: case_access.view_bundle_case(ws, b), operations.Changes.of(operations.AUDIT),
                          lambda _none: CaseViewDialog(b.case_ref or "case", b.pdf, self).exec(),
                          self._view_failed, parent=self)

    def _view_failed(self, exc: BaseException) -> None:
        operations.show_refusal(exc, self.error)

    def import_case(self) -> None:
        from triage_desk.bundle.importer import plan_import

        self.import_button.setEnabled(False)
        _busy(True)
        ws, bundle = self.ws, self.bundle

        def failed(exc: BaseException) -> None:
            _busy(False)
            self.refresh_buttons()
            if not isinstance(exc, TriageError):
                raise exc
            self.error.show_error(str(exc))

        def planned(plan) -> None:
            _busy(False)
            self.refresh_buttons()
            from triage_desk.ui.import_dialog import ImportDialog

            self.import_dialog = ImportDialog(ws, plan, self)
            self.import_dialog.exec()

        operations.query(lambda: plan_import(ws, bundle), planned, failed, parent=self)


def _when(value: str | None) -> str:
    """The bundle's creation time in UK time, with GMT/BST: it may have been made on another machine."""
    from triage_desk.formatting import fmt_datetime, to_moment

    if not value:
        return "unknown"
    return fmt_datetime(value, zone=True) if to_moment(value) else value


def _encryption(kind: str) -> str:
    return {"passphrase": "age, to a passphrase", "identity": "age, to your age key",
            "none": "NONE - the file was not encrypted"}.get(kind, kind)


# ---- the case (summary PDF) -----------------------------------------------------------------------------
# ---- the whole flow from the menu -----------------------------------------------------------------------
def open_bundle_flow(ws, parent: QWidget | None = None, path: str | None = None) -> None:
    if path is None:
        path, _ = QFileDialog.getOpenFileName(parent, "Open a case bundle", str(documents_folder()),
                                              "Case bundles (*.tdcase *.zip);;All files (*)")
        if not path:
            return
    opener = OpenBundleDialog(ws, path, parent)
    if opener.exec() != QDialog.DialogCode.Accepted or opener.bundle is None:
        return
    BundleReportDialog(ws, opener.bundle, parent).exec()
