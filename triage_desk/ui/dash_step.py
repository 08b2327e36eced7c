"""Wizard step: the DASH risk checklist (24 numbered questions from configuration), count and risk live.

Answers go to doc["dash"] = {"answers": [24 × true|false|null], "judgement_high", "judgement_reason",
"last_marac"}; an untouched checklist is stored as null so no score is claimed for it.
"""

from __future__ import annotations

import copy
from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from triage_desk.errors import InputError
from triage_desk.formatting import QT_DATE
from triage_desk.forms.engine import dash_band
from triage_desk.forms.threshold import default_context
from triage_desk.ui.threshold_step import assess_draft
from triage_desk.ui.widgets import ErrorLabel, heading, make_plain, note, scroll_contents, shrinkable

CHOICES = (("Yes", True), ("No", False), ("Not asked", None))


class DashStep(QWidget):
    TITLE = "Domestic abuse (DASH)"
    changed = Signal()

    def __init__(self, ws, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.doc: dict = {}
        self._loading = False
        cfg = default_context().rules["dash"]
        self.cfg = cfg
        self.questions = [(int(n), text) for n, text in sorted(cfg["questions"].items(), key=lambda kv: int(kv[0]))]
        self.groups: list[QButtonGroup] = []
        self._inputs: list[QWidget] = []

        layout = QVBoxLayout(self)
        layout.addWidget(note("Complete with the victim when domestic abuse is part of the referral. "
                              f"{cfg.get('source', 'DASH checklist')}: the score is the number of yes answers "
                              "(1–9 standard, 10–13 medium, 14 or more high risk: refer to MARAC)."))
        self.summary = make_plain(heading("", 2), selectable=True)
        self.summary.setAccessibleName("DASH score and risk")
        layout.addWidget(self.summary)
        layout.addLayout(self._question_grid())
        jrow, mrow = self._judgement_rows(cfg)
        self.repeat = make_plain(QLabel(""))
        self.repeat.setWordWrap(True)
        self.message = ErrorLabel()
        layout.addLayout(jrow)
        layout.addLayout(mrow)
        layout.addWidget(self.repeat)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self._inputs += [self.judgement, self.reason, self.marac_known, self.marac_date]
        for first, second in zip(self._inputs, self._inputs[1:], strict=False):
            QWidget.setTabOrder(first, second)
        self._update()
        scroll_contents(self)  # thirteen questions do not fit a 700-pixel-high screen

    def _question_grid(self) -> QGridLayout:
        """One row per question with Yes / No / Not asked; "not asked" until answered."""
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        for row, (number, text) in enumerate(self.questions):
            label = QLabel(f"{number}. {text}")
            label.setWordWrap(True)
            box = QWidget()
            hl = QHBoxLayout(box)
            hl.setContentsMargins(0, 0, 0, 0)
            group = QButtonGroup(box)
            for n, (word, _) in enumerate(CHOICES):
                button = QRadioButton(word)
                button.setAccessibleName(f"Question {number} {word.lower()}")
                button.setToolTip(f"{number}. {text}")
                group.addButton(button, n)
                hl.addWidget(button)
                self._inputs.append(button)
            group.button(2).setChecked(True)
            group.idToggled.connect(self._edited)
            label.setBuddy(group.button(0))
            self.groups.append(group)
            grid.addWidget(label, row, 0)
            grid.addWidget(box, row, 1)
        grid.setColumnStretch(0, 1)
        return grid

    def _judgement_rows(self, cfg: dict) -> tuple[QHBoxLayout, QHBoxLayout]:
        self.judgement = QCheckBox("&Professional judgement: treat the risk as high")
        self.judgement.setAccessibleName("Professional judgement high risk")
        self.judgement.toggled.connect(self._edited)
        self.reason = QComboBox()
        self.reason.setAccessibleName("Reason for the professional judgement")
        self.reason.addItem("— choose the reason —", "")
        for code, words in cfg.get("judgement_high_reasons", {}).items():
            self.reason.addItem(words, code)
        self.reason.currentIndexChanged.connect(self._edited)
        shrinkable(self.reason, characters=16)  # the long reasons show in the open list
        reason_label = QLabel("&Reason:")
        reason_label.setBuddy(self.reason)
        self.marac_known = QCheckBox("Previous &MARAC referral on")
        self.marac_known.setAccessibleName("There was a previous MARAC referral")
        self.marac_known.toggled.connect(self._edited)
        self.marac_date = QDateEdit()
        self.marac_date.setAccessibleName("Date of the last MARAC referral")
        self.marac_date.setDisplayFormat(QT_DATE)
        self.marac_date.setCalendarPopup(True)
        self.marac_date.setDate(QDate.currentDate())
        self.marac_date.dateChanged.connect(self._edited)
        jrow = QHBoxLayout()
        jrow.addWidget(self.judgement)
        jrow.addWidget(reason_label)
        jrow.addWidget(self.reason, 1)
        mrow = QHBoxLayout()
        mrow.addWidget(self.marac_known)
        mrow.addWidget(self.marac_date)
        mrow.addStretch(1)
        return jrow, mrow

    # ---- contract --------------------------------------------------------------------------------
    def first_input(self) -> QWidget:
        return self.groups[0].checkedButton()

    def load(self, doc: dict) -> None:
        self.doc = doc
        dash = doc.get("dash") if isinstance(doc.get("dash"), dict) else {}
        answers = dash.get("answers") if isinstance(dash.get("answers"), list) else []
        self._loading = True
        for n, group in enumerate(self.groups):
            value = answers[n] if n < len(answers) else None
            group.button({True: 0, False: 1}.get(value, 2)).setChecked(True)
        self.judgement.setChecked(bool(dash.get("judgement_high")))
        index = self.reason.findData(dash.get("judgement_reason") or "")
        self.reason.setCurrentIndex(max(index, 0))
        last = dash.get("last_marac")
        self.marac_known.setChecked(bool(last))
        if isinstance(last, str):
            try:
                d = date.fromisoformat(last)
                self.marac_date.setDate(QDate(d.year, d.month, d.day))
            except ValueError:
                pass
        self._loading = False
        self._update()

    def store(self, doc: dict) -> None:
        doc["dash"] = self.value()

    def problems(self) -> list[str]:
        out = []
        if self.judgement.isChecked() and not self.reason.currentData():
            out.append("dash.judgement_reason: say why professional judgement makes the risk high")
        if self.marac_known.isChecked() and self.marac_date.date() > QDate.currentDate():
            out.append("dash.last_marac: the last MARAC referral cannot be in the future")
        return out

    # ---- behaviour -------------------------------------------------------------------------------
    def answers(self) -> list[bool | None]:
        return [CHOICES[g.checkedId()][1] if g.checkedId() >= 0 else None for g in self.groups]

    def set_answers(self, answers: list[bool | None]) -> None:
        for group, value in zip(self.groups, answers, strict=False):
            group.button({True: 0, False: 1}.get(value, 2)).setChecked(True)

    def yes_count(self) -> int:
        return sum(1 for a in self.answers() if a is True)

    def risk(self) -> str | None:
        """standard | medium | high, or None while nothing is answered or judged."""
        answers = self.answers()
        if self.judgement.isChecked():
            return "high"
        if all(a is None for a in answers):
            return None
        return dash_band(self.yes_count(), self.cfg["thresholds"])

    def value(self) -> dict | None:
        answers = self.answers()
        judged = self.judgement.isChecked()
        if all(a is None for a in answers) and not judged and not self.marac_known.isChecked():
            return None
        return {"answers": answers, "judgement_high": judged,
                "judgement_reason": (self.reason.currentData() or None) if judged else None,
                "last_marac": self.marac_date.date().toString(Qt.DateFormat.ISODate)
                if self.marac_known.isChecked() else None}

    def _edited(self, *_args) -> None:
        if self._loading:
            return
        self._update()
        self.changed.emit()

    def _update(self) -> None:
        self.reason.setEnabled(self.judgement.isChecked())
        self.marac_date.setEnabled(self.marac_known.isChecked())
        risk = self.risk()
        answered = sum(1 for a in self.answers() if a is not None)
        if risk is None:
            self.summary.setText("No questions answered yet – no DASH risk recorded")
        else:
            why = " (professional judgement)" if self.judgement.isChecked() and \
                dash_band(self.yes_count(), self.cfg["thresholds"]) != "high" else ""
            self.summary.setText(f"{self.yes_count()} yes of {answered} answered · risk: {risk.upper()}{why}"
                                 + (" → refer to MARAC" if risk == "high" else ""))
        self.repeat.setText(self._repeat_text())
        problems = self.problems()
        if problems:
            self.message.show_error(problems[0].partition(": ")[2].capitalize())
        else:
            self.message.clear_error()

    def _repeat_text(self) -> str:
        if not self.marac_known.isChecked():
            return ""
        doc = copy.deepcopy(self.doc)
        self.store(doc)
        try:
            repeat = assess_draft(doc).get("repeat_marac")
        except InputError:
            return ""
        return ("REPEAT MARAC: this referral is within 12 months of the last MARAC referral." if repeat
                else "Not a repeat MARAC: the last MARAC referral was more than 12 months before this referral.")
