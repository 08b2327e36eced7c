"""Admin › Trusted signers…: whose bundles this workstation accepts (issue 5 point 4).

Lists the trust list and this database's own users (trusted implicitly); adds a signer from their
public key (a PEM file such as the `signer.pem` in a bundle) after the fingerprint has been confirmed
with them by a second channel; removes one; saves the user's own public key to give to another
workstation. Every change goes through `bundle.trust` (role check and audit).
"""

from __future__ import annotations

from enum import IntEnum
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from triage_desk.errors import TriageError
from triage_desk.formatting import fmt_datetime, from_utc
from triage_desk.ui import operations
from triage_desk.ui.widgets import (
    ErrorLabel,
    add_file_row,
    add_row,
    documents_folder,
    heading,
    line_edit,
    make_plain,
    note,
    record_table,
)


class Column(IntEnum):
    FINGERPRINT = 0
    IDENTITY = 1
    SOURCE = 2
    ADDED_BY = 3
    ADDED_AT = 4


def _fmt_when(value) -> str:
    return fmt_datetime(from_utc(value), zone=True) if value else ""


class AddSignerDialog(QDialog):
    """Trust one signer's key. The fingerprint shown must be read to the signer (phone, in person) and
    the one they confirm typed in: a bundle alone never proves who made it."""

    def __init__(self, ws, public_key: bytes | None = None, identity: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.ws, self.public_key = ws, public_key
        self.added = None  # SignerInfo once added
        self.setWindowTitle("Trust a signer")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Trust a signer", 2))
        layout.addWidget(note("Bundles signed with this key will then count as trusted here. Call the signer on a "
                              "number you already know (not one from the bundle) and compare the fingerprint."))
        form = QFormLayout()
        self.key_file = line_edit("Public key file", "signer.pem")
        self.key_label, holder, self.browse = add_file_row(form, "Public &key file:", self.key_file,
                                                           "Choose the public key file", self._browse)
        self.key_file.editingFinished.connect(self._load_key_file)
        self.fingerprint = make_plain(QLabel("(choose a key file)"))
        self.fingerprint.setAccessibleName("Fingerprint of this key")
        self.fingerprint.setStyleSheet("QLabel { font-family: monospace; font-weight: bold; }")
        form.addRow("Key fingerprint:", self.fingerprint)
        self.identity = line_edit("Signer's name and role", "e.g. Dana Example (Practice lead), Northshire MASH")
        self.identity.setText(identity)
        add_row(form, "&Signer:", self.identity)
        self.confirm = line_edit("Fingerprint the signer confirmed", "64 hexadecimal characters, spaces allowed")
        add_row(form, "&Fingerprint they read you:", self.confirm)
        layout.addLayout(form)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.add_button = buttons.addButton("&Trust this signer", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if public_key is not None:  # from an opened bundle: the key is fixed
            self.key_label.hide()
            holder.hide()
            self._show_fingerprint()
            self.confirm.setFocus()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Signer's public key", self.key_file.text(),
                                              "Public keys (*.pem);;All files (*)")
        if path:
            self.key_file.setText(path)
            self._load_key_file()

    def _load_key_file(self) -> None:
        from triage_desk.bundle.signing import public_key_from_pem

        path = self.key_file.text().strip()
        if not path:
            return
        try:
            data = Path(path).read_bytes()[:10_000]
        except OSError as exc:
            self.error.show_error(f"public key file: cannot read {path} ({exc.__class__.__name__})")
            return
        try:
            self.public_key = public_key_from_pem(data, "public key file")
        except TriageError as exc:
            self.public_key = None
            self.fingerprint.setText("(not a usable key)")
            self.error.show_error(str(exc))
            return
        self.error.clear_error()
        self._show_fingerprint()

    def _show_fingerprint(self) -> None:
        from triage_desk.bundle.signing import display_fingerprint, fingerprint

        fp = display_fingerprint(fingerprint(self.public_key))
        half = len(fp) // 2
        self.fingerprint.setText(fp[:half].strip() + "\n" + fp[half:].strip())

    def _submit(self) -> None:
        from triage_desk.bundle import trust

        if self.public_key is None:
            self.error.show_error("Public key file: choose the signer's public key (a .pem file).")
            return
        if not self.confirm.text().strip():
            self.error.show_error("Fingerprint: type the fingerprint the signer read to you, to confirm the key.")
            self.confirm.setFocus()
            return
        ws, key, identity, confirm = self.ws, self.public_key, self.identity.text(), self.confirm.text()
        operations.submit(self, self.error,
                          lambda: lambda: trust.add_signer(ws, key, identity, confirm_fingerprint=confirm),
                          operations.Changes.of(operations.TRUST), self._added)

    def _added(self, signer) -> None:
        self.added = signer


class TrustDialog(QDialog):
    def __init__(self, ws, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle("Trusted signers")
        self.resize(900, 420)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Trusted signers", 2))
        layout.addWidget(note("Bundles are accepted from these keys. This database's own users are always trusted; "
                              "anyone else is trusted once their fingerprint has been confirmed with them."))
        self.table = record_table(["Fingerprint", "Signer", "Trusted because", "Added by", "Added at"],
                                  "Trusted signers")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(Column.IDENTITY, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        row = QHBoxLayout()
        self.add_button = QPushButton("&Add signer…")
        self.remove_button = QPushButton("&Remove")
        self.save_own_button = QPushButton("&Save my public key…")
        self.save_own_button.setToolTip("Give this file to another workstation so it can trust your bundles")
        close = QPushButton("Close")
        for button in (self.add_button, self.remove_button, self.save_own_button, close):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
        self.add_button.clicked.connect(self.add_signer)
        self.remove_button.clicked.connect(self.remove_selected)
        self.save_own_button.clicked.connect(self.save_own_key)
        close.clicked.connect(self.accept)
        for button in (self.add_button, self.remove_button, self.save_own_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.signers: list = []
        self._selection_changed()
        self.reload()

    def reload(self) -> None:
        """Re-read the trusted signers off the GUI thread; the table is filled when they arrive."""
        from triage_desk.bundle import trust

        ws = self.ws
        operations.query(lambda: trust.list_signers(ws), self._show, self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        operations.show_refusal(exc, self.error)

    def _show(self, signers: list) -> None:
        from triage_desk.bundle.signing import display_fingerprint

        self.signers = signers
        self.table.setRowCount(len(self.signers))
        for r, info in enumerate(self.signers):
            source = "trust list" if info.source == "trust list" else "user of this database"
            values = (display_fingerprint(info.fingerprint)[:39] + " …", info.identity, source, info.added_by or "",
                      _fmt_when(info.added_at))
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c == Column.FINGERPRINT:
                    item.setToolTip(display_fingerprint(info.fingerprint))
                self.table.setItem(r, c, item)
        self._selection_changed()

    def selected(self):
        rows = self.table.selectionModel().selectedRows()
        return self.signers[rows[0].row()] if rows else None

    def _selection_changed(self) -> None:
        info = self.selected()
        self.remove_button.setEnabled(info is not None and info.source == "trust list")

    def add_signer(self) -> None:
        if AddSignerDialog(self.ws, parent=self).exec() == QDialog.DialogCode.Accepted:
            self.error.clear_error()
            self.reload()

    def remove_selected(self) -> None:
        from triage_desk.bundle import trust

        info = self.selected()
        if info is None or info.source != "trust list":
            return
        answer = QMessageBox.question(self, "Remove signer?",
                                      f"Stop trusting bundles signed by {info.identity}?",
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        ws = self.ws
        self.error.clear_error()
        operations.change(lambda: trust.remove_signer(ws, info.fingerprint), operations.Changes.of(operations.TRUST),
                          lambda _none: self.reload(), self._failed, parent=self)

    def save_own_key(self) -> None:
        from triage_desk.bundle import trust

        ws, username = self.ws, self.ws.user.username
        path, _ = QFileDialog.getSaveFileName(self, "Save my public key", str(documents_folder() / f"{username}.pem"),
                                              "Public keys (*.pem)")
        if path:
            operations.query(lambda: trust.own_public_key(ws, username), lambda key: self._write_own_key(path, key),
                             self._failed, parent=self)

    def _write_own_key(self, path: str, key: bytes) -> None:
        from triage_desk.bundle.signing import public_key_pem

        try:
            Path(path).write_bytes(public_key_pem(key))
        except OSError as exc:
            self.error.show_error(f"file: cannot write {path} ({exc.__class__.__name__})")
            return
        self.error.clear_error()
        QMessageBox.information(self, "Public key saved", f"Saved {path}. It holds no secret: give it to the other "
                                "workstation, and read them your fingerprint by phone so they can confirm it.")
