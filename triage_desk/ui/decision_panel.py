"""The threshold decision of one case, for the case view: the engine's result and the final decision side by
side, who and when, the override rationale and the approval state. For a submitted case an officer or
practice lead records (or re-records) the decision here; a new decision supersedes the old, which stays
in the history.
"""

from __future__ import annotations

import json

from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from triage_desk import decisions
from triage_desk.concurrency import Conflict
from triage_desk.errors import InputError, PermissionDenied
from triage_desk.formatting import fmt_datetime, from_utc
from triage_desk.forms import labels
from triage_desk.models import Role
from triage_desk.ui import operations
from triage_desk.ui.lease_banner import LeaseBanner
from triage_desk.ui.routing_step import RoutingStep, outcome_label
from triage_desk.ui.threshold_step import level_text
from triage_desk.ui.widgets import ErrorLabel, heading, make_plain, scroll_contents

APPROVAL_WORDS = {"not_needed": "no approval needed", "pending": "WAITING for practice-lead approval",
                  "approved": "APPROVED", "rejected": "REJECTED by a practice lead – decide again",
                  "response": "decided differently by a reviewing practice lead – awaiting the officer's response "
                              "(Progress tab)",
                  "accepted": "decided by a reviewing practice lead; the officer accepted it"}


def when_text(value) -> str:
    return fmt_datetime(from_utc(value), zone=True) if value else "—"


def outcomes_text(codes: list[str]) -> str:
    return "\n".join(f"{c} – {outcome_label(c)}" for c in codes) or "—"


def empty_state(status: str | None, role) -> str:
    """Why there is no decision, and who can make one (an empty panel always explains itself)."""
    if status == "draft":
        return "Draft: no decision until the referral is submitted."
    if role not in (Role.OFFICER, Role.LEAD):
        return ("No threshold decision recorded yet. Decisions are made by front-door officers and practice "
                "leads: each decision is a statement signed with the decider's own key, so your role "
                f"({Role(role).label if role else 'not signed in'}) can read decisions here but not make them.")
    return "No threshold decision recorded yet: record it below."


