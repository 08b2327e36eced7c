"""Agreement statistics between officers and reviewing practice leads (issue 13 point 6), and the
threshold review meeting pack PDF. Reads and writes only through ui/operations."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from triage_desk.ui import operations
from triage_desk.ui.widgets import ErrorLabel, heading, line_edit, make_plain


def install(window) -> None:
    """File › Agreement statistics… for practice leads and administrators."""
    from triage_desk.models import Role

    window.add_file_action("&Agreement statistics…", "agreement", lambda: AgreementDialog(window.ws, window).exec(),
                           (Role.LEAD.value, Role.ADMIN.value))


class AgreementDialog(QDialog):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws, self.result = ws, None
        self.setWindowTitle("Agreement statistics")
        self.officer = line_edit("Officer", "all officers (or a user name)")
        self.team = line_edit("Team", "all teams (or a team's name)")
        self.start = line_edit("From month", "YYYY-MM")
        self.end = line_edit("To month", "YYYY-MM")
        show = QPushButton("Show")
        show.clicked.connect(self.reload)
        self.save = QPushButton("Save meeting pack PDF…")
        self.save.clicked.connect(self.save_pdf)
        filters = QHBoxLayout()
        for edit, width in ((self.officer, 200), (self.team, 200), (self.start, 100), (self.end, 100)):
            edit.setMinimumWidth(width)  # the row fits a 1024-pixel screen
        for widget in (self.officer, self.team, self.start, self.end, show):
            filters.addWidget(widget)
        self.text = make_plain(QLabel(), selectable=True)
        self.error = ErrorLabel()
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Agreement between officers and reviewing leads"))
        layout.addLayout(filters)
        for widget in (self.text, self.save, self.error, close):
            layout.addWidget(widget)
        self.reload()

    def reload(self) -> None:
        from triage_desk import agreement

        kw = {"officer": self.officer.text().strip() or None, "team": self.team.text().strip() or None,
              "start": self.start.text().strip() or None,
              "end": self.end.text().strip() or None}
        self.error.clear_error()
        operations.query(lambda: agreement.compute_for(self.ws, **kw), self._show, self._failed, parent=self)

    def _show(self, result) -> None:
        self.result = result
        self.text.setText("\n".join(result.lines()))  # a plain-text label: no markup
        self.save.setEnabled(bool(result.pairs))

    def _failed(self, exc: BaseException) -> None:
        self.error.show_error(str(exc))

    def save_pdf(self, path: str | None = None) -> None:
        from triage_desk.reports.review_meeting_pdf import write_meeting_pack

        if path is None:
            path, _f = QFileDialog.getSaveFileName(self, "Save meeting pack", "threshold-review.pdf", "PDF (*.pdf)")
        if path and self.result is not None:
            result = self.result
            operations.change(lambda: write_meeting_pack(self.ws, result, path), operations.Changes.of(
                operations.AUDIT), lambda _r: self.text.setText(self.text.text() + "\nMeeting pack saved."),
                self._failed, parent=self)
