"""One case, read-only: a header with the deadline and re-referral flag, sections A–I of the referral
document in readable form (ui/case_document.py), the subjects' referral history, and panels other features
contribute (Decision, Agency checks) when their modules are present. Opening is audited by `intake.open_case`.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from triage_desk import deadlines
from triage_desk.caselist import OPEN_STATUSES
from triage_desk.formatting import fmt_datetime
from triage_desk.forms import labels
from triage_desk.ui import operations
from triage_desk.ui.case_document import DocumentRenderer, confirmation_text, load_form_or_none, readable
from triage_desk.ui.case_list_model import RAG_LABELS, STATUS_LABELS, time_left
from triage_desk.ui.optional import optional_module
from triage_desk.ui.widgets import heading, make_plain

PANELS = (("Decision", "triage_desk.ui.decision_panel", "DecisionPanel"),
          ("Agency checks", "triage_desk.ui.checks_panel", "ChecksPanel"),
          ("Progress", "triage_desk.ui.progress_panel", "ProgressPanel"))


class CaseView(QWidget):
    """A case opened from the list: `doc` as `intake.open_case` returned it (that call audits "case.view")."""

    wizard_opened = Signal(object)  # the wizard window "Continue editing" opened (the area reloads after it)

    def __init__(self, ws, doc: dict, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.doc = doc
        self.referral_id: str = doc["id"]
        self.reference: str = doc.get("reference") or ""
        self.panels: dict[str, QWidget] = {}
        self._due: tuple = (None, "draft")
        self._build()
        self.refresh_header()
        operations.events().workspace_changed.connect(self.on_workspace_changed)
        self.ticker = QTimer(self)
        self.ticker.setInterval(60_000)
        self.ticker.timeout.connect(self.show_time_left)
        self.ticker.start()

    # ---- building ----------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.title = make_plain(heading(self.reference, 5), selectable=True)
        self.title.setAccessibleName("Case reference")
        top.addWidget(self.title)
        top.addStretch(1)
        self.continue_button = QPushButton("&Continue editing")
        self.continue_button.setAccessibleName("Continue editing this draft")
        self.continue_button.clicked.connect(self.continue_editing)
        self.continue_button.setVisible(self.doc.get("status") == "draft" and self._wizard() is not None)
        top.addWidget(self.continue_button)
        layout.addLayout(top)
        self.editing_banner = make_plain(QLabel(""), selectable=True)  # "Being edited by NAME since TIME"
        self.editing_banner.setAccessibleName("Being edited by")
        self.editing_banner.setStyleSheet("background: #fff4ce; padding: 4px;")
        self.editing_banner.hide()
        layout.addWidget(self.editing_banner)

        grid = QFormLayout()
        grid.setHorizontalSpacing(16)
        self.fields: dict[str, QLabel] = {}
        for key, label in (("subjects", "Subject(s)"), ("received", "Received"), ("status", "Status"),
                           ("rag", "RAG priority"), ("level", "Level"), ("due", "Next deadline"),
                           ("confirmation", "Written confirmation"), ("re_referrals", "Re-referral")):
            value = make_plain(QLabel(), selectable=True)
            value.setAccessibleName(label)
            value.setWordWrap(True)
            name = QLabel(label + ":")
            name.setBuddy(value)
            grid.addRow(name, value)
            self.fields[key] = value
        layout.addLayout(grid)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Case sections")
        self.document_view = QTextBrowser()
        self.document_view.setAccessibleName("Referral sections A to I")
        self.document_view.setOpenLinks(False)
        self.document_view.setHtml(DocumentRenderer(load_form_or_none()).document_html(self.doc))
        self.tabs.addTab(self.document_view, "&Referral")
        self.history_view = QTextBrowser()
        self.history_view.setAccessibleName("Referral history of the subjects")
        self.history_view.setHtml("<p><i>Reading the subjects' other referrals…</i></p>")
        self.load_history()
        self.tabs.addTab(self.history_view, "&History")
        for title, module_name, class_name in PANELS:
            module = optional_module(module_name)
            if module is None:
                continue
            panel = getattr(module, class_name)(self.ws, self.referral_id, self)
            self.panels[title] = panel
            scroller = QScrollArea()  # a tall panel scrolls inside its tab, never stretches the window
            scroller.setWidgetResizable(True)
            scroller.setFrameShape(QScrollArea.Shape.NoFrame)
            scroller.setWidget(panel)
            self.tabs.addTab(scroller, title)
        layout.addWidget(self.tabs, 1)

    def _wizard(self):
        return optional_module("triage_desk.ui.referral_wizard")

    # ---- content -----------------------------------------------------------------------------------
    def refresh_header(self) -> None:
        """Re-read the referral's columns (a decision or check may have changed them), off the GUI thread."""
        from triage_desk import case_access

        ws, referral_id = self.ws, self.referral_id
        operations.query(lambda: (case_access.referral_header(ws, referral_id),
                                  case_access.written_confirmation_due(ws, referral_id)),
                         lambda found: self._show_header(*found), parent=self)
        self.refresh_editors()

    def refresh_editors(self) -> None:
        """Who else has this referral open for editing (edit_leases), as a banner above the details."""
        from triage_desk import edit_leases

        ws, rid = self.ws, self.referral_id
        operations.query(lambda: edit_leases.editors(ws, [rid]).get(rid, []), self._show_editors,
                         lambda _exc: None, parent=self)

    def _show_editors(self, editors: list) -> None:
        self.editing_banner.setText("; ".join(e.banner() for e in editors))
        self.editing_banner.setVisible(bool(editors))

    def _show_header(self, row, confirmation_due=None) -> None:
        if row is None:
            return
        self.doc_status = row.status
        self.fields["subjects"].setText(row.subject_name or "(no subject yet)")
        self.fields["received"].setText(fmt_datetime(row.received_at))
        decided = row.final_level is not None
        overridden = decided and row.suggested_level is not None and row.final_level != row.suggested_level
        self._approval = row.approval
        self.fields["status"].setText(labels.status_words(row.status, row.approval, overridden))
        self.fields["rag"].setText(RAG_LABELS.get(row.rag or "", "Not set")
                                   + (" (suggested)" if row.rag and not decided else ""))
        level = row.final_level or row.suggested_level
        self.fields["level"].setText(
            "Not assessed" if not level else
            f"Level {level}" + ("" if row.final_level else " (suggested)"))
        self._due = (row.next_due, row.status, row.next_due_kind)
        self.show_time_left()
        self.fields["confirmation"].setText(confirmation_text(self.doc.get("contact") or {}, confirmation_due))
        n = row.re_referrals_12m or 0
        self.fields["re_referrals"].setText(
            f"{n} referral{'s' if n != 1 else ''} in the last 12 months" if n else "No referrals in the last 12 months")
        self.fields["re_referrals"].setStyleSheet("QLabel { font-weight: bold; }" if n else "")

    def show_time_left(self) -> None:
        """The deadline line, aged by the clock alone (the minute timer calls this without a query)."""
        from triage_desk.forms.clock import london_now

        due, status, kind = self._due
        text, overdue = time_left(due, status, london_now())
        if due is not None:  # the earliest open deadline, whichever step it is
            text = f"{deadlines.KINDS.get(kind or '', 'Deadline')}: {text} (due {fmt_datetime(due)})"
        elif status not in OPEN_STATUSES:
            text = "Decision made"
        if status not in OPEN_STATUSES and getattr(self, "_approval", None) == "pending":
            text += "; practice-lead approval awaited"
        self.fields["due"].setText(("⚠ " if overdue else "") + text)
        self.fields["due"].setStyleSheet("QLabel { font-weight: bold; color: #8a1c1c; }" if overdue else "")

    def load_history(self) -> None:
        from triage_desk import case_access

        ws, referral_id = self.ws, self.referral_id
        operations.query(lambda: case_access.subject_history(ws, referral_id),
                         lambda links: self.history_view.setHtml(self._history_html(links)), parent=self)

    def _history_html(self, links: list[tuple[str, list[dict]]]) -> str:
        names = {x.get("id"): " ".join(str(x.get(k) or "") for k in ("forenames", "surname")).strip()
                 for x in self.doc.get("subjects") or [] if isinstance(x, dict)}
        parts = []
        for subject_id, others in links:
            who = names.get(subject_id) or "Subject"
            parts.append(f"<h3>{html.escape(who)}</h3>")
            if not others:
                parts.append("<p><i>No other referrals.</i></p>")
                continue
            rows = "".join(f"<tr><td style='padding-right:16px'>{html.escape(r['reference'])}</td>"
                           f"<td style='padding-right:16px'>{html.escape(readable(r['received_at']))}</td>"
                           f"<td>{html.escape(STATUS_LABELS.get(r['status'], r['status']))}</td></tr>"
                           for r in others)
            parts.append("<table><tr><th align='left'>Reference</th><th align='left'>Received</th>"
                         f"<th align='left'>Status</th></tr>{rows}</table>")
        return "".join(parts) or "<p><i>No subject is linked to a known person yet.</i></p>"

    def on_workspace_changed(self, changes: operations.Changes) -> None:
        """A decision or check on this case changes the header; the panels follow by themselves."""
        if changes.touches(operations.CASE, operations.DECISION, operations.CHECK) and changes.about(self.referral_id):
            self.refresh_header()
        elif changes.touches(operations.LEASE, operations.DRAFT) and changes.about(self.referral_id):
            self.refresh_editors()

    def reload(self) -> None:
        self.refresh_header()
        for panel in self.panels.values():
            if hasattr(panel, "reload"):
                panel.reload()

    def continue_editing(self) -> None:
        wizard = self._wizard()
        if wizard is not None:
            wizard.resume(self.ws, self.referral_id, self.window(), opened=self.wizard_opened.emit)
