"""File › Import review pack… (on a practice lead's own workstation) and File › Import review return…
(at the front door that issued the pack), beside the CLI's `review-pack import` / `import-return`.

Choose the file, say what opens it (the passphrase, or an age identity file), then the import runs
through ui/operations: every signature and file is checked before anything changes. The dialog then
shows the verification result and what changed in words (or the refusal, e.g. a tampered file or a
signer who is not a practice lead), and stays open until closed.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QLabel, QWidget

from triage_desk.ui import operations
from triage_desk.ui.bundle_view import GOOD_STYLE, OpenBundleDialog, _busy
from triage_desk.ui.review_pack_dialog import REVIEW
from triage_desk.ui.widgets import documents_folder, make_plain


class _ImportDialog(OpenBundleDialog):
    CHANGES: tuple[str, ...] = ()

    def __init__(self, ws, path, parent: QWidget | None = None):
        super().__init__(ws, path, parent)
        self.result = None
        self.outcome = make_plain(QLabel(""), selectable=True)
        self.outcome.setAccessibleName("Import result")
        self.outcome.setWordWrap(True)
        self.outcome.setVisible(False)
        self.layout().insertWidget(self.layout().count() - 1, self.outcome)

    @staticmethod
    def service():
        """The core function importing the file: `service()(ws, path, **kwargs)`, run off the GUI thread."""
        raise NotImplementedError

    def run(self, kwargs: dict) -> None:
        service, ws, path = self.service(), self.ws, self.path
        operations.change(lambda: service(ws, path, **kwargs), operations.Changes.of(*self.CHANGES), self._done,
                          self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        super()._failed(exc)  # raises anything that is not a refusal in words
        self.error.show_error(f"Nothing was imported. {exc}")

    def _done(self, result) -> None:
        _busy(False)
        self.result = result
        self.outcome.setText("\n".join(result.words()))
        self.outcome.setStyleSheet(GOOD_STYLE)
        self.outcome.setVisible(True)
        self.open_button.setVisible(False)
        box = self.findChild(QDialogButtonBox)
        box.button(QDialogButtonBox.StandardButton.Cancel).setText("&Close")


class ImportPackDialog(_ImportDialog):
    TITLE, HEADING, ACTION = "Import review pack", "Import a review pack into your review queue", "&Verify and import"
    EXPLAIN = ("The pack is decrypted in memory; its signature, every file in it and each case's signed decision "
               "are checked first. Its cases go to your review queue, kept apart from this workstation's cases.")
    CHANGES = (REVIEW,)

    @staticmethod
    def service():
        from triage_desk.review_pack import import_pack

        return import_pack


class ImportReturnDialog(_ImportDialog):
    TITLE, HEADING, ACTION = "Import review return", "Import a practice lead's review return", "&Verify and apply"
    EXPLAIN = ("The return is decrypted in memory and every signature is checked first. Each review is applied "
               "once to the decision it names: agreements become countersigned approvals, a different decision "
               "waits for the officer's response. A return already applied changes nothing.")
    CHANGES = (operations.CASE, operations.DECISION, REVIEW)

    @staticmethod
    def service():
        from triage_desk.review_apply import apply_return

        return apply_return


KINDS = {"pack": (ImportPackDialog, "Review packs (*.tdreview);;All files (*)"),
         "return": (ImportReturnDialog, "Review returns (*.tdreturn);;All files (*)")}


def import_flow(ws, kind: str, parent: QWidget | None = None, path: str | None = None) -> QDialog | None:
    dialog_class, filters = KINDS[kind]
    if path is None:
        path, _f = QFileDialog.getOpenFileName(parent, dialog_class.TITLE, str(documents_folder()), filters)
        if not path:
            return None
    dialog = dialog_class(ws, path, parent)
    dialog.exec()
    return dialog


def install(window) -> None:
    """File › Import review pack… (practice leads) and Import review return… (leads and administrators)."""
    from triage_desk.models import Role

    for kind, text, roles in (("pack", "Import review &pack…", (Role.LEAD.value,)),
                              ("return", "Import review re&turn…", (Role.LEAD.value, Role.ADMIN.value))):
        window.add_file_action(text, f"import_review_{kind}",
                               lambda _c=False, k=kind: import_flow(window.ws, k, window), roles)
