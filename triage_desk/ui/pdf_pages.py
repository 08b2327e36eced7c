"""Summary PDFs on paper and on screen: the print dialog, and PDFium (pypdfium2) rasterising each page
(PySide6-Essentials has no QtPdf). Used by File › Print summary… and the bundle viewer's pages."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QScrollArea, QVBoxLayout, QWidget

PRINT_DPI_CAP = 300  # plenty for text; a 1200 dpi A4 bitmap would be ~400 MB per page


# ---- printing: a preview first, then the system print dialog from the preview's Print button ----------
PREVIEW_DPI = 110  # what the preview shows on screen; the paper gets the printer's own (capped) resolution


def preview_print(parent, title: str, pdf: bytes) -> int | None:
    """Show `pdf` in a print preview; the person prints from it (the system print dialog follows).
    Returns the number of pages sent to the printer, or None when the preview was closed without printing.
    Tests replace this seam with a PDF-file printer."""
    from PySide6.QtGui import QPaintEngine
    from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog

    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(f"Print preview - {title}")
    state = {"pages": None}

    def paint(target) -> None:
        on_screen = target.paintEngine().type() == QPaintEngine.Type.Picture  # the preview records a picture
        pages = print_pdf(target, pdf, PREVIEW_DPI if on_screen else min(target.resolution(), PRINT_DPI_CAP))
        if not on_screen:
            state["pages"] = pages

    dialog.paintRequested.connect(paint)
    dialog.exec()
    return state["pages"]


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
    from PySide6.QtGui import QPainter
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


class CaseViewDialog(QDialog):
    """The bundle's summary PDF, page under page (rendered by PDFium; nothing written to disk)."""

    def __init__(self, reference: str, pdf: bytes, parent: QWidget | None = None, dpi: int = 96):
        super().__init__(parent)
        self.setWindowTitle(f"{reference} - summary from the bundle (OFFICIAL-SENSITIVE)")
        self.resize(860, 900)
        layout = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setAccessibleName("Summary pages")
        pages = QWidget()
        column = QVBoxLayout(pages)
        column.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.page_labels = []
        for n, (data, width, height, stride) in enumerate(rasterise(pdf, dpi), 1):
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(QImage(data, width, height, stride, QImage.Format.Format_RGB888).copy()))
            label.setAccessibleName(f"Page {n}")
            label.setStyleSheet("QLabel { border: 1px solid #bbb; background: white; }")
            column.addWidget(label)
            self.page_labels.append(label)
        scroll.setWidget(pages)
        layout.addWidget(scroll, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


# ---- 3. import with differences -----------------------------------------------------------------------
