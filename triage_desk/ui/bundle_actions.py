"""File › Print summary…, Save summary as PDF…, Export case bundle…, Open bundle… and Admin › Trusted
signers… on the main window (issue 5 points 2, 4, 6).

Printing renders the same summary PDF that Save and the bundle carry (one layout, one look): PDFium
(pypdfium2) rasterises each page and QPainter draws it on the printer (in the worker thread, one page at
a time), because PySide6-Essentials has no QtPdf. Every print and save is audited in the core
(`reports.case_summary.summary_for`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from triage_desk.ui import operations
from triage_desk.ui.pdf_pages import preview_print
from triage_desk.ui.widgets import documents_folder


class BundleActions:
    """The actions and their slots; kept on the window as `window.bundle_actions`."""

    def __init__(self, window):
        self.window = window
        menu = window.file_menu
        self.print_action = self._action("&Print summary…", self.print_summary, "print_summary",
                                         QKeySequence.StandardKey.Print)
        self.save_pdf_action = self._action("Save summary as P&DF…", self.save_pdf, "save_summary_pdf")
        self.export_action = self._action("E&xport case bundle…", self.export_bundle, "export_bundle")
        self.open_action = self._action("Open &bundle…", self.open_bundle, "open_bundle")
        before = window.file_extras
        menu.insertAction(before, self.print_action)
        menu.insertAction(before, self.save_pdf_action)
        menu.insertSeparator(before)
        menu.insertAction(before, self.export_action)
        menu.insertAction(before, self.open_action)
        self.trust_action = self._action("&Trusted signers…", self.open_trust, "trusted_signers")
        window.admin_menu.addAction(self.trust_action)
        self._case_actions = (self.print_action, self.save_pdf_action, self.export_action)
        for action in (*self._case_actions, self.open_action, self.trust_action):
            window.add_data_action(action)
        # The window enables every data action on unlock; these then narrow to "a case is current".
        menu.aboutToShow.connect(self.refresh)
        window.lock_changed.connect(lambda _locked: self.refresh())
        window.tabs.currentChanged.connect(lambda _i: self.refresh())
        for signal in self._case_signals(window):
            signal.connect(lambda *_: self.refresh())
        self.refresh()

    @staticmethod
    def _case_signals(window) -> list:
        """Signals after which the current case may differ (so Ctrl+P is live without opening the menu)."""
        signals = [getattr(window, "current_case_changed", None)]
        area = getattr(window, "cases_area", None)
        if area is not None:
            signals.append(getattr(getattr(area, "tabs", None), "currentChanged", None))
            table = getattr(area, "table", None)
            if table is not None and table.selectionModel() is not None:
                signals.append(table.selectionModel().currentChanged)
        return [s for s in signals if s is not None]

    def _action(self, text: str, slot, name: str, shortcut=None) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        return action

    # ---- state --------------------------------------------------------------------------------------
    def current(self) -> tuple[str, str] | None:
        """(referral_id, reference) of the case in front of the user, or None."""
        getter = getattr(self.window, "current_case", None)
        return getter() if callable(getter) else None

    def refresh(self) -> None:
        unlocked = not self.window.is_locked()
        has_case = unlocked and self.current() is not None
        for action in self._case_actions:
            action.setEnabled(has_case)
        self.open_action.setEnabled(unlocked)
        self.trust_action.setEnabled(unlocked)

    def _reference(self) -> str | None:
        case = self.current()
        if case is None or self.window.is_locked():
            self.refresh()
            return None
        return case[1]

    def _status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 8000)

    def _error(self, title: str, exc: BaseException) -> None:
        QMessageBox.warning(self.window, title, str(exc) or exc.__class__.__name__)

    # ---- print / save -------------------------------------------------------------------------------
    def print_summary(self) -> None:
        """Print preview of the summary first (the same pages the PDF has); printing is from the preview."""
        reference = self._reference()
        if reference is None:
            return
        ws = self.window.ws

        def work() -> bytes:
            from triage_desk.reports.case_summary import summary_for

            return summary_for(ws, reference, "print_preview")

        def shown(pdf: bytes) -> None:
            self._status("")
            pages = preview_print(self.window, f"{reference} summary", pdf)
            if pages is None:
                self._status(f"Print preview of {reference} closed; nothing was printed.")
                return
            from triage_desk.reports.case_summary import record_printed

            operations.change(lambda: record_printed(ws, reference, pages), operations.Changes.of(operations.AUDIT),
                              lambda _none: self._status(f"Sent {pages} page{'s' if pages != 1 else ''} of the "
                                                         f"{reference} summary to the printer."),
                              lambda exc: self._error("Print summary", exc), parent=self.window)

        self._status(f"Preparing the print preview of {reference}…")
        operations.change(work, operations.Changes.of(operations.AUDIT), shown,
                          lambda exc: self._error("Print summary", exc), parent=self.window)

    def save_pdf(self) -> None:
        reference = self._reference()
        if reference is None:
            return
        folder = documents_folder()
        path, _ = QFileDialog.getSaveFileName(self.window, f"Save summary {reference} as PDF",
                                              str(Path(folder) / f"{reference}-summary.pdf"), "PDF files (*.pdf)")
        if not path:
            return
        out = Path(path if path.lower().endswith(".pdf") else path + ".pdf")
        ws = self.window.ws

        def work() -> Path:
            from triage_desk.errors import InputError
            from triage_desk.reports.case_summary import summary_for

            if not out.parent.is_dir():
                raise InputError(f"file: folder {out.parent} does not exist")
            pdf = summary_for(ws, reference, "pdf_export")
            try:
                out.write_bytes(pdf)
            except OSError as exc:
                raise InputError(f"file: cannot write {out} ({exc.__class__.__name__})") from None
            return out

        def done(written: Path) -> None:
            self._status(f"Saved {written}. It is OFFICIAL-SENSITIVE: keep it somewhere secure.")

        operations.change(work, operations.Changes.of(operations.AUDIT), done,
                          lambda exc: self._error("Save summary as PDF", exc), parent=self.window)

    # ---- bundles and trust --------------------------------------------------------------------------
    def export_bundle(self) -> None:
        case = self.current()
        if case is None or self.window.is_locked():
            self.refresh()
            return
        from triage_desk.ui.export_dialog import ExportDialog

        ExportDialog(self.window.ws, case[1], self.window).exec()

    def open_bundle(self) -> None:
        from triage_desk.ui.bundle_view import open_bundle_flow

        open_bundle_flow(self.window.ws, self.window)

    def open_trust(self) -> None:
        from triage_desk.ui.trust_dialog import TrustDialog

        TrustDialog(self.window.ws, self.window).exec()


def install(window) -> None:
    window.bundle_actions = BundleActions(window)
