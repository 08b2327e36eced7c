"""Wizard step: proposed outcomes, RAG priority and decision deadline; the officer's decision or override.

The proposal goes to doc["decision"]["proposal"]; `intake.submit` records it with `decisions.decide`.
Accepting the suggestion needs nothing more; a different level or outcome set needs a written rationale
and goes to a practice lead for approval.
"""

from __future__ import annotations

import copy
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from triage_desk import decisions
from triage_desk.errors import InputError
from triage_desk.formatting import fmt_datetime
from triage_desk.forms.catalogue import OUTCOME_CODES
from triage_desk.forms.facts import LONDON
from triage_desk.forms.threshold import default_context
from triage_desk.measures_defs import PRIMARY_NEEDS
from triage_desk.ui.threshold_step import assess_draft, level_text, population
from triage_desk.ui.widgets import ErrorLabel, heading, make_plain, note, scroll_contents, shrinkable, text_box

RAG_WORDS = {"red": "RED – act within 4 hours", "amber": "AMBER – within 1 working day",
             "green": "GREEN – within 3 working days"}


def outcome_label(code: str) -> str:
    return default_context().rules["outcomes"].get(code, code)


def parse_due(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    try:
        due = datetime.fromisoformat(value.rstrip("Z"))
    except ValueError:
        return None
    return due.replace(tzinfo=LONDON) if due.tzinfo is None else due


def time_left_text(due: str | datetime | None, now: datetime | None = None) -> str:
    """'3 h 20 min left' or 'OVERDUE by 1 d 2 h' (words, so overdue never depends on colour)."""
    due = parse_due(due)
    if due is None:
        return "no deadline"
    now = now or datetime.now(LONDON)
    if now.tzinfo is None:
        now = now.replace(tzinfo=LONDON)
    seconds = int((due - now).total_seconds())
    minutes = abs(seconds) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    span = f"{days} d {hours} h" if days else (f"{hours} h {mins} min" if hours else f"{mins} min")
    return f"{span} left" if seconds >= 0 else f"OVERDUE by {span}"


def due_text(due: str | datetime | None) -> str:
    when = parse_due(due)
    return fmt_datetime(when, weekday=True) if when else "not set"


class RoutingStep(QWidget):
    TITLE = "Outcome and timescales"
    changed = Signal()

    def __init__(self, ws, parent: QWidget | None = None, *, scroll: bool = True):
        super().__init__(parent)
        self.ws = ws
        self._scroll = scroll  # False inside a panel that scrolls as a whole (the Decision tab)
        # administrators may enter referrals but only officers and practice leads decide them
        self.can_decide = getattr(getattr(ws, "user", None), "role", None) != "admin"
        self.doc: dict = {}
        self.engine: dict | None = None
        self.error: str | None = None
        self._loading = False
        self._lay_out(self._engine_box(), self._final_box(default_context().rules))

    def _engine_box(self) -> QGroupBox:
        self.engine_level = make_plain(heading("", 2), selectable=True)
        self.engine_level.setAccessibleName("Suggested level")
        self.engine_outcomes = make_plain(QLabel(""), selectable=True)
        self.engine_outcomes.setWordWrap(True)
        self.rag = make_plain(QLabel(""), selectable=True)
        self.due = make_plain(QLabel(""), selectable=True)
        self.due.setAccessibleName("Decision deadline and time left")
        self.requires = make_plain(QLabel(""), selectable=True)
        self.requires.setWordWrap(True)
        engine_box = QGroupBox("Suggested by the threshold engine")
        ef = QFormLayout(engine_box)
        ef.addRow("Level:", self.engine_level)
        ef.addRow("Outcomes:", self.engine_outcomes)
        ef.addRow("Priority:", self.rag)
        ef.addRow("Decision due:", self.due)
        ef.addRow("Still needed:", self.requires)
        return engine_box

    def _final_inputs(self, rules: dict) -> None:
        self.override = QCheckBox("&Override: make a different decision")
        self.override.setAccessibleName("Override the suggested decision")
        self.override.toggled.connect(self._override_toggled)
        self.level = QComboBox()
        self.level.setAccessibleName("Final level")
        self.level.currentIndexChanged.connect(self._edited)
        self.outcomes = QListWidget()
        self.outcomes.setAccessibleName("Final outcomes (Space ticks)")
        self.outcomes.setWordWrap(True)
        self.outcomes.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.outcomes.setMinimumHeight(200)
        for code in OUTCOME_CODES:
            item = QListWidgetItem(f"{code} – {outcome_label(code)}")
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.outcomes.addItem(item)
        self.outcomes.itemChanged.connect(self._edited)
        self.nfa_reason = QComboBox()
        self.nfa_reason.setAccessibleName("Reason for no further action")
        self.nfa_reason.addItem("— choose when NFA is ticked —", "")
        for code, words in rules["nfa_reasons"].items():
            self.nfa_reason.addItem(words, code)
        self.nfa_reason.currentIndexChanged.connect(self._edited)
        self.rationale = text_box("Rationale for the override",
                                  "Why the final decision differs from the suggestion (required)", max_height=90)
        self.rationale.textChanged.connect(self._edited)
        self.evidence = text_box("Evidence for the override", "What the decision rests on (optional)", max_height=60)
        self.evidence.textChanged.connect(self._edited)
        # DfE primary need (N0-N9) for the statutory return: recorded with every decision, override or not
        self.primary_need = QComboBox()
        self.primary_need.setAccessibleName("Primary need")
        self.primary_need.addItem("— not recorded —", "")
        for code, words in PRIMARY_NEEDS.items():
            self.primary_need.addItem(f"{code} – {words}", code)
        self.primary_need.currentIndexChanged.connect(self._edited)

    def _final_box(self, rules: dict) -> QGroupBox:
        self._final_inputs(rules)
        final_box = QGroupBox("Final decision")
        ff = QFormLayout(final_box)
        ff.addRow(self.override)
        # mnemonics avoid the wizard's (B, N, D, U, C) and the main window's (F, A, H, C, R)
        for text, field in (("Final &level:", self.level), ("Final outco&mes:", self.outcomes),
                            ("NFA r&eason:", self.nfa_reason), ("Ra&tionale:", self.rationale),
                            ("E&vidence:", self.evidence)):
            label = QLabel(text)
            label.setBuddy(field)
            ff.addRow(label, field)
        self.approval = make_plain(QLabel(""))
        self.approval.setWordWrap(True)
        ff.addRow(self.approval)
        return final_box

    def _lay_out(self, engine_box: QGroupBox, final_box: QGroupBox) -> None:
        self.message = ErrorLabel()
        # engine above final (the wizard's centre column is narrow); the case view shows them side by side
        sides = QVBoxLayout()
        sides.addWidget(engine_box)
        sides.addWidget(final_box)
        layout = QVBoxLayout(self)
        layout.addWidget(note("The engine's suggestion and your final decision are both kept, with who and when. "
                              "An override, no further action, or consent not sought goes to a practice lead."))
        layout.addWidget(self.message)
        layout.addLayout(sides)
        need = QFormLayout()
        need_label = QLabel("&Primary need (DfE):")
        need_label.setBuddy(self.primary_need)
        need.addRow(need_label, self.primary_need)
        layout.addLayout(need)
        layout.addStretch(1)
        order = [self.override, self.level, self.outcomes, self.nfa_reason, self.rationale, self.evidence,
                 self.primary_need]
        for first, second in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self._set_final_enabled(False)
        shrinkable(self.level, self.nfa_reason, characters=20)
        if self._scroll:
            scroll_contents(self)

    # ---- contract --------------------------------------------------------------------------------
    def first_input(self) -> QWidget:
        return self.override

    def load(self, doc: dict) -> None:
        self.doc = doc
        self._loading = True
        self._evaluate(doc)
        pop = population(doc)
        self.level.clear()
        for lv in (1, 2, 3, 4):
            self.level.addItem(level_text(pop, lv), lv)
        section = doc.get("decision") if isinstance(doc.get("decision"), dict) else {}
        proposal = section.get("proposal") if isinstance(section.get("proposal"), dict) else None
        overriding = bool(proposal and self.engine and (
            proposal.get("final_level") != self.engine["suggested_level"]
            or set(proposal.get("final_outcomes") or []) != set(self.engine["outcomes"])
            or proposal.get("rationale")))
        self.override.setChecked(overriding)
        self.primary_need.setCurrentIndex(max(self.primary_need.findData((proposal or {}).get("primary_need") or ""),
                                              0))
        if overriding:
            self._show_final(proposal.get("final_level"), proposal.get("final_outcomes") or [])
            self.rationale.setPlainText(proposal.get("rationale") or "")
            self.evidence.setPlainText(proposal.get("evidence") or "")
            self.nfa_reason.setCurrentIndex(max(self.nfa_reason.findData(proposal.get("nfa_reason") or ""), 0))
        else:
            self._mirror_engine()
        self._set_final_enabled(overriding)
        self.override.setEnabled(self.can_decide)
        self._loading = False
        self._update()

    def store(self, doc: dict) -> None:
        proposal = self.proposal_for(doc)
        if proposal is None or not self.can_decide:
            return
        section = doc.get("decision") if isinstance(doc.get("decision"), dict) else {}
        section["proposal"] = proposal
        doc["decision"] = section

    def problems(self) -> list[str]:
        if self.doc:
            self.store(self.doc)  # other steps may have changed the suggestion since this page was shown
        if self.error:
            return [f"routing: cannot suggest an outcome yet ({self.error})"]
        if self.engine is None or not self.can_decide:
            return []
        return [f"routing.{p.partition(': ')[0].replace(' ', '_').lower()}: {p.partition(': ')[2]}"
                for p in decisions.check_proposal(self.engine, self.proposal())]

    # ---- behaviour -------------------------------------------------------------------------------
    def proposal(self) -> decisions.Proposal:
        need = self.primary_need.currentData() or None
        if not self.override.isChecked() and self.engine:
            return decisions.Proposal(self.engine["suggested_level"], tuple(self.engine["outcomes"]), primary_need=need)
        codes = tuple(self.outcomes.item(n).data(Qt.ItemDataRole.UserRole) for n in range(self.outcomes.count())
                      if self.outcomes.item(n).checkState() == Qt.CheckState.Checked)
        return decisions.Proposal(self.level.currentData() or 1, codes, self.rationale.toPlainText(),
                                  self.evidence.toPlainText(),
                                  (self.nfa_reason.currentData() or None) if "NFA" in codes else None, need)

    def proposal_for(self, doc: dict) -> dict | None:
        """The proposal as stored in the document, re-read against the document's current suggestion."""
        self._evaluate(doc)
        if not self.override.isChecked():
            self._loading, was = True, self._loading
            self._mirror_engine()
            self._loading = was
        if self.engine is None:
            return None
        p = self.proposal()
        return {"final_level": p.final_level, "final_outcomes": list(p.final_outcomes), "rationale": p.rationale,
                "evidence": p.evidence, "nfa_reason": p.nfa_reason, "primary_need": p.primary_need}

    def set_override(self, level: int, outcomes: list[str], rationale: str = "", evidence: str = "") -> None:
        """Choose a final decision different from the suggestion (as the officer does with the controls)."""
        self.override.setChecked(True)
        self._show_final(level, outcomes)
        self.rationale.setPlainText(rationale)
        self.evidence.setPlainText(evidence)

    def _evaluate(self, doc: dict) -> None:
        snapshot = copy.deepcopy(doc)
        snapshot.pop("decision", None)
        try:
            self.engine, self.error = assess_draft(snapshot), None
        except InputError as exc:
            self.engine, self.error = None, str(exc)
        self._show_engine()

    def _show_engine(self) -> None:
        e = self.engine
        if e is None:
            self.engine_level.setText("Cannot assess yet")
            for label in (self.engine_outcomes, self.rag, self.due):
                label.setText("")
            self.requires.setText(self.error or "")
            return
        self.engine_level.setText(level_text(e["population"], e["suggested_level"]))
        self.engine_outcomes.setText("\n".join(f"{c} – {outcome_label(c)}" for c in e["outcomes"]))
        self.rag.setText(RAG_WORDS.get(e["rag"], e["rag"]) + f" (by {due_text(e['rag_due'])})")
        self.due.setText(f"{due_text(e['decision_due'])} · {time_left_text(e['decision_due'])}")
        self.requires.setText("\n".join(f"• {t}" for t in e.get("requires_text") or []) or "nothing")

    def _show_final(self, level: int | None, outcomes: list[str]) -> None:
        index = self.level.findData(level)
        self.level.setCurrentIndex(max(index, 0))
        for n in range(self.outcomes.count()):
            item = self.outcomes.item(n)
            item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in outcomes
                               else Qt.CheckState.Unchecked)

    def _mirror_engine(self) -> None:
        if self.engine:
            self._show_final(self.engine["suggested_level"], self.engine["outcomes"])

    def _set_final_enabled(self, on: bool) -> None:
        for w in (self.level, self.outcomes, self.rationale, self.evidence):
            w.setEnabled(on)
        self.nfa_reason.setEnabled(on and "NFA" in self.proposal().final_outcomes)

    def _override_toggled(self, on: bool) -> None:
        if not on:
            self._loading, was = True, self._loading
            self._mirror_engine()
            self._loading = was
        self._set_final_enabled(on)
        self._edited()

    def _edited(self, *_args) -> None:
        if self._loading:
            return
        self._update()
        self.changed.emit()

    def _update(self) -> None:
        self.nfa_reason.setEnabled(self.override.isChecked() and "NFA" in self.proposal().final_outcomes)
        if self.engine is None:
            self.approval.setText("")
            self.message.show_error(f"Cannot suggest an outcome yet: {self.error}" if self.error else "")
            return
        p = self.proposal()
        problems = decisions.check_proposal(self.engine, p)
        if problems and self.override.isChecked():
            self.message.show_error("Override refused: " + "; ".join(problems))
        else:
            self.message.clear_error()
        overridden = decisions.is_override(self.engine, p)
        needs = list(self.engine.get("requires_text") or [])
        if overridden:
            direction = ("up" if p.final_level > self.engine["suggested_level"] else "down"
                         if p.final_level < self.engine["suggested_level"] else "same level, different outcomes")
            needs.insert(0, f"practice-lead approval of the override ({direction})")
        if "NFA" in p.final_outcomes:
            needs.append("practice-lead approval of no further action")
        self.approval.setText(("Goes to a practice lead because: " + "; ".join(needs)) if needs
                              else "No approval needed: the suggestion is accepted.")
        if not self.can_decide:
            self.approval.setText("An officer or practice lead records the decision after submission.")
