"""The practice lead's offline review queue (issue 13 points 2-3): the cases of imported review packs,
kept apart from local cases. In a blind pack the lead scores first; the officer's decision and the
engine's suggestion appear only after the (signed) reveal. Every action goes through ui/operations."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from triage_desk.ui import operations
from triage_desk.ui.widgets import ErrorLabel, heading, line_edit, make_plain

REVIEW = "review"  # a review queue change (operations.Changes kind)


def install(window) -> None:
    """File › Review queue… for practice leads (the cases of review packs imported here)."""
    from triage_desk.models import Role

    window.add_file_action("Review &queue…", "review_queue", lambda: ReviewQueueDialog(window.ws, window).exec(),
                           (Role.LEAD.value,))


def _state(row: dict) -> str:
    if row["reviewed"]:
        return "agreed" if row["reviewed"] == "agree" else "decided differently"
    if row["blind"]:
        return "revealed" if row["revealed"] else "scored blind" if row["scored"] else "to score blind"
    return "to review"


class ReviewQueueDialog(QDialog):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws, self.ref = ws, None
        self.setWindowTitle("Review queue")
        self.cases = QListWidget()
        self.cases.setAccessibleName("Cases to review")
        self.cases.currentItemChanged.connect(self._chosen)
        self.detail = make_plain(QLabel(), selectable=True)
        self.level = QComboBox()
        self.level.addItems(["Level 1", "Level 2", "Level 3", "Level 4"])
        self.level.setAccessibleName("Your level")
        self.outcomes = line_edit("Your outcomes", "outcome codes, e.g. EH")
        self.indicators = line_edit("Indicators you see", "indicator codes (blind score)")
        self.rationale = QPlainTextEdit()
        self.rationale.setAccessibleName("Your rationale")
        self.error = ErrorLabel()
        form = QFormLayout()
        form.addRow("Level", self.level)
        form.addRow("Outcomes", self.outcomes)
        form.addRow("Indicators", self.indicators)
        form.addRow("Rationale", self.rationale)
        row = QHBoxLayout()
        self.buttons = {}
        for text, slot in (("Score blind", self.score), ("Reveal decision", self.reveal), ("Agree", self.agree),
                           ("Decide differently", self.disagree)):
            self.buttons[text] = QPushButton(text)
            self.buttons[text].clicked.connect(slot)
            row.addWidget(self.buttons[text])
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (heading("Cases to review"), self.cases, self.detail):
            layout.addWidget(widget)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addWidget(close)
        self.reload()

    def reload(self) -> None:
        from triage_desk import review_offline

        operations.query(lambda: review_offline.queue(self.ws), self._show, self._failed, parent=self)

    def _show(self, rows: list[dict]) -> None:
        self.cases.clear()
        for r in rows:
            item = QListWidgetItem(f"{r['reference']} – {'blind, ' if r['blind'] else ''}{_state(r)}")
            item.setData(256, r["reference"])
            self.cases.addItem(item)
        if not rows:
            self.detail.setText("No review packs imported yet (triage-desk review-pack import).")
        self._enable(None)

    def _failed(self, exc: BaseException) -> None:
        self.error.show_error(str(exc))

    def _chosen(self, item) -> None:
        from triage_desk import review_offline

        self.ref = item.data(256) if item is not None else None
        if self.ref:
            ref = self.ref
            operations.query(lambda: review_offline.case_view(self.ws, ref), self._case, self._failed, parent=self)

    def _case(self, view: dict) -> None:
        case = view["case"]
        lines = [view["reference"], (case.get("concerns") or {}).get("narrative") or "no narrative"]
        if view["hidden"]:
            lines.append("Blind: score the case first; the officer's decision is shown after the reveal.")
        else:
            d = view["decision"]
            lines.append(f"Officer: level {d['level']} ({', '.join(d['outcomes'] or [])}); engine "
                         f"suggested level {d['engine_level']}. Rationale: {d['rationale'] or 'none'}")
        self.detail.setText("\n".join(lines))  # a plain-text label: no markup
        self._enable(view)

    def _enable(self, view: dict | None) -> None:
        blind, hidden = bool(view and view["blind"]), bool(view and view["hidden"])
        self.buttons["Score blind"].setEnabled(blind and hidden)
        self.buttons["Reveal decision"].setEnabled(blind and hidden)
        for text in ("Agree", "Decide differently"):
            self.buttons[text].setEnabled(view is not None and not hidden)

    def _choice(self):
        from triage_desk.review_offline import Choice

        split = [c.strip() for c in self.outcomes.text().split(",") if c.strip()]
        marks = tuple(c.strip() for c in self.indicators.text().split(",") if c.strip())
        return Choice(self.level.currentIndex() + 1, tuple(split), marks, self.rationale.toPlainText())

    def _do(self, work) -> None:
        self.error.clear_error()
        operations.change(work, operations.Changes.of(REVIEW), lambda _r: self.reload(), self._failed, parent=self)

    def score(self) -> None:
        from triage_desk import review_offline

        ref, choice = self.ref, self._choice()
        self._do(lambda: review_offline.score(self.ws, ref, choice))

    def reveal(self) -> None:
        from triage_desk import review_offline

        ref = self.ref
        self._do(lambda: review_offline.reveal(self.ws, ref))

    def agree(self) -> None:
        from triage_desk import review_offline

        ref, choice = self.ref, self._choice()
        self._do(lambda: review_offline.review(self.ws, ref, agree=True, choice=choice))

    def disagree(self) -> None:
        from triage_desk import review_offline

        ref, choice = self.ref, self._choice()
        self._do(lambda: review_offline.review(self.ws, ref, agree=False, choice=choice))
