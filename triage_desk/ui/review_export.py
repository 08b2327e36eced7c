"""File › Export review pack… (practice leads and administrators at the front door), beside the CLI's
`review-pack export`: the decisions awaiting approval, chosen cases or a reproducible dip sample, blind
or not, signed by the signed-in user and encrypted to the reviewing lead's age key or a passphrase.
Runs through ui/operations; the result (cases, file, sample seed to re-draw it) is shown in words."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from triage_desk.errors import InputError, TriageError
from triage_desk.ui import operations
from triage_desk.ui.review_pack_dialog import REVIEW
from triage_desk.ui.widgets import ErrorLabel, PasswordField, documents_folder, heading, line_edit, make_plain

DEFAULT_SAMPLE = "per_month=10,stratify=level+outcome,overrides=all,status=closed,by_team=yes"


class ExportPackDialog(QDialog):
    def __init__(self, ws, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws, self.result = ws, None
        self.setWindowTitle("Export review pack")
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Export a review pack for a practice lead", 2))
        self.queue = QRadioButton("Every decision awaiting approval")
        self.chosen = QRadioButton("These cases")
        self.sampled = QRadioButton("A dip sample")
        group = QButtonGroup(self)
        for button in (self.queue, self.chosen, self.sampled):
            button.setAccessibleName(button.text())
            group.addButton(button)
        self.queue.setChecked(True)
        self.refs = line_edit("Case references", "TD-2026-000001, TD-2026-000002")
        self.spec = line_edit("Sample", "per_month=10,stratify=level+outcome,…")
        self.spec.setText(DEFAULT_SAMPLE)
        self.seed = line_edit("Seed", "new seed (or one recorded with an earlier pack)")
        self.blind = QCheckBox("&Blind: the lead scores each case before its decision is shown")
        self.blind.setAccessibleName("Blind review")
        self.recipient = line_edit("Lead's age public key", "age1… (from age-keygen on the lead's laptop)")
        self.passphrase = PasswordField("Pack passphrase")
        self.out = line_edit("Save as", "review-pack.tdreview")
        self.out.setText(str(documents_folder() / "review-pack.tdreview"))
        form = QFormLayout()
        form.addRow(self.queue)
        form.addRow(self.chosen, self.refs)
        form.addRow(self.sampled, self.spec)
        form.addRow("Sample seed:", self.seed)
        form.addRow(self.blind)
        form.addRow("Encrypt to the lead's key:", self.recipient)
        form.addRow("…or to a passphrase:", self.passphrase)
        form.addRow("Save as:", self.out)
        browse = QPushButton("B&rowse…")
        browse.setAccessibleName("Choose where to save the pack")
        browse.clicked.connect(self.browse)
        form.addRow("", browse)
        layout.addLayout(form)
        self.error = ErrorLabel()
        self.outcome = make_plain(QLabel(""), selectable=True)
        self.outcome.setAccessibleName("Export result")
        self.outcome.setWordWrap(True)
        layout.addWidget(self.error)
        layout.addWidget(self.outcome)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = buttons.addButton("&Sign, encrypt and save", QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.clicked.connect(self.start)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _request(self) -> dict:
        """What the form asks for, as export_pack's arguments; refusals name the field."""
        recipient, passphrase = self.recipient.text().strip(), self.passphrase.text()
        if bool(recipient) == bool(passphrase):
            raise InputError("encryption: give the lead's age public key or a pack passphrase (one of them)")
        if not self.out.text().strip():
            raise InputError("save as: choose where to save the pack")
        kw: dict = {"blind": self.blind.isChecked(), "out": self.out.text().strip(),
                    "recipient": recipient or None, "passphrase": passphrase or None}
        if self.sampled.isChecked():
            return kw | {"sample": self.spec.text().strip(), "seed": self.seed.text().strip() or None}
        if self.chosen.isChecked():
            refs = [r.strip() for r in self.refs.text().split(",") if r.strip()]
            if not refs:
                raise InputError("cases: type the references of the cases to send, separated by commas")
            return kw | {"cases": refs}
        return kw | {"cases": ["approval-queue"]}

    def start(self) -> None:
        from triage_desk.review_pack import export_pack

        try:
            kw = self._request()
        except TriageError as exc:
            self.error.show_error(str(exc))
            return
        self.error.clear_error()
        self.outcome.clear()
        self.export_button.setEnabled(False)
        ws = self.ws
        operations.change(lambda: export_pack(ws, **kw)[0], operations.Changes.of(operations.AUDIT, REVIEW),
                          self._done, self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        self.export_button.setEnabled(True)
        if not isinstance(exc, TriageError):
            raise exc
        self.error.show_error(f"No pack was saved. {exc}")

    def _done(self, result) -> None:
        self.export_button.setEnabled(True)
        self.result = result
        self.outcome.setText("\n".join(result.words()))

    def browse(self) -> None:
        path, _f = QFileDialog.getSaveFileName(self, "Save the review pack", self.out.text(),
                                               "Review packs (*.tdreview)")
        if path:
            self.out.setText(path)


def install(window) -> None:
    """File › Export review pack… for practice leads and administrators."""
    from triage_desk.models import Role

    window.add_file_action("&Export review pack…", "export_review_pack",
                           lambda: ExportPackDialog(window.ws, window).exec(), (Role.LEAD.value, Role.ADMIN.value))