class DecisionPanel(QWidget):
    def __init__(self, ws, referral_id: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.referral_id = referral_id
        self.decision = None
        self._saved = False  # the next refresh follows this user's own save: confirm it
        self._editing = False  # the form is open: a refresh (a change here or elsewhere) must not clear it
        self.version: int | None = None  # the referral's version the decision is being made against
        self.status: str | None = None
        self.document: dict = {}
        operations.events().workspace_changed.connect(self.on_workspace_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(make_plain(heading("Threshold decision", 2)))
        self.state = make_plain(QLabel(""), selectable=True)
        self.state.setWordWrap(True)
        self.state.setAccessibleName("Decision state")
        layout.addWidget(self.state)

        self.side = self._side_by_side()  # hidden while there is no decision: no empty table to puzzle over
        layout.addWidget(self.side)
        self.reasons = QListWidget()
        self.reasons.setAccessibleName("Engine reasons")
        self.reasons.setWordWrap(True)
        self.reasons.setMaximumHeight(140)
        reasons_label = QLabel("Reasons &given by the engine:")
        reasons_label.setBuddy(self.reasons)
        layout.addWidget(reasons_label)
        layout.addWidget(self.reasons)
        self.history = make_plain(QLabel(""), selectable=True)
        self.history.setWordWrap(True)
        layout.addWidget(self.history)

        self.redecide = QPushButton("Record a ne&w decision…")
        self.redecide.setAccessibleName("Record a new decision (supersedes the current one)")
        self.redecide.clicked.connect(lambda: self._show_form(True))
        self.form = RoutingStep(ws, scroll=False)
        self.save = QPushButton("&Save decision")
        self.save.setAccessibleName("Save the decision")
        self.save.clicked.connect(self.save_decision)
        self.cancel = QPushButton("Cancel")
        self.cancel.clicked.connect(lambda: self._show_form(False))
        self.message = ErrorLabel()
        self.editing_banner = LeaseBanner(ws)  # held while the form is open: others see who is deciding
        buttons = QHBoxLayout()
        buttons.addWidget(self.redecide)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.save)
        layout.addWidget(self.editing_banner)
        layout.addWidget(self.form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        layout.addStretch(1)
        self._show_form(False)  # nothing to decide on until the decisions have been read
        scroll_contents(self)
        self.reload()

    def _side_by_side(self) -> QGroupBox:
        box = QGroupBox("Engine and final decision side by side")
        self.grid = QGridLayout(box)
        self.cells: dict[tuple[str, str], QLabel] = {}
        for col, title in ((1, "Threshold engine"), (2, "Final decision")):
            label = QLabel(f"<b>{title}</b>")
            self.grid.addWidget(label, 0, col)
        rows = ("Level", "Outcomes", "By / when", "Rationale", "Approval", "Signed")
        for r, name in enumerate(rows, 1):
            self.grid.addWidget(QLabel(f"{name}:"), r, 0)
            for col, side in ((1, "engine"), (2, "final")):
                cell = make_plain(QLabel(""), selectable=True)
                cell.setWordWrap(True)
                cell.setAccessibleName(f"{name} ({side})")
                self.grid.addWidget(cell, r, col)
                self.cells[(name, side)] = cell
        self.grid.setColumnStretch(1, 1)
        self.grid.setColumnStretch(2, 1)
        return box

    # ---- reading ---------------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-read the referral's decisions off the GUI thread; shown when they arrive."""
        from triage_desk import case_access

        ws, referral_id = self.ws, self.referral_id
        operations.query(lambda: case_access.decision_state(ws, referral_id), self._show_state, parent=self)

    def on_workspace_changed(self, changes: operations.Changes) -> None:
        if changes.touches(operations.DECISION, operations.CASE) and changes.about(self.referral_id):
            self.reload()

    def _show_state(self, state) -> None:
        self.status, self.document = state.status, state.document
        self.decision, older = state.current, state.older
        self._show_decision()
        self.history.setText("" if not older else "Earlier decisions (superseded): " + "; ".join(
            f"level {d.final_level} by {d.decided_by} on {when_text(d.decided_at)} ({d.approval.replace('_', ' ')})"
            for d in older))
        self.history.setVisible(bool(older))
        if self._editing:  # keep what is being typed; saving against an older version asks whose stands
            if state.version != self.version:
                self.message.show_error("This case's decision was changed elsewhere while you were editing (shown "
                                        "above). Saving will ask whether yours or theirs stands.")
            return
        self.version = state.version
        self._show_form(self.decision is None and self.can_decide())

    def can_decide(self) -> bool:
        role = getattr(self.ws.user, "role", None)
        return self.status in ("submitted", "decided") and role in (Role.OFFICER, Role.LEAD)

    def _show_decision(self) -> None:
        d = self.decision
        self.reasons.clear()
        for cell in self.cells.values():
            cell.setText("")
        self.side.setVisible(d is not None)
        if d is None:
            self.state.setText(empty_state(self.status, getattr(self.ws.user, "role", None)))
            return
        engine = json.loads(d.engine_json)
        pop = engine.get("population", "child")
        c = self.cells
        c[("Level", "engine")].setText(level_text(pop, d.engine_level))
        c[("Level", "final")].setText(level_text(pop, d.final_level)
                                      + ("" if d.direction == "same" else f"  (overridden {d.direction.upper()})"))
        c[("Outcomes", "engine")].setText(outcomes_text(json.loads(d.engine_outcomes)))
        c[("Outcomes", "final")].setText(outcomes_text(json.loads(d.final_outcomes))
                                         + (f"\nNFA reason: {labels.word('nfa_reasons', d.nfa_reason)}"
                                            if d.nfa_reason else ""))
        cat = engine.get("catalogue") or {}
        c[("By / when", "engine")].setText(f"catalogue {cat.get('id', '?')} v{cat.get('version', '?')}; "
                                           f"RAG {str(engine.get('rag', '?')).upper()}")
        role = Role(d.decided_role).label if d.decided_role in {r.value for r in Role} else d.decided_role
        c[("By / when", "final")].setText(f"{d.decided_by} ({role}) on {when_text(d.decided_at)}")
        c[("Rationale", "final")].setText((d.rationale or "— (suggestion accepted)")
                                          + (f"\nEvidence: {d.evidence}" if d.evidence else ""))
        c[("Approval", "engine")].setText("\n".join(f"• {t}" for t in engine.get("requires_text") or []))
        approval = APPROVAL_WORDS.get(d.approval, d.approval)
        if d.approved_by:
            approval += f" by {d.approved_by} on {when_text(d.approved_at)}"
        if d.approval_note:
            approval += f"\nNote: {d.approval_note}"
        c[("Approval", "final")].setText(approval)
        c[("Signed", "final")].setText("\n".join(decisions.signatures(d)))  # name, role, key fingerprint
        self.reasons.addItems([labels.reason_text(r) for r in engine.get("reasons") or []])
        self.state.setText(f"Final: {level_text(pop, d.final_level)} · {approval.splitlines()[0]}"
                           + ("" if not self._saved else "\n✔ Decision recorded and signed. Next: " + (
                               "a practice lead approves or sends it back in their Review area."
                               if d.approval == decisions.APPROVAL_PENDING else "act on the outcomes above.")))
        self._saved = False

    # ---- deciding --------------------------------------------------------------------------------
    def _show_form(self, on: bool) -> None:
        on = on and self.can_decide()
        self._editing = on
        if on:
            self.form.load(self.document)
            self.editing_banner.hold(self.referral_id)
        else:
            self.editing_banner.release()
        self.form.setVisible(on)
        self.save.setVisible(on)
        self.cancel.setVisible(on and self.decision is not None)
        self.redecide.setVisible(not on and self.decision is not None and self.can_decide())
        self.message.clear_error()

    def save_decision(self) -> None:
        """Record the form's decision (an override without a rationale is refused with the reason)."""
        engine = self.form.engine
        if engine is None:
            self.message.show_error(f"Cannot decide yet: {self.form.error}")
            return
        ws, referral_id, proposal, version = self.ws, self.referral_id, self.form.proposal(), self.version
        # On success workspace_changed reloads this panel, the case header and the case list.
        operations.change(lambda: decisions.decide(ws, referral_id, engine, proposal, expected_version=version),
                          operations.Changes.of(operations.DECISION, operations.CASE, referral_id=referral_id),
                          self._recorded, self._not_saved, parent=self)

    def _recorded(self, _decision) -> None:
        self._saved, self._editing = True, False  # the reload that follows shows the saved decision

    def _not_saved(self, exc: BaseException) -> None:
        if isinstance(exc, Conflict):
            self.resolve_conflict(exc)
            return
        if not isinstance(exc, (InputError, PermissionDenied)):
            raise exc
        self.message.show_error(f"Decision not saved: {exc}")

    def resolve_conflict(self, conflict: Conflict) -> None:
        """Someone decided this case first: keep theirs, overwrite with mine, or edit mine beside theirs
        (open(), not exec(): this runs in an operation's failure callback)."""
        from triage_desk.ui.conflict_dialog import ask

        ask(conflict, self, lambda choice: self._conflict_chosen(conflict, choice))

    def _conflict_chosen(self, conflict: Conflict, choice: str | None) -> None:
        from triage_desk.ui.conflict_dialog import KEEP_THEIRS, MERGE, OVERWRITE

        if choice is None:
            self.message.show_error(f"Decision not saved: {conflict}")
            return
        self.version = conflict.version  # from now on, knowingly against their version
        if choice == KEEP_THEIRS:
            self._show_form(False)
            self.reload()
        elif choice == OVERWRITE:
            self.save_decision()
        elif choice == MERGE:
            self.message.show_error("Their decision is shown above: change your entries as needed and save again.")
