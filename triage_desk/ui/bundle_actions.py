"""File › Print summary…, Save summary as PDF…, Export case bundle…, Open bundle… and Admin › Trusted
signers… on the main window (issue 5 points 2, 4, 6).

Printing renders the same summary PDF that Save and the bundle carry (one layout, one look): PDFium
(pypdfium2) rasterises each page and QPainter draws it on the printer (in the worker thread, one page at
a time), because PySide6-Essentials has no QtPdf. Every print and save is audited in the core
(`reports.case_summary.summary_for`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from triage_desk.ui.tasks import run_in_background

PRINT_DPI_CAP = 300  # plenty for text; a 1200 dpi A4 bitmap would be ~400 MB per page


# ---- printing (the dialog is a seam tests replace with a PDF-file printer) ------------------------------
def ask_printer(parent, reference: str):
    """The system print dialog; a configured QPrinter, or None when the user cancels."""
    from PySide6.QtPrintSupport import QPrintDialog, QPrinter

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(f"{reference} summary")
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(f"Print summary {reference}")
    if dialog.exec() != QPrintDialog.DialogCode.Accepted:
        return None
    return printer


def rasterise(pdf: bytes, dpi: int) -> list[tuple[bytes, int, int, int]]:
    """Each page as RGB bytes (data, width, height, stride). Plain bytes: safe to make off the GUI thread."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for index in range(len(doc)):
            bitmap = doc[index].render(scale=dpi / 72, rev_byteorder=True)  # RGB, not BGR
            pages.append((bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride))
        return pages
    finally:
        doc.close()


def print_pdf(printer, pdf: bytes, dpi: int) -> int:
    """Rasterise each page and draw it on `printer`, fitted to the paper, one page in memory at a time.
    QPainter may paint on a QPrinter outside the GUI thread, so this runs in the worker. Returns pages printed."""
    import pypdfium2
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtPrintSupport import QPrinter

    doc = pypdfium2.PdfDocument(pdf)
    try:
        total = len(doc)
        first, last = printer.fromPage(), printer.toPage()  # 0, 0 means "all pages"
        chosen = [n for n in range(total) if not first or first <= n + 1 <= (last or total)]
        printer.setFullPage(True)  # the PDF carries its own margins
        painter = QPainter()
        if not chosen or not painter.begin(printer):
            return 0
        try:
            for count, index in enumerate(chosen):
                if count:
                    printer.newPage()
                bitmap = doc[index].render(scale=dpi / 72, rev_byteorder=True)  # RGB, not BGR
                width, height = bitmap.width, bitmap.height
                image = QImage(bytes(bitmap.buffer), width, height, bitmap.stride, QImage.Format.Format_RGB888)
                paper = printer.paperRect(QPrinter.Unit.DevicePixel)
                scale = min(paper.width() / width, paper.height() / height)
                painter.drawImage(QRectF(paper.x(), paper.y(), width * scale, height * scale), image)
        finally:
            painter.end()
        return len(chosen)
    finally:
        doc.close()


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
        reference = self._reference()
        if reference is None:
            return
        printer = ask_printer(self.window, reference)
        if printer is None:
            return
        dpi = min(printer.resolution(), PRINT_DPI_CAP)
        ws = self.window.ws

        def work() -> int:
            from triage_desk.reports.case_summary import summary_for

            return print_pdf(printer, summary_for(ws, reference, "print"), dpi)

        def done(count: int) -> None:
            self._status(f"Sent {count} page{'s' if count != 1 else ''} of the {reference} summary to the printer.")

        self._status(f"Preparing the {reference} summary for printing…")
        run_in_background(work, done, lambda exc: self._error("Print summary", exc))

    def save_pdf(self) -> None:
        reference = self._reference()
        if reference is None:
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
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

        run_in_background(work, done, lambda exc: self._error("Save summary as PDF", exc))

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
