"""The practice lead's Review area: decisions waiting for approval, oldest first, with time left to each
deadline (overdue said in words), a detail pane (engine vs final, reasons, rationale, consent) and
Approve / Reject. Reads only the decision and referral tables, so it works on a lead's laptop after a
bundle import. Hidden for officers and administrators.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import pairwise

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from triage_desk import decisions
from triage_desk.deadlines import late_by
from triage_desk.errors import InputError, PermissionDenied
from triage_desk.forms import labels
from triage_desk.models import Role
from triage_desk.ui import operations
from triage_desk.ui.decision_panel import APPROVAL_WORDS, outcomes_text, when_text
from triage_desk.ui.routing_step import due_text
from triage_desk.ui.threshold_step import level_text
from triage_desk.ui.widgets import WARNING_STYLE, ErrorLabel, heading, make_plain, note, text_box
from triage_desk.ui.window_state import remembered_split

TITLE = "&Review"
ID_ROLE = Qt.ItemDataRole.UserRole
OWN = "You made this decision — another practice lead must approve it"


def _consent_text(doc: dict, engine: dict) -> str:
    records = (doc.get("consent") or {}).get("records") or []
    states = sorted({str(r.get("state", "?")).replace("_", " ") for r in records if isinstance(r, dict)
                     and r.get("scope", "referral") in ("referral", 1, "1")})
    text = "consent to the referral: " + (", ".join(states) or str(engine.get("consent", "unknown")).replace("_", " "))
    reasons = sorted({r.get("reason_code") for r in records if isinstance(r, dict) and r.get("reason_code")})
    return text + (f" (reason: {', '.join(reasons)})" if reasons else "")


class ReviewArea(QWidget):
    def __init__(self, ws, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.rows: list[dict] = []
        operations.events().workspace_changed.connect(self.on_workspace_changed)
        split = remembered_split(ws, "review_area", [self._queue_pane(), self._detail_pane()], [3, 2])
        layout = QVBoxLayout(self)
        layout.addWidget(note("Overrides, no-further-action decisions and decisions with consent not sought wait "
                              "here for a practice lead. Nobody approves their own decision."))
        layout.addWidget(split, 1)
        from triage_desk.ui.overdue_queue import OverdueQueue

        self.overdue = OverdueQueue(ws)  # the same overdue rows as the case list and the status bar
        layout.addWidget(self.overdue)
        for first, second in pairwise([self.queue, self.refresh_button, self.detail, self.note, self.reject_button,
                                       self.approve_button]):
            QWidget.setTabOrder(first, second)
        self._show_detail()

    def _queue_pane(self) -> QWidget:
        self.queue = QTreeWidget()
        self.queue.setAccessibleName("Decisions waiting for approval, oldest first")
        # How long a decision has waited for a lead; overdue deadlines are counted only by THE overdue query
        # (deadlines.py), shown below and in the status bar, so the two never disagree.
        self.queue.setHeaderLabels(["Reference", "Waiting for", "Decided at", "Engine → final", "Decided by",
                                    "Subject"])
        self.queue.setRootIsDecorated(False)
        self.queue.setUniformRowHeights(True)
        self.queue.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.queue.selectionModel().currentChanged.connect(lambda *_: self._show_detail())
        queue_label = QLabel("&Waiting for approval:")
        queue_label.setBuddy(self.queue)
        self.count = make_plain(QLabel(""))
        self.refresh_button = QPushButton("Reloa&d")
        self.refresh_button.clicked.connect(self.reload)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(queue_label)
        top.addWidget(self.count, 1)
        top.addWidget(self.refresh_button)
        lv.addLayout(top)
        lv.addWidget(self.queue, 1)
        return left

    def _detail_pane(self) -> QWidget:
        self.title = make_plain(heading("", 2), selectable=True)
        self.own = make_plain(QLabel(""))
        self.own.setWordWrap(True)
        self.own.setAccessibleName("Own decision notice")
        self.own.setStyleSheet(WARNING_STYLE)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("Decision detail")
        self.note = text_box("Note to the officer (required to reject)",
                             "Note (required to reject; optional when approving)", max_height=70)
        note_label = QLabel("&Note:")
        note_label.setBuddy(self.note)
        self.approve_button = QPushButton("&Approve")
        self.approve_button.clicked.connect(lambda: self.act(True))
        self.reject_button = QPushButton("Re&ject")
        self.reject_button.clicked.connect(lambda: self.act(False))
        self.message = ErrorLabel()
        self.done = make_plain(QLabel(""), selectable=True)  # what the last approve/reject did, what comes next
        self.done.setWordWrap(True)
        self.done.setAccessibleName("What happened")
        self.done.hide()
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.title)
        rv.addWidget(self.own)
        rv.addWidget(self.detail, 1)
        rv.addWidget(note_label)
        rv.addWidget(self.note)
        rv.addWidget(self.message)
        rv.addWidget(self.done)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.reject_button)
        buttons.addWidget(self.approve_button)
        rv.addLayout(buttons)
        return right

    # ---- data ------------------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-read the queue (one query, off the GUI thread); the list is redrawn when it arrives."""
        from triage_desk import review_queue

        ws = self.ws
        operations.query(lambda: review_queue.pending_reviews(ws), self._show_rows, self._failed, parent=self)

    def _failed(self, exc: BaseException) -> None:
        operations.show_refusal(exc, self.message)

    def _show_rows(self, rows: list[dict]) -> None:
        keep = self.current_id()
        self.rows = rows
        self.queue.clear()
        now = datetime.now(UTC).replace(tzinfo=None)  # decided_at is stored as naive UTC
        for n, r in enumerate(rows):
            d = r["decision"]
            waited = late_by(d.decided_at, now) if d.decided_at else "—"
            item = QTreeWidgetItem([r["reference"], waited, when_text(d.decided_at),
                                    f"L{d.engine_level} → L{d.final_level}", d.decided_by, r["subject"]])
            item.setData(0, ID_ROLE, n)
            self.queue.addTopLevelItem(item)
        self.count.setText(f"{len(rows)} waiting" if rows else "Nothing waiting for approval")
        index = next((n for n, r in enumerate(rows) if r["decision"].id == keep), 0)
        if rows:
            self.queue.setCurrentItem(self.queue.topLevelItem(index))
        self._show_detail()
        self.overdue.reload()

    def current_id(self) -> int | None:
        row = self.current_row()
        return row["decision"].id if row else None

    def current_row(self) -> dict | None:
        item = self.queue.currentItem()
        if item is None:
            return None
        n = item.data(0, ID_ROLE)
        return self.rows[n] if isinstance(n, int) and n < len(self.rows) else None

    def _show_detail(self) -> None:
        self.message.clear_error()
        row = self.current_row()
        if row is None:
            self.title.setText("Nothing selected")
            self.own.setText("")
            self.detail.setPlainText("")
            for b in (self.approve_button, self.reject_button):
                b.setEnabled(False)
            self.note.setEnabled(False)
            return
        d, engine = row["decision"], row["engine"]
        pop = engine.get("population", "child")
        own = d.decided_by == getattr(self.ws.user, "username", None)
        self.title.setText(f"{row['reference']} · {row['subject']}")
        self.own.setText(OWN if own else "")
        self.own.setVisible(own)
        for b in (self.approve_button, self.reject_button):
            b.setEnabled(not own)
        self.note.setEnabled(not own)
        lines = [
            f"Engine:  {level_text(pop, d.engine_level)}",
            f"Final:   {level_text(pop, d.final_level)}"
            + ("" if d.direction == "same" else f"  (overridden {d.direction.upper()})"),
            "", "Engine outcomes:", outcomes_text(json.loads(d.engine_outcomes)),
            "", "Final outcomes:", outcomes_text(json.loads(d.final_outcomes)),
        ]
        if d.nfa_reason:
            lines.append(f"NFA reason: {labels.word('nfa_reasons', d.nfa_reason)}")
        role = Role(d.decided_role).label if d.decided_role in {r.value for r in Role} else d.decided_role
        lines += ["", f"Decided by {d.decided_by} ({role}) on {when_text(d.decided_at)}",
                  f"Decision was due {due_text(engine.get('decision_due'))}",
                  f"Approval: {APPROVAL_WORDS.get(d.approval, d.approval)}",
                  *decisions.signatures(d),  # who signed; an imported approval that was not proven
                  "", "Why it is here:"] + [f"• {labels.word('requires', x)}" for x in json.loads(d.requires)]
        if row.get("contest"):
            lines.append(f"• a reviewing practice lead decided this; {row['contest']['by']} contests it: "
                         f"{row['contest']['rationale']}")
        lines += ["", "Rationale:", d.rationale or "— (suggestion accepted)"]
        if d.evidence:
            lines += ["Evidence:", d.evidence]
        lines += ["", "Consent: " + _consent_text(row["doc"], engine), "", "Engine reasons:"]
        lines += [f"• {labels.reason_text(x)}" for x in engine.get("reasons") or []]
        self.detail.setPlainText("\n".join(lines))
        if not self.isVisible():
            return  # prepared in a hidden tab: not yet seen by anyone
        from triage_desk import review_queue

        ws, decision_id, referral_id = self.ws, d.id, d.referral_id  # a lead reading a decision is a case view
        operations.change(lambda: review_queue.record_decision_view(ws, decision_id, referral_id),
                          operations.Changes.of(operations.AUDIT, referral_id=referral_id), parent=self)

    # ---- acting ----------------------------------------------------------------------------------
    def act(self, approved: bool) -> None:
        row = self.current_row()
        if row is None:
            return
        ws, decision, note_text = self.ws, row["decision"], self.note.toPlainText()
        self.done.hide()
        operations.change(lambda: decisions.approve(ws, decision.id, approved, note_text),
                          operations.Changes.of(operations.DECISION, operations.CASE, referral_id=decision.referral_id),
                          lambda d: self._acted(row["reference"], d), self._refused, parent=self)

    def _acted(self, reference: str, decision) -> None:
        self.note.clear()  # the queue reloads on workspace_changed
        self.done.setText(acted_text(reference, decision))
        self.done.show()

    def _refused(self, exc: BaseException) -> None:
        if not isinstance(exc, (InputError, PermissionDenied)):
            raise exc
        self.message.show_error(str(exc))

    def on_workspace_changed(self, changes: operations.Changes) -> None:
        if changes.touches(operations.DECISION):
            self.reload()


def acted_text(reference: str, decision) -> str:
    """What an approval or rejection did, and what happens next (shown after the click)."""
    if decision.approval == decisions.APPROVED:
        return (f"✔ Approved: the decision on {reference} stands (level {decision.final_level}). The case goes on "
                "to its outcomes; the officer sees the approval on the case.")
    return (f"✔ Sent back: the decision on {reference} was rejected with your note. {decision.decided_by} sees "
            "it on the case and must record a new decision.")


def is_reviewer(user) -> bool:
    return getattr(user, "role", None) == Role.LEAD


def install(window) -> None:
    """Add the Review area; shown only to practice leads (updated when the user changes)."""
    area = ReviewArea(window.ws)
    window.add_area(TITLE, area)
    window.review_area = area

    def update(*_args) -> None:
        index = window.tabs.indexOf(area)
        show = is_reviewer(window.user)
        window.tabs.setTabVisible(index, show)
        if show:
            area.reload()

    update()
    window.user_changed.connect(update)
    window.tabs.currentChanged.connect(lambda i: area.reload() if window.tabs.widget(i) is area else None)
    window.lock_changed.connect(lambda locked: None if locked else update())
