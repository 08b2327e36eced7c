"""The Progress tab of a case: lifecycle state, the transitions allowed from here as buttons, every
deadline, the phone referral's written confirmation, the strategy discussion, feedback to the
referrer, disputes and the officer's answer to a reviewing lead's re-decision. Every read and change
goes through ui/operations (query / change, off the GUI thread); a change here announces
`workspace_changed` so the case header, the Decision tab and the case list follow, and a change made
elsewhere about this case reloads this tab.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from triage_desk.concurrency import Conflict
from triage_desk.formatting import fmt_datetime
from triage_desk.review_history import response_due_line, response_line, review_line
from triage_desk.ui import operations
from triage_desk.ui.progress_dialogs import (
    CancelDeadlineDialog,
    ConfirmationDialog,
    DisputeDialog,
    DisputeReviewDialog,
    TransitionDialog,
)
from triage_desk.ui.widgets import ErrorLabel, documents_folder, heading, make_plain

# submit / decide / approve / reject live in the referral wizard and the Decision tab
OWN_ACTIONS = ("accept_review", "contest_review", "start_strategy", "start_assessment", "start_early_help", "step_up",
               "step_down", "close", "reopen")
STATE_WORDS = {"open": "Open", "met": "Met", "missed": "Missed", "cancelled": "Cancelled"}
METHODS = (("Email", "email"), ("Letter", "letter"), ("Phone call", "phone"))
ROLE = Qt.ItemDataRole.UserRole


def _when(text: str | None) -> str:
    return fmt_datetime(text) if text else ""


def _response_due(due: dict | None) -> str:
    """A reviewing lead's re-decision beside the officer's own, for the officer to accept or contest."""
    return "" if not due else ("\n" + response_due_line(due) + "\nAccept it, or contest it with your reasons (it "
                               "then goes to another practice lead).")


class ProgressPanel(QWidget):
    def __init__(self, ws, referral_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws, self.referral_id = ws, referral_id
        self.view: dict = {}
        self.dialog = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(make_plain(heading("Progress after the decision", 2)))
        self.state = make_plain(QLabel("Loading…"), selectable=True)
        self.state.setAccessibleName("Case state")
        self.state.setWordWrap(True)
        layout.addWidget(self.state)
        self.error = ErrorLabel()
        layout.addWidget(self.error)
        self.notice = make_plain(QLabel(""), selectable=True)  # what a save did, in words
        self.notice.setAccessibleName("Saved")
        self.notice.setWordWrap(True)
        layout.addWidget(self.notice)
        self.actions_box = QGroupBox("What can happen next")
        self.actions_row = QHBoxLayout(self.actions_box)
        layout.addWidget(self.actions_box)
        self.deadlines = QTreeWidget()
        self.deadlines.setAccessibleName("Deadlines")
        self.deadlines.setHeaderLabels(["Deadline", "Due", "State", "Note"])
        self.deadlines.setRootIsDecorated(False)
        self.deadlines.setMinimumHeight(140)
        deadlines_label = QLabel("Dead&lines:")
        deadlines_label.setBuddy(self.deadlines)
        self.cancel_button = self._button("Cancel the chosen deadline…", "Cancel the chosen deadline with a reason",
                                          self.cancel_deadline)
        self.deadlines.currentItemChanged.connect(lambda *_: self._deadline_chosen())
        head = QHBoxLayout()
        head.addWidget(deadlines_label)
        head.addStretch(1)
        head.addWidget(self.cancel_button)
        layout.addLayout(head)
        layout.addWidget(self.deadlines)
        layout.addWidget(self._record_box())
        self.history = make_plain(QLabel(""), selectable=True)
        self.history.setAccessibleName("Progress history")
        self.history.setWordWrap(True)
        layout.addWidget(self.history)
        layout.addStretch(1)
        operations.events().workspace_changed.connect(self.on_workspace_changed)
        self.reload()

    def _button(self, text: str, name: str, slot: Callable) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(name)
        button.clicked.connect(slot)
        return button

    def _record_box(self) -> QGroupBox:
        box = QGroupBox("Record")
        grid = QVBoxLayout(box)
        row1 = QHBoxLayout()
        self.confirm_button = self._button("Record written &confirmation…", "Record the phone referral's written "
                                           "confirmation", self.record_confirmation)
        self.strategy_button = self._button("Record strategy &discussion…", "Record the strategy discussion",
                                            self.record_strategy)
        self.minutes_button = self._button("Save &minutes PDF…", "Save the strategy discussion minutes as PDF",
                                           self.save_minutes)
        self.agency = QComboBox()
        self.agency.setAccessibleName("Attending agency for a redacted pack")
        self.pack_button = self._button("Save agency &pack…", "Save the redacted pack for the chosen agency",
                                        self.save_pack)
        self.packs_button = self._button("Save &all agency packs…", "Save every attending agency's redacted pack "
                                         "into a folder", self.save_all_packs)
        for w in (self.confirm_button, self.strategy_button, self.minutes_button, self.agency, self.pack_button,
                  self.packs_button):
            row1.addWidget(w)
        row1.addStretch(1)
        row2 = QHBoxLayout()
        self.method = QComboBox()
        self.method.setAccessibleName("How the referrer was told")
        for label, code in METHODS:
            self.method.addItem(label, code)
        self.feedback_button = self._button("Referrer &told the outcome…", "Record that the referrer was told the "
                                            "outcome and save the letter", self.send_feedback)
        self.dispute_button = self._button("Record a dis&pute…", "Record a dispute about the decision",
                                           self.record_dispute)
        self.review_button = self._button("Re&view dispute…", "Review the open dispute", self.review_dispute)
        for w in (self.method, self.feedback_button, self.dispute_button, self.review_button):
            row2.addWidget(w)
        row2.addStretch(1)
        grid.addLayout(row1)
        grid.addLayout(row2)
        return box

    # ---- reading -----------------------------------------------------------------------------------
    def reload(self) -> None:
        from triage_desk.case_overview import overview

        ws, rid = self.ws, self.referral_id
        operations.query(lambda: overview(ws, rid), self._show, self._failed, parent=self)

    def on_workspace_changed(self, changes: operations.Changes) -> None:
        if changes.touches(operations.CASE, operations.DECISION, operations.CHECK) and changes.about(self.referral_id):
            self.reload()

    def _failed(self, exc: BaseException) -> None:
        operations.show_refusal(exc, self.error)

    def _show(self, view: dict) -> None:
        self.view = view
        self.state.setText(view["state_label"].capitalize()  # plain text: the label shows it as written
                           + (" · written confirmation of the phone referral OUTSTANDING"
                              if view["phone_confirmation_outstanding"] else "")
                           + _response_due(view.get("response_due")))
        while self.actions_row.count():
            item = self.actions_row.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        allowed = [a for a in view["allowed"] if a["action"] in OWN_ACTIONS]
        for a in allowed:
            self.actions_row.addWidget(self._button(a["label"] + "…", a["label"],
                                                    lambda _c=False, a=a: self.start_transition(a)))
        if not allowed:
            self.actions_row.addWidget(QLabel("Nothing for your role from here."))
        self.actions_row.addStretch(1)
        self.deadlines.clear()
        for d in view["deadlines"]:
            state = STATE_WORDS.get(d["state"], d["state"]) + (" – OVERDUE" if d["overdue"] else "")
            item = QTreeWidgetItem(self.deadlines, [d["label"], _when(d["due_at"]), state, d.get("reason") or ""])
            item.setData(0, ROLE, d)
        for col in range(3):
            self.deadlines.resizeColumnToContents(col)
        self._deadline_chosen()
        self.confirm_button.setEnabled(view["phone_confirmation_outstanding"])
        holding = view["state"] == "strategy_discussion"
        self.strategy_button.setEnabled(holding)
        talks = bool(view["strategy_discussions"])
        self.minutes_button.setEnabled(talks)
        self.pack_button.setEnabled(talks)
        self.packs_button.setEnabled(talks)
        self._load_agencies(talks)
        decided = view["state"] not in ("received", "submitted", "awaiting_approval")
        self.feedback_button.setEnabled(decided and view["state"] != "awaiting_response")
        self.dispute_button.setEnabled(decided)
        self.review_button.setEnabled(any(d["stage"] != "resolved" for d in view["disputes"]))
        self.history.setText(self._history_text(view))

    def _history_text(self, view: dict) -> str:
        lines = [f"{_when(e['at'])} – {e['label']} by {e['by']}" + (f" (to {e['receiving_team']})"
                                                                    if e["receiving_team"] else "")
                 + (f": {e['reason']}" if e["reason"] else "") for e in view["history"]]
        lines += [f"{_when(f['sent_at'])} – referrer told by {f['method']} ({f['sent_by']})" for f in view["feedback"]]
        lines += [f"Dispute by {d['raised_by']} ({d['agency']}): {d['stage'].replace('_', ' ')}"
                  + (f", {d['outcome']}: {d['outcome_reason']}" if d["outcome"] else "") for d in view["disputes"]]
        lines += [review_line(r) for r in view.get("reviews") or []]
        lines += [response_line(r) for r in view.get("responses") or []]
        return "\n".join(lines) or "Nothing recorded after the decision yet."

    def _chosen_deadline(self) -> dict | None:
        item = self.deadlines.currentItem()
        return item.data(0, ROLE) if item is not None else None

    def _deadline_chosen(self) -> None:
        chosen = self._chosen_deadline()
        self.cancel_button.setEnabled(bool(chosen) and chosen["state"] == "open"
                                      and any(a["action"] in OWN_ACTIONS for a in self.view.get("allowed", [])))

    def cancel_deadline(self) -> None:
        from triage_desk import deadlines

        chosen = self._chosen_deadline()
        if not chosen:
            return
        dialog = CancelDeadlineDialog(chosen["label"], self)
        ws = self.ws
        dialog.on_submit = lambda v: self._run(lambda: deadlines.cancel_one(ws, chosen["id"], v["reason"]),
                                               dialog=dialog)
        self._open(dialog)

    def _load_agencies(self, talks: bool) -> None:
        from triage_desk import redaction

        if not talks:
            self.agency.clear()
            return
        ws, rid = self.ws, self.referral_id
        operations.query(lambda: redaction.attending_agencies(ws, rid), self._agencies, self._failed, parent=self)

    def _agencies(self, agencies: list[tuple[str, str]]) -> None:
        self.agency.clear()
        for agency, name in agencies:
            self.agency.addItem(name, agency)

    # ---- doing -------------------------------------------------------------------------------------
    def _run(self, work: Callable[[], object], dialog=None, kinds: tuple[str, ...] = (operations.CASE,
                                                                                    operations.DECISION)) -> None:
        """Run a service call as a change; on success close the dialog. The announced change reloads this tab,
        the case header, the Decision tab and the case list (`kinds`: AUDIT alone for a saved PDF)."""

        def ok(_result) -> None:
            if dialog is not None:
                dialog.accept()

        def refused(exc: BaseException) -> None:
            from triage_desk.errors import TriageError

            if isinstance(exc, Conflict) and hasattr(dialog, "conflict"):
                dialog.conflict(exc)  # someone changed the case since this tab showed it: they choose
            elif dialog is None:
                operations.show_refusal(exc, self.error)
            elif not isinstance(exc, TriageError):
                raise exc
            else:
                dialog.refused(str(exc))  # the dialog stays open with what was typed

        self.error.clear_error()
        operations.change(work, operations.Changes.of(*kinds, referral_id=self.referral_id), ok, refused,
                          parent=self)

    def _open(self, dialog) -> None:
        self.dialog = dialog
        dialog.open()

    def start_transition(self, allowed: dict) -> None:
        from triage_desk import lifecycle

        dialog = TransitionDialog(allowed["label"], allowed["action"], allowed["needs"], self,
                                  version=self.view.get("version"))
        ws, rid = self.ws, self.referral_id
        dialog.on_submit = lambda values: self._run(lambda v=dialog.version: lifecycle.transition(
            ws, rid, allowed["action"], expected_version=v, **values), dialog=dialog)
        self._open(dialog)

    def record_confirmation(self) -> None:
        from triage_desk import confirmation

        dialog = ConfirmationDialog(self)
        ws, rid = self.ws, self.referral_id
        dialog.on_submit = lambda v: self._run(lambda: confirmation.record(ws, rid, v["received_at"], v["how"]),
                                               dialog=dialog)
        self._open(dialog)

    def record_strategy(self) -> None:
        """Open the strategy discussion form once the partner directory is read (for the agency lists)."""
        from triage_desk import partners

        ws = self.ws
        operations.query(lambda: [(p.name, p.id) for p in partners.list_partners(ws)], self._strategy_form,
                         self._failed, parent=self)

    def _strategy_form(self, agencies: list[tuple[str, str]]) -> None:
        from triage_desk import strategy
        from triage_desk.ui.strategy_form import StrategyForm

        dialog = StrategyForm(agencies, self)
        ws, rid = self.ws, self.referral_id
        dialog.on_submit = lambda m: self._run(lambda: strategy.record(ws, rid, m), dialog=dialog)
        self._open(dialog)

    def _save(self, title: str, name: str, make: Callable[[], bytes]) -> None:
        from triage_desk.private_files import write_new

        path, _ = QFileDialog.getSaveFileName(self, title, str(documents_folder() / name), "PDF files (*.pdf)")
        if path:
            out = path if path.lower().endswith(".pdf") else path + ".pdf"
            self._run(lambda: write_new(out, make()), kinds=(operations.AUDIT,))

    def save_minutes(self) -> None:
        from triage_desk import strategy

        ws, rid, ref = self.ws, self.referral_id, self.view.get("reference", "case")
        self._save("Save strategy discussion minutes", f"{ref}-minutes.pdf", lambda: strategy.minutes_pdf(ws, rid))

    def save_pack(self) -> None:
        from triage_desk import redaction

        agency = self.agency.currentData()
        if agency:
            ws, rid, ref = self.ws, self.referral_id, self.view.get("reference", "case")
            self._save(f"Save the pack for {self.agency.currentText()}", f"{ref}-{agency}-pack.pdf",
                       lambda: redaction.pack_pdf(ws, rid, agency))

    def save_all_packs(self, folder: str | None = None) -> None:
        """Every attending partner agency's redacted pack into one folder (each pack's redaction audited)."""
        from triage_desk import redaction

        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Folder for the agency packs", str(documents_folder()))
        if not folder:
            return
        ws, rid = self.ws, self.referral_id

        def saved(paths) -> None:
            self.notice.setText(f"Saved {len(paths)} agency packs in {folder}: " + ", ".join(p.name for p in paths))

        self.error.clear_error()
        self.notice.clear()
        operations.change(lambda: redaction.save_packs(ws, rid, folder),
                          operations.Changes.of(operations.AUDIT, referral_id=rid), saved, self._failed, parent=self)

    def send_feedback(self) -> None:
        from triage_desk import feedback
        from triage_desk.private_files import write_new

        path, _ = QFileDialog.getSaveFileName(self, "Save the outcome letter", str(
            documents_folder() / f"{self.view.get('reference', 'case')}-outcome-letter.pdf"), "PDF files (*.pdf)")
        if not path:
            return
        ws, rid, method = self.ws, self.referral_id, self.method.currentData()

        def work() -> None:
            _told, pdf = feedback.send(ws, rid, method)
            write_new(path if path.lower().endswith(".pdf") else path + ".pdf", pdf)

        self._run(work)

    def record_dispute(self) -> None:
        from triage_desk import disputes

        dialog = DisputeDialog(self)
        ws, rid = self.ws, self.referral_id
        dialog.on_submit = lambda v: self._run(
            lambda: disputes.raise_dispute(ws, rid, v["raised_by"], v["agency"], v["grounds"]), dialog=dialog)
        self._open(dialog)

    def review_dispute(self) -> None:
        from triage_desk import disputes

        open_ones = [d for d in self.view.get("disputes", []) if d["stage"] != "resolved"]
        if not open_ones:
            return
        d = open_ones[0]
        head = d["stage"] == "head_of_service"
        dialog = DisputeReviewDialog(head, self)
        ws = self.ws

        def work(v: dict):
            if head:
                return disputes.head_of_service_outcome(ws, d["id"], v["outcome"], v["reason"])
            return disputes.manager_review(ws, d["id"], v["note"], resolved=v["outcome"] is not None,
                                           outcome=v["outcome"], reason=v["reason"] or None)

        dialog.on_submit = lambda v: self._run(lambda: work(v), dialog=dialog)
        self._open(dialog)
